// Every view in a real browser at phone and laptop size: what was said today appears in Today,
// axe finds no serious or critical problem, screenshots are kept as artifacts, the first load's
// transfer size is reported, and the app opens offline showing the last day it loaded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAPTOP, PHONE, accessibilityProblems, downloaded, launchBrowser, screenshot, signIn, speechFile, startServer, waitFor,
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

// The names in a tar archive (ustar headers: the name at 0, the size in octal at 124).
function tarEntries(archive) {
  const names = [];
  for (let at = 0; at + 512 <= archive.length && archive[at] !== 0;) {
    assert.equal(archive.subarray(at + 257, at + 262).toString(), 'ustar', 'a tar header');
    names.push(archive.subarray(at, at + 100).toString().replace(/\0.*$/s, ''));
    const size = parseInt(archive.subarray(at + 124, at + 136).toString().replace(/\0.*$/s, '').trim(), 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

async function signedInPage(viewport) {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  return { context, page: await signIn(context, server.baseUrl, server.key) };
}

async function transcriptText() {
  const headers = { Authorization: `Bearer ${server.key}` };
  const page = await (await fetch(`${server.baseUrl}/v1/recordings`, { headers })).json();
  const t = await (await fetch(`${server.baseUrl}/v1/recordings/${page.items[0].id}/transcript`, { headers })).json();
  return t.segments.map((s) => s.text).join(' ');
}

const VIEWS = [
  { name: 'today', path: '/', heading: 'Today' },
  { name: 'search', path: '/search?q=exhibition', heading: 'Search' },
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

test('the words follow the browser\'s language: Russian for a Russian browser', async () => {
  const context = await browser.newContext({ viewport: PHONE, locale: 'ru-RU' });
  const page = await context.newPage();
  await page.goto(server.baseUrl + '/signin');
  await page.getByRole('heading', { name: 'Вход в Reflexio' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ru');
  await page.getByLabel('API-ключ').fill(server.key);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('heading', { level: 1, name: 'Сегодня' }).waitFor();
  await page.getByRole('button', { name: 'Записать' }).waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);
  await screenshot(page, 'today-ru-phone');
  await context.close();
});

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

test('a search hit plays exactly its moment, steps ten seconds, and follows the words', async () => {
  const { context, page } = await signedInPage(LAPTOP);
  const said = (await transcriptText()).split(' ');
  const word = said.find((w) => w.length >= 6) ?? said[0];
  await page.getByRole('link', { name: 'Search' }).click();
  await page.getByRole('searchbox', { name: 'What was said' }).fill(word);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.locator('.hit mark').first().waitFor();
  await page.getByRole('button', { name: 'Play this moment' }).first().click();
  const replay = page.locator('.replay[data-played-from]');
  await replay.waitFor({ timeout: 20000 });
  const [clipStart, hitStart, hitEnd, playedFrom] = await Promise.all(
    ['data-clip-start', 'data-hit-start', 'data-hit-end', 'data-played-from'].map((a) => replay.getAttribute(a).then(Number)));
  const at = clipStart + playedFrom;
  assert.ok(at >= hitStart - 0.05 && at <= hitEnd, `played from ${at.toFixed(2)} s, the hit "${word}" is ${hitStart}–${hitEnd} s`);
  await page.locator('.word[aria-current="true"]').first().waitFor({ timeout: 10000 });
  await page.locator('.replay audio').evaluate((a) => a.pause());
  await screenshot(page, 'replay-laptop');
  await page.locator('.replay audio').evaluate((a) => a.play());

  const audio = page.locator('.replay audio');
  const before = await audio.evaluate((a) => a.currentTime);
  await page.getByRole('button', { name: '−10 s' }).click();
  const back = await audio.evaluate((a) => a.currentTime);
  assert.ok(back < before, `−10 s went back (${before.toFixed(2)} → ${back.toFixed(2)})`);
  await page.getByRole('button', { name: '+10 s' }).click();
  const on = await audio.evaluate((a) => ({ t: a.currentTime, d: a.duration }));
  assert.ok(on.t >= Math.min(back + 9.5, on.d - 0.1), `+10 s went on (${back.toFixed(2)} → ${on.t.toFixed(2)} of ${on.d.toFixed(2)})`);
  await context.close();
});

// Last: it erases the tenant's data.
test('settings are changed and kept; erasing takes a typed confirmation and leaves nothing', async () => {
  const { context, page } = await signedInPage(LAPTOP);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Time zone').fill('Europe/Berlin');
  await page.getByLabel('Digest time').fill('21:15');
  await page.getByLabel('Telegram chat for the digest').fill('4242');
  await page.locator('form[aria-labelledby="day-title"]').getByRole('button', { name: 'Save' }).click();
  await page.locator('form[aria-labelledby="day-title"]').getByText('Saved.').waitFor();
  await page.getByLabel('Keep audio for (hours; 0: delete once transcribed)').fill('12');
  await page.getByLabel('Send my audio and words only to engines on this server').check();
  await page.getByLabel('Personal details in what leaves the server').selectOption('mask');
  await page.locator('form[aria-labelledby="privacy-title"]').getByRole('button', { name: 'Save' }).click();
  await page.locator('form[aria-labelledby="privacy-title"]').getByText('Saved.').waitFor();
  const headers = { Authorization: `Bearer ${server.key}` };
  const day = await (await fetch(server.baseUrl + '/v1/settings', { headers })).json();
  assert.deepEqual([day.timezone, day.digest_time, day.telegram_chat_id], ['Europe/Berlin', '21:15', '4242']);
  const privacy = await (await fetch(server.baseUrl + '/v1/privacy/settings', { headers })).json();
  assert.deepEqual([privacy.audio_retention_hours, privacy.opt_out_training, privacy.pii_mode], [12, true, 'mask']);
  await page.reload();
  assert.equal(await page.getByLabel('Time zone').inputValue(), 'Europe/Berlin', 'kept across a reload');

  // A key made here is shown once, works, and stops working when revoked.
  await page.getByRole('button', { name: 'Make a new key' }).click();
  const key = await page.locator('[data-key]').textContent();
  assert.match(key, /^rfx_/);
  const works = async () => (await fetch(server.baseUrl + '/v1/recordings', { headers: { Authorization: `Bearer ${key}` } })).status;
  assert.equal(await works(), 200);
  await page.getByRole('button', { name: `Revoke the key ${key.slice(0, 10)}` }).first().click();
  await page.locator('[data-key]').waitFor({ state: 'detached' });
  assert.equal(await works(), 401);
  assert.ok(!(await page.content()).includes(key), 'the key is gone from the page');

  // The export downloads as one tar archive: the manifest, each recording with its transcript,
  // and its audio.
  const [download] = await Promise.all([page.waitForEvent('download'),
                                        page.getByRole('link', { name: 'Export everything (a tar archive)' }).click()]);
  const names = tarEntries(await downloaded(download));
  const recorded = (await (await fetch(server.baseUrl + '/v1/recordings', { headers })).json()).items;
  assert.ok(recorded.length > 0 && names.includes('manifest.json'), names.join(', '));
  for (const r of recorded) assert.ok(names.includes(`recordings/${r.id}.json`), `${r.id} in ${names.join(', ')}`);
  assert.ok(names.some((n) => n.startsWith('audio/')), 'the audio too');

  const erase = page.getByRole('button', { name: 'Erase everything' });
  assert.equal(await erase.isDisabled(), true, 'nothing to press before the word is typed');
  await page.getByLabel(/type ERASE/).fill('erase');
  assert.equal(await erase.isDisabled(), true, 'only the exact word');
  await page.getByLabel(/type ERASE/).fill('ERASE');
  await erase.click();
  await page.locator('[data-erased="true"]').waitFor();
  const left = await (await fetch(server.baseUrl + '/v1/recordings', { headers })).json();
  assert.equal(left.items.length, 0, 'no recording is left');
  await page.getByRole('link', { name: 'Today' }).click();
  await page.getByText('Nothing recorded today yet.').waitFor();
  await context.close();
});
