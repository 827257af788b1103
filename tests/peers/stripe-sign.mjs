// Stripe's own webhook signer, for tests of our verifier: reads a payload on stdin and prints the
// Stripe-Signature header Stripe would send with it, made by the official `stripe` library
// (webhooks.generateTestHeaderString).
//
//   node stripe-sign.mjs SECRET [TIMESTAMP]     (TIMESTAMP: unix seconds; default now)
import { readFileSync } from 'node:fs';
import Stripe from 'stripe';

const [secret, timestamp] = process.argv.slice(2);
if (!secret) {
  console.error('usage: node stripe-sign.mjs SECRET [TIMESTAMP] < payload');
  process.exit(2);
}
const payload = readFileSync(0, 'utf8');
const options = { payload, secret };
if (timestamp) options.timestamp = Number(timestamp);
process.stdout.write(new Stripe('sk_test_unused').webhooks.generateTestHeaderString(options));
