// What Reflexio understood, in the browser: a day of real speech becomes two conversations with
// a summary, an action and memory entries. The digest renders from its JSON with its charts and
// its PDF; the action is marked done; a memory entry is corrected and another forgotten; "why"
// shows the words a conclusion rests on. Each of these views passes axe at phone and laptop size.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAPTOP, PHONE, accessibilityProblems, downloaded, launchBrowser, screenshot, signIn, speechFile,
         startServer, waitFor } from './harness.mjs';

let server, browser, headers;
before(async () => {
  server = await startServer({ env: { REFLEXIO_SCHEDULER_INTERVAL_S: '0.2', REFLEXIO_EPISODE_GAP_S: '30' } });
  browser = await launchBrowser();
  headers = { Authorization: `Bearer ${server.key}` };
  const day = [['goforward.wav', 600], ['3752-4944-0000.flac', 594], ['1988-24833-0000.flac', 300],
               ['1988-24833-0001.flac', 294], ['1988-24833-0003.flac', 278]];
  for (const [file, secondsAgo] of day) {
    const answer = await fetch(server.baseUrl + '/v1/recordings', {
      method: 'POST',
      headers: { ...headers, 'Content-Type': file.endsWith('.wav') ? 'audio/wav' : 'audio/flac',
                 'X-Captured-At': new Date(Date.now() - secondsAgo * 1000).toISOString() },
      body: speechFile(`en/${file}`),
    });
    assert.equal(answer.status, 202);
  }
  await waitFor(async () => {
    const episodes = (await get('/v1/episodes')).items;
    return episodes.length === 2 && episodes.every((e) => e.state === 'closed' && e.enriched_at);
  }, 240000, 'two conversations, understood');
});
after(async () => {
  await browser?.close();
  await server?.stop();
  server?.remove();
});

async function get(path) {
  return (await fetch(server.baseUrl + path, { headers })).json();
}

const VIEWS = [
  { name: 'today-understood', path: '/', ready: '.conversation-card .said' },
  { name: 'digest', path: '/digests/today', ready: '.digest' },
  { name: 'digests', path: '/digests', ready: '.digest-list, main p' },
  { name: 'actions', path: '/actions', ready: '.action' },
  { name: 'memory', path: '/memory', ready: '.memory' },
];

for (const [size, viewport] of [['phone', PHONE], ['laptop', LAPTOP]]) {
  test(`the views of what was understood at ${size} size: accessible, screenshot kept`, async () => {
    const context = await browser.newContext({ viewport, locale: 'en-US' });
    const page = await signIn(context, server.baseUrl, server.key);
    for (const view of VIEWS) {
      await page.goto(server.baseUrl + view.path);
      await page.locator(view.ready).first().waitFor({ timeout: 60000 });
      await page.waitForLoadState('networkidle');
      assert.deepEqual(await accessibilityProblems(page), [], view.name);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, `${view.name} fits ${viewport.width} px`);
      await screenshot(page, `${view.name}-${size}`);
    }
    await context.close();
  });
}

test('Today shows each conversation with what was understood from it', async () => {
  const context = await browser.newContext({ viewport: LAPTOP, locale: 'en-US' });
  const page = await signIn(context, server.baseUrl, server.key);
  const episodes = (await get('/v1/episodes')).items;
  let actions = 0;
  for (const e of episodes) {
    const { enrichment } = await get(`/v1/episodes/${e.id}`);
    await page.locator('.conversation-card .said').filter({ hasText: enrichment.summary.text }).waitFor();
    for (const a of enrichment.actions) {
      await page.locator('.conversation-card .todo li').filter({ hasText: a.text }).waitFor();
      actions += 1;
    }
  }
  assert.equal(await page.locator('.conversation-card').count(), 2);
  assert.ok(actions >= 1, 'the day\'s action is shown in its conversation');
  await context.close();
});

test('the day\'s digest renders from its JSON, with charts, its PDF and a rebuild', async () => {
  const context = await browser.newContext({ viewport: LAPTOP, locale: 'en-US', acceptDownloads: true });
  const page = await signIn(context, server.baseUrl, server.key);
  await page.getByRole('link', { name: 'Digests' }).click();
  await page.getByRole('link', { name: 'Today so far' }).click();
  const digest = await get('/v1/digests/today');
  await page.locator('.digest .summary').filter({ hasText: digest.summary.text }).waitFor({ timeout: 60000 });
  await page.getByRole('img', { name: /Speech by hour/ }).waitFor();
  assert.equal(await page.locator('.conversation').count(), digest.timeline.length);
  assert.equal(digest.timeline.length, 2);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the PDF' }).click()]);
  assert.equal((await downloaded(download)).subarray(0, 5).toString(), '%PDF-');

  const rebuilt = page.waitForResponse((r) => r.url().endsWith('/generate') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Build it again' }).click();
  assert.equal((await rebuilt).status(), 200);
  await page.locator('.digest .summary').waitFor();
  await context.close();
});

test('an action is marked done, a memory entry corrected and another forgotten, and "why" quotes the words', async () => {
  const context = await browser.newContext({ viewport: LAPTOP, locale: 'en-US' });
  const page = await signIn(context, server.baseUrl, server.key);
  const [action] = (await get('/v1/actions?state=open')).items;
  assert.ok(action, 'the day holds an action');
  await page.getByRole('link', { name: 'Actions' }).click();
  await page.getByRole('checkbox', { name: action.text }).check();
  await page.locator('.action[data-state="done"]').filter({ hasText: action.text }).waitFor();
  assert.equal((await get('/v1/actions?state=done')).items.some((a) => a.id === action.id), true, 'done on the server');
  await page.getByRole('button', { name: `Why: ${action.text}` }).click();
  const why = await get(action.explain_url);
  await page.locator('.explanation blockquote').filter({ hasText: why.evidence[0].quote }).first().waitFor();

  const entries = (await get('/v1/memory')).items;
  const [corrected, forgotten] = entries.filter((e) => entries.filter((x) => x.label === e.label).length === 1);
  await page.getByRole('link', { name: 'Memory' }).click();
  await page.getByRole('button', { name: `Correct: ${corrected.label}` }).click();
  await page.getByLabel('What it says').fill(`${corrected.label} (corrected)`);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(`${corrected.label} (corrected)`).waitFor();
  const stored = await get(`/v1/memory/${corrected.id}`);
  assert.equal(stored.label, `${corrected.label} (corrected)`);
  assert.equal(stored.edited_by_person, true);
  await page.getByRole('button', { name: `Forget: ${forgotten.label}` }).click();
  await waitFor(async () => (await fetch(`${server.baseUrl}/v1/memory/${forgotten.id}`, { headers })).status === 404, 10000, 'the entry to be forgotten');
  await page.getByRole('button', { name: `Forget: ${forgotten.label}` }).waitFor({ state: 'detached' });
  await context.close();
});

test('a search hit opens with the conversation it was said in, and "why" quotes that conversation\'s words', async () => {
  const context = await browser.newContext({ viewport: LAPTOP, locale: 'en-US' });
  const page = await signIn(context, server.baseUrl, server.key);
  const [episode] = (await get('/v1/episodes')).items;
  const { enrichment } = await get(`/v1/episodes/${episode.id}`);
  const why = await get(enrichment.summary.explain_url);
  const word = why.evidence[0].quote.split(' ').find((w) => w.length >= 5) ?? why.evidence[0].quote.split(' ')[0];
  await page.goto(`${server.baseUrl}/search?q=${encodeURIComponent(word)}`);
  await page.locator('.hit mark').first().waitFor();
  await page.getByRole('button', { name: 'Play this moment' }).first().click();
  await page.locator('.conversation-of').filter({ hasText: enrichment.summary.text }).waitFor();
  await page.locator('.conversation-of').getByRole('button', { name: /^Why/ }).click();
  await page.locator('.explanation blockquote').filter({ hasText: why.evidence[0].quote }).first().waitFor();
  await context.close();
});
