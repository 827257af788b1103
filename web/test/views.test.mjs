// Every view in a real browser at phone and laptop size: what was said today appears in Today,
// axe finds no serious or critical problem, screenshots are kept as artifacts, the first load's
// transfer size is reported, and the app opens offline showing the last day it loaded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAPTOP, PHONE, accessibilityProblems, launchBrowser, screenshot, speechFile, startServer, waitFor,
         writeArtifact } from './harness.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  // A recording of real speech, uploaded as any client would, so Today has words to show.
  const answer = await fetch(server.baseUrl + '/v1/recordings', {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.key}`, 'Content-Type': 'audio/wav' },
    body: speechFile('en/LJ001-0001.wav'),
  });
  assert.equal(answer.status, 202);
  const { id } = await answer.json();
  await waitFor(async () => {
    const r = await (await fetch(`${server.baseUrl}/v1/recordings/${id}`, { headers: { Authorization: `Bearer ${server.key}` } })).json();
    return r.status === 'transcribed';
  }, 120000, 'the recording to be transcribed');
});
after(async () => {
  await browser?.close();
  await server?.stop();
  server?.remove();
});

async function signedInPage(viewport) {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(server.baseUrl + '/signin');
  await page.getByLabel('API key').fill(server.key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
  return { context, page };
}

async function transcriptText() {
  const headers = { Authorization: `Bearer ${server.key}` };
  const page = await (await fetch(`${server.baseUrl}/v1/recordings`, { headers })).json();
  const t = await (await fetch(`${server.baseUrl}/v1/recordings/${page.items[0].id}/transcript`, { headers })).json();
  return t.segments.map((s) => s.text).join(' ');
}

const VIEWS = [
  { name: 'today', path: '/', heading: 'Today' },
  { name: 'settings', path: '/settings', heading: 'Settings' },
];

for (const [size, viewport] of [['phone', PHONE], ['laptop', LAPTOP]]) {
  test(`every view at ${size} size: accessible, screenshot kept`, async () => {
    const anonymous = await browser.newContext({ viewport, locale: 'en-US' });
    const signIn = await anonymous.newPage();
    await signIn.goto(server.baseUrl + '/signin');
    await signIn.getByRole('heading', { name: 'Sign in to Reflexio' }).waitFor();
    assert.deepEqual(await accessibilityProblems(signIn), [], 'sign-in');
    await screenshot(signIn, `signin-${size}`);
    await anonymous.close();

    const { context, page } = await signedInPage(viewport);
    for (const view of VIEWS) {
      await page.goto(server.baseUrl + view.path);
      await page.getByRole('heading', { level: 1, name: view.heading }).waitFor();
      await page.waitForLoadState('networkidle');
      assert.deepEqual(await accessibilityProblems(page), [], view.name);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, `${view.name} fits ${viewport.width} px without scrolling sideways`);
      await screenshot(page, `${view.name}-${size}`);
    }
    await context.close();
  });
}

test('what was said appears in Today', async () => {
  const { context, page } = await signedInPage(LAPTOP);
  const said = await transcriptText();
  assert.ok(said.split(' ').length >= 5, `a transcript with words: "${said}"`);
  await page.locator('.recording .said').filter({ hasText: said }).waitFor();
  await context.close();
});

test('the first load transfers little, and the app opens offline with the last loaded day', async () => {
  const { context, page } = await signedInPage(LAPTOP);
  const sizes = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => /\/assets\/.*\.(js|css)$/.test(e.name))
    .map((e) => ({ name: e.name.replace(/^.*\/assets\//, ''), transfer: e.encodedBodySize, decoded: e.decodedBodySize })));
  const total = sizes.reduce((sum, s) => sum + s.transfer, 0);
  assert.ok(sizes.some((s) => s.name.endsWith('.js')) && sizes.some((s) => s.name.endsWith('.css')));
  assert.ok(sizes.every((s) => s.transfer < s.decoded), 'served compressed');
  writeArtifact('first-load.json', JSON.stringify({ files: sizes, compressed_bytes: total }, null, 2));
  console.log(`first load: JS + CSS ${(total / 1024).toFixed(1)} KiB compressed (${sizes.map((s) => `${s.name} ${s.transfer} B`).join(', ')})`);

  // The service worker takes over, the day is loaded through it once, then the network goes.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await waitFor(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)), 10000, 'the service worker');
  await page.reload();
  const said = await transcriptText();
  await page.locator('.recording .said').filter({ hasText: said }).waitFor();
  await context.setOffline(true);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
  await page.locator('.recording .said').filter({ hasText: said }).waitFor();
  await screenshot(page, 'today-offline-laptop');
  await context.close();
});
