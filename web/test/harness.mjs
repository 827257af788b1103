// What the browser tests share: the real `reflexio serve` on port 0 in a fresh data directory,
// Debian's Chromium driven by playwright-core, accessibility checks by axe-core, and artifacts
// (screenshots, figures) written where CTest keeps them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const here = dirname(fileURLToPath(import.meta.url));
export const binary = process.env.REFLEXIO_BINARY ?? join(here, '../../build/src/app/reflexio');
export const sharedDir = process.env.REFLEXIO_SHARED_DIR ?? join(here, '../../../shared');
export const artifactsDir = process.env.REFLEXIO_WEB_ARTIFACTS ?? join(here, '../../build/web/artifacts');
const stripePeerBinary = process.env.REFLEXIO_STRIPE_PEER ?? join(here, '../../build/src/billing/reflexio_stripe_peer');
const stripeSigner = join(here, '../../tests/peers/stripe-sign.mjs');
mkdirSync(artifactsDir, { recursive: true });

export const PHONE = { width: 360, height: 740 };
export const LAPTOP = { width: 1280, height: 800 };

// A server of its own: resolves once it listens, with its first-start API key and sign-in link.
// With `dir` of an earlier server (and its `port`), the same data directory is served again.
export async function startServer({ env = {}, dir: reused, port = 0, key: knownKey = null } = {}) {
  const dir = reused ?? mkdtempSync(join(tmpdir(), 'reflexio-web-'));
  const child = spawn(binary, ['serve', '--port', String(port), '--data-dir', join(dir, 'data')], {
    env: { ...process.env, REFLEXIO_LOG_LEVEL: 'info', REFLEXIO_ASR_ENGINE: 'pocketsphinx', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  let timer;
  const listening = new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      const found = /listening on (http:\/\/[0-9.]+:\d+)/.exec(err);
      if (found) resolve(found[1]);
    });
    child.on('exit', (code) => reject(new Error(`reflexio serve exited with ${code}:\n${err.slice(-2000)}`)));
    timer = setTimeout(() => reject(new Error(`reflexio serve did not listen within 60 s:\n${err.slice(-2000)}`)), 60000);
  });
  const baseUrl = await listening.finally(() => clearTimeout(timer));
  if (!reused) await waitFor(() => /\/signin#/.test(out), 10000, 'the first start\'s sign-in link');
  const link = /(http:\/\/\S+\/signin#[A-Za-z0-9_-]+)/.exec(out)?.[1] ?? null;
  const key = /(rfx_[A-Za-z0-9_-]{43})/.exec(out)?.[1] ?? knownKey;
  return {
    baseUrl, link, key, dir, port: Number(new URL(baseUrl).port),
    log: () => err,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    },
    remove() { rmSync(dir, { recursive: true, force: true }); },
  };
}

export async function waitFor(check, timeoutMs, what = 'a condition') {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// Signs a new browser context in with the API key, as a person pasting it would.
export async function signIn(context, baseUrl, key) {
  const page = await context.newPage();
  await page.goto(baseUrl + '/signin');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
  return page;
}

// The tenant's recordings, as the API lists them.
export async function listRecordings(server) {
  const answer = await fetch(`${server.baseUrl}/v1/recordings?limit=200`, { headers: { Authorization: `Bearer ${server.key}` } });
  return (await answer.json()).items;
}

// Debian's Chromium, headless, with what a machine without outside network needs.
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', ...extraArgs],
  });
}

// axe-core over the page as it is now: the serious and critical violations, described.
export async function accessibilityProblems(page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
}

export function writeArtifact(name, text) {
  writeFileSync(join(artifactsDir, name), text);
}

export function speechFile(name) {
  return readFileSync(join(sharedDir, 'data/speech', name));
}

// The bytes of a finished Playwright download.
export async function downloaded(download) {
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

// The local Stripe peer (src/billing/testing/stripe_peer.h) as a process: `apiUrl` for
// STRIPE_API_URL; `lastCheckout()` the Checkout Session the server made; `completeCheckout(id)`
// the customer paying, answering the Event Stripe would send.
export async function startStripePeer(secretKey, prices) {
  const child = spawn(stripePeerBinary, [secretKey, ...prices], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`the Stripe peer exited (${code}) before it listened`)));
  });
  const { api_url: apiUrl, control_url: controlUrl } = JSON.parse(first);
  return {
    apiUrl,
    lastCheckout: async () => (await fetch(controlUrl + '/last-checkout')).json(),
    completeCheckout: async (id) => (await fetch(`${controlUrl}/checkout/${id}/complete`, { method: 'POST' })).text(),
    stop: () => child.stdin.end(),
  };
}

// Delivers a Stripe event to a server's webhook, signed by Stripe's own library.
export async function deliverStripeEvent(baseUrl, secret, event) {
  const signed = spawnSync(process.execPath, [stripeSigner, secret], { input: event, encoding: 'utf8' });
  if (signed.status !== 0) throw new Error(`stripe-sign.mjs: ${signed.stderr}`);
  return fetch(baseUrl + '/v1/billing/webhook', {
    method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': signed.stdout }, body: event,
  });
}
