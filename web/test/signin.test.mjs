// Signing in through the browser: the first start's one-time link, a pasted key (never kept by
// the page), signing a device out from another, and the cookie as the only credential: a change
// without the CSRF token, or a cookie another server issued, is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, signIn, startServer } from './harness.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  server?.remove();
});

async function storedInPage(page) {
  return page.evaluate(async () => {
    const dbs = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : [];
    return JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie, dbs });
  });
}

test('the one-time link signs in, lands on Today, and works only once', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.link);
  await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
  assert.equal(new URL(page.url()).hash, '', 'the secret is gone from the address bar');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'reflexio_session');
  assert.ok(session, 'a session cookie was set');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  const stored = await storedInPage(page);
  assert.ok(!stored.includes(session.value), 'the page cannot read its session');
  assert.ok(!stored.includes('rfx_'), 'no API key in the browser');

  const second = await browser.newContext();
  const again = await second.newPage();
  await again.goto(server.link);
  await again.getByRole('alert').filter({ hasText: 'already used' }).waitFor();
  assert.equal((await second.cookies()).length, 0);
  await second.close();
  await context.close();
});

test('a pasted API key signs in and is not kept; the devices list signs another browser out', async () => {
  const laptop = await browser.newContext();
  const page = await signIn(laptop, server.baseUrl, server.key);
  assert.ok(!(await storedInPage(page)).includes(server.key), 'the key is not stored by the page');
  assert.equal(await page.getByLabel('API key').count(), 0);

  const phoneContext = await browser.newContext({ userAgent: 'PhoneBrowser/2.0' });
  const phone = await phoneContext.newPage();
  const link = await page.evaluate(async () => {
    const me = await (await fetch('/v1/session')).json();
    const made = await fetch('/v1/sign-in-links', { method: 'POST', headers: { 'X-CSRF-Token': me.csrf_token } });
    return (await made.json()).url;
  });
  await phone.goto(link);
  await phone.getByRole('heading', { level: 1, name: 'Today' }).waitFor();

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Signed-in devices' }).waitFor();
  await page.getByRole('button', { name: 'Sign out PhoneBrowser/2.0' }).click();
  await page.getByText('PhoneBrowser/2.0').waitFor({ state: 'detached' });
  await phone.reload();
  await phone.getByRole('heading', { name: 'Sign in to Reflexio' }).waitFor();

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in to Reflexio' }).waitFor();
  const status = await page.evaluate(async () => (await fetch('/v1/session')).status);
  assert.equal(status, 401, 'signed out for real, not only on the page');
  await phoneContext.close();
  await laptop.close();
});

test('a change without the CSRF token is refused, with it allowed; a foreign cookie reaches nothing', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server.baseUrl, server.key);
  const answers = await page.evaluate(async () => {
    const without = await fetch('/v1/sign-in-links', { method: 'POST' });
    const me = await (await fetch('/v1/session')).json();
    const withToken = await fetch('/v1/sign-in-links', { method: 'POST', headers: { 'X-CSRF-Token': me.csrf_token } });
    return { without: without.status, code: (await without.json()).error.code, with: withToken.status };
  });
  assert.deepEqual(answers, { without: 403, code: 'csrf_token_invalid', with: 201 });

  // The same cookie presented to another Reflexio server.
  const other = await startServer();
  try {
    const cookie = (await context.cookies()).find((c) => c.name === 'reflexio_session');
    const foreign = await browser.newContext();
    await foreign.addCookies([{ name: cookie.name, value: cookie.value, url: other.baseUrl }]);
    const stranger = await foreign.newPage();
    const answer = await stranger.request.get(other.baseUrl + '/v1/recordings');
    assert.equal(answer.status(), 401);
    assert.equal((await answer.json()).error.code, 'invalid_session');
    await stranger.goto(other.baseUrl + '/');
    await stranger.getByRole('heading', { name: 'Sign in to Reflexio' }).waitFor();
    await foreign.close();
  } finally {
    await other.stop();
    other.remove();
  }
  await context.close();
});

test('the app works from the keyboard alone: sign in, move between views, sign out', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(server.baseUrl + '/signin');
  await page.getByRole('heading', { name: 'Sign in to Reflexio' }).waitFor();
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.id || document.activeElement?.textContent);
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'api-key', 'the first stop is the key field');
  await page.keyboard.type(server.key);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
  // Tab through the header to Settings and open it with Enter.
  for (let i = 0; i < 12 && (await focused()) !== 'Settings'; i += 1) await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Settings');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  const visible = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(visible, 'none', 'the focused link shows a focus ring');
  await page.getByRole('button', { name: 'Sign out', exact: true }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Sign in to Reflexio' }).waitFor();
  await context.close();
});
