// One-tap capture through Chromium's fake microphone fed with real speech: the words appear in
// Today, and the day's digest asked for right after covers them, understood on the spot; the
// tap-to-recording delay of an armed recorder is measured and reported; pieces
// recorded without a network, whose acknowledgement is lost, or left in a closed tab while the
// server restarts all arrive, each exactly once; continuous mode holds a screen wake lock; over
// the free minutes the 402 keeps pieces queued until the person upgrades through Stripe Checkout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { accessibilityProblems, deliverStripeEvent, launchBrowser, listRecordings, screenshot, sharedDir, signIn,
         startServer, startStripePeer, waitFor, writeArtifact } from './harness.mjs';

const SPEECH = join(sharedDir, 'data/speech/en/LJ001-0001.wav');
const REFERENCE = 'printing in the only sense with which we are at present concerned differs from most if not from all the arts and crafts represented in the exhibition';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
                                 `--use-file-for-fake-audio-capture=${SPEECH}`]);
});
after(async () => {
  await browser?.close();
  await server?.stop();
  server?.remove();
});

async function newContext(options = {}) {
  const context = await browser.newContext({ locale: 'en-US', ...options });
  // As a browser allows by default: granting some permissions here denies every other one.
  await context.grantPermissions(['microphone', 'screen-wake-lock'], { origin: server.baseUrl });
  return context;
}

const recordButton = (page) => page.getByRole('button', { name: /^(Record|Stop)$/ });
const waitingCount = (page) => page.locator('[data-waiting]').getAttribute('data-waiting').then(Number);
const queuedInBrowser = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('reflexio-capture');
  open.onsuccess = () => {
    const count = open.result.transaction('pieces').objectStore('pieces').count();
    count.onsuccess = () => resolve(count.result);
    count.onerror = () => reject(count.error);
  };
  open.onerror = () => reject(open.error);
}));

async function record(page, seconds) {
  await recordButton(page).click();
  await page.getByRole('button', { name: 'Stop' }).waitFor();
  await page.waitForTimeout(seconds * 1000);
  await recordButton(page).click();
  await page.getByRole('button', { name: 'Record' }).waitFor();
}

test('speech recorded with one tap appears in Today; an armed recorder starts at once', async () => {
  const context = await newContext({ serviceWorkers: 'block' });
  const page = await signIn(context, server.baseUrl, server.key);
  await record(page, 11);
  await waitFor(async () => (await waitingCount(page)) === 0 && (await queuedInBrowser(page)) === 0, 30000, 'the pieces to be sent');
  const recordings = await listRecordings(server);
  assert.ok(recordings.length >= 1 && recordings.length <= 3, `an 11 s recording is one to three pieces, got ${recordings.length}`);
  assert.ok(recordings.every((r) => r.content_type.startsWith('audio/webm')));
  // Today shows the words as soon as they are transcribed.
  await page.locator('.recording[data-status="transcribed"] .said').first().waitFor({ timeout: 120000 });
  await waitFor(async () => (await page.locator('.recording[data-status="transcribed"]').count()) === recordings.length, 120000, 'every piece transcribed');
  const shown = (await page.locator('.recording .said').allTextContents()).join(' ').toLowerCase();
  const heard = REFERENCE.split(' ').filter((w) => w.length > 3 && shown.includes(w));
  assert.ok(heard.length >= 3, `words of the reference appear in Today: "${shown}"`);

  // The recorder stays armed: the second tap's delay is the one a person feels every time.
  const latencies = [];
  const starts = () => page.evaluate(() => Number(document.querySelector('[data-starts]')?.dataset.starts ?? 0));
  for (let i = 0; i < 5; i += 1) {
    const before = await starts();
    await recordButton(page).click();
    await waitFor(async () => (await starts()) === before + 1, 5000, 'the recording to start');
    latencies.push(Number(await page.locator('[data-start-latency-ms]').getAttribute('data-start-latency-ms')));
    await page.waitForTimeout(300);
    await recordButton(page).click();
    await page.getByRole('button', { name: 'Record' }).waitFor();
  }
  latencies.sort((a, b) => a - b);
  const median = latencies[Math.floor(latencies.length / 2)];
  assert.ok(latencies.every((ms) => Number.isFinite(ms) && ms > 0), `measured: ${latencies}`);
  writeArtifact('tap-to-record.json', JSON.stringify({ latencies_ms: latencies, median_ms: median }, null, 2));
  console.log(`tap → recording started (armed): median ${median.toFixed(1)} ms, all ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms`);
  await context.close();
});

test('the day\'s digest asked for right after the recording covers it, understood on the spot', async () => {
  const context = await newContext({ serviceWorkers: 'block' });
  const page = await signIn(context, server.baseUrl, server.key);
  await page.getByRole('link', { name: 'Digests' }).click();
  await page.getByRole('link', { name: 'Today so far' }).click();
  const digest = page.locator('.digest[data-provisional="true"]');
  await digest.waitFor({ timeout: 60000 });
  await digest.getByRole('note').filter({ hasText: 'Provisional' }).waitFor();
  const conversations = digest.locator('.conversation[data-provisional="true"] p');
  assert.ok((await conversations.count()) >= 1, 'the conversation just recorded is in the digest');
  const said = (await conversations.allTextContents()).join(' ').toLowerCase();
  const heard = REFERENCE.split(' ').filter((w) => w.length > 3 && said.includes(w));
  assert.ok(heard.length >= 2, `the digest says what was just said: "${said}"`);
  assert.deepEqual(await accessibilityProblems(page), []);
  await screenshot(page, 'digest-provisional-laptop');
  await context.close();
});

test('continuous mode keeps the screen awake while it records, and lets it sleep after', async () => {
  const context = await newContext({ serviceWorkers: 'block' });
  const page = await signIn(context, server.baseUrl, server.key);
  await page.getByLabel(/Keep recording all day/).check();
  await recordButton(page).click();
  await page.locator('.continuous[data-wake-lock="held"]').waitFor({ timeout: 10000 });
  await page.waitForTimeout(1000);
  await recordButton(page).click();
  await page.locator('.continuous[data-wake-lock="none"]').waitFor();
  await waitFor(async () => (await waitingCount(page)) === 0 && (await queuedInBrowser(page)) === 0, 30000, 'the piece to be sent');
  await context.close();
});

test('pieces recorded offline, with a lost acknowledgement, and across a closed tab and a server restart arrive exactly once', async () => {
  const before = (await listRecordings(server)).length;
  const context = await newContext({ serviceWorkers: 'block' });
  let page = await signIn(context, server.baseUrl, server.key);

  // 1. No network: the piece is kept in the browser.
  await context.setOffline(true);
  await record(page, 3);
  await waitFor(async () => (await queuedInBrowser(page)) === 1, 10000, 'the offline piece to be queued');
  await page.getByText(/waiting to be sent/).waitFor();

  // 2. The network is back, but the server's answer to the first upload is lost on the way.
  let lost = 0;
  await page.route('**/v1/recordings', async (route) => {
    if (route.request().method() !== 'POST' || lost > 0) return route.fallback();
    lost += 1;
    await route.fetch();  // the server stores it …
    await route.abort('connectionreset');  // … and the browser never hears so
  });
  await context.setOffline(false);
  await waitFor(() => lost === 1, 20000, 'the upload whose answer is lost');
  await waitFor(async () => (await queuedInBrowser(page)) === 0, 30000, 'the retried piece to be acknowledged');
  await page.unroute('**/v1/recordings');

  // 3. The server goes away; a piece is recorded; the tab is closed before it can be sent.
  await server.stop();
  await record(page, 3);
  await waitFor(async () => (await queuedInBrowser(page)) === 1, 10000, 'the piece kept while the server is down');
  await page.close();
  server = await startServer({ dir: server.dir, port: server.port, key: server.key });

  // 4. Opening the app again sends it by itself.
  page = await context.newPage();
  await page.goto(server.baseUrl + '/');
  await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
  await waitFor(async () => (await queuedInBrowser(page)) === 0, 30000, 'the left-behind piece to be sent');
  const recordings = await listRecordings(server);
  assert.equal(recordings.length - before, 2, 'two pieces recorded, two stored: none lost, none twice');
  await context.close();
});

// A fixed-offset zone where it is about noon now, so the day cannot end during the test.
function zoneAtNoon() {
  let offset = 12 - new Date().getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  return offset === 0 ? 'Etc/UTC' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

test('over the day\'s free minutes the 402 is shown with its reset time and the pieces stay queued; upgrading through Checkout sends them', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const pricing = join(mkdtempSync(join(tmpdir(), 'reflexio-pricing-')), 'pricing.json');
  writeFileSync(pricing, JSON.stringify({ version: 'test', currency: 'usd', plans: [
    { id: 'free', name: 'Free', price: 0, daily_speech_minutes: 0.1 },
    { id: 'premium_monthly', name: 'Premium', price: 9.99, interval: 'month', stripe_price_id: 'price_month' }] }));
  const zone = zoneAtNoon();
  const webhookSecret = 'whsec_reflexio_web';
  const stripe = await startStripePeer('sk_test_reflexio', ['price_month:30']);
  const limited = await startServer({ env: {
    REFLEXIO_QUOTA: 'true', REFLEXIO_PRICING_FILE: pricing, REFLEXIO_TIMEZONE: zone, STRIPE_SECRET_KEY: 'sk_test_reflexio',
    STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_URL: stripe.apiUrl } });
  try {
    const headers = { Authorization: `Bearer ${limited.key}` };
    const first = await fetch(limited.baseUrl + '/v1/recordings', {
      method: 'POST', headers: { ...headers, 'Content-Type': 'audio/wav' },
      body: (await import('node:fs')).readFileSync(SPEECH),
    });
    const { id } = await first.json();
    await waitFor(async () => (await (await fetch(`${limited.baseUrl}/v1/recordings/${id}`, { headers })).json()).status === 'transcribed',
                  120000, 'the first recording to use up the minutes');
    const usage = await (await fetch(limited.baseUrl + '/v1/billing/usage', { headers })).json();

    const context = await browser.newContext({ locale: 'en-US', timezoneId: zone, serviceWorkers: 'block' });
    await context.grantPermissions(['microphone'], { origin: limited.baseUrl });
    const page = await signIn(context, limited.baseUrl, limited.key);
    await record(page, 2);
    const resetsAt = new Date(usage.resets_at).toLocaleTimeString('en-US', { hour: '2-digit', minute: '2-digit', timeZone: zone });
    await page.locator('[data-blocked="quota"]').filter({ hasText: `until ${resetsAt}` }).waitFor();
    assert.equal(await queuedInBrowser(page), 1, 'the refused piece is kept for later');
    assert.equal((await listRecordings(limited)).length, 1, 'and nothing of it was stored');

    // Upgrading: Settings → Stripe Checkout (its page stood in for: nothing leaves this machine) →
    // Stripe's signed event → back in the app on the paid plan, and the kept piece goes, once.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.route('https://checkout.stripe.com/**', (route) => route.fulfill({
      contentType: 'text/html', body: '<!doctype html><title>Checkout</title><h1>Stripe Checkout</h1>' }));
    await page.getByRole('button', { name: /^Upgrade to Premium: 9\.99 USD a month/ }).click();
    await page.waitForURL(/^https:\/\/checkout\.stripe\.com\//);
    const session = await stripe.lastCheckout();
    assert.equal(session['line_items[0][price]'], 'price_month');
    assert.equal(session.success_url, limited.baseUrl + '/settings');
    const paid = await stripe.completeCheckout(session.id);
    assert.equal((await deliverStripeEvent(limited.baseUrl, webhookSecret, paid)).status, 200);
    await page.goto(session.success_url);
    await page.locator('[data-plan="premium_monthly"]').waitFor();
    await waitFor(async () => (await queuedInBrowser(page)) === 0, 30000, 'the kept piece to be sent');
    assert.equal((await listRecordings(limited)).length, 2, 'the kept piece arrived, once');
    await context.close();
  } finally {
    stripe.stop();
    await limited.stop();
    limited.remove();
  }
});
