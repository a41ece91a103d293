// Google sign-in through the Google Identity Services button: the server
// validates a real RS256 ID token against a local JWKS (GOOGLE_CERTS_URL);
// the GIS script, which cannot be fetched here, is replaced by a stand-in
// with the same API (initialize / renderButton / callback({credential})).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchProfile, watchErrors } from '../lib/browser.js';
import { startFakeGoogle, gisScript } from '../lib/fakegoogle.js';

const CLIENT_ID = 'inkwell-e2e.apps.googleusercontent.com';
let google;
let server;
let browser;

before(async () => {
  google = await startFakeGoogle(CLIENT_ID);
  server = await startServer({ env: { GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_CERTS_URL: google.certsURL, AUTH_DEV_LOGIN: 'false' } });
  browser = await launchProfile();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await google?.close();
});

test('signing in with the Google button uses the ID token as the bearer token', async () => {
  const token = google.idToken({ sub: '1001', email: 'grace@example.com', name: 'Grace Hopper', picture: '' });
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  let gisLoads = 0;
  await page.route('https://accounts.google.com/gsi/client', (route) => {
    gisLoads++;
    return route.fulfill({ status: 200, contentType: 'text/javascript', body: gisScript(token) });
  });
  await page.goto(server.url + '/me');
  await page.waitForURL(/\/signin\?next=%2Fme$/);
  // Only Google is offered: the development sign-in is off on this server.
  await page.getByRole('button', { name: 'Sign in with Google' }).waitFor();
  assert.equal(await page.getByLabel('Your name').count(), 0);
  assert.equal(gisLoads, 1);
  assert.equal(await page.evaluate(() => window.__gisOptions.client_id), CLIENT_ID);

  await page.getByRole('button', { name: 'Sign in with Google' }).click();
  await page.waitForURL(server.url + '/me');
  await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor();
  await page.getByText('grace@example.com').waitFor();
  await page.waitForFunction(async () => (await (await caches.open('inkwell-data-v1')).keys()).length > 0);
  assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('inkwell.session')).token), token);

  // Signing out forgets Google's automatic account choice and the saved API answers.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(server.url + '/signin');
  assert.equal(await page.evaluate(() => window.__gisAutoSelectDisabled), true);
  assert.equal(await page.evaluate(() => localStorage.getItem('inkwell.session')), null);
  await page.waitForFunction(async () => !(await caches.has('inkwell-data-v1')), null, { timeout: 5000 });
  assert.deepEqual(errors.filter((e) => e.startsWith('pageerror') || /Content Security Policy/.test(e)), []);
  await page.close();
});

test('a token the server rejects is explained, not silently accepted', async () => {
  const expired = google.idToken({ sub: '1002', email: 'old@example.com', name: 'Old Token', picture: '', ttl: -600 });
  const page = await browser.context.newPage();
  await page.route('https://accounts.google.com/gsi/client', (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: gisScript(expired) }));
  await page.goto(server.url + '/signin');
  await page.getByRole('button', { name: 'Sign in with Google' }).click();
  await page.getByRole('alert').filter({ hasText: 'The server did not accept this sign-in' }).waitFor();
  assert.match(page.url(), /\/signin/);
  assert.equal(await page.evaluate(() => localStorage.getItem('inkwell.session')), null);
  await page.close();
});

/** The token with its signature spoiled: its claims still read as valid to the app, the server refuses it. */
function spoiled(token) {
  const [h, p, s] = token.split('.');
  return `${h}.${p}.${s.slice(0, -6)}${s.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;
}

async function serverDrafts(bearer) {
  const res = await fetch(`${server.url}/api/v1/posts?status=draft&limit=100`, { headers: { Authorization: `Bearer ${bearer}` } });
  assert.equal(res.status, 200);
  return (await res.json()).items;
}

test('a Google session is renewed silently before the token expires, and once on a 401, without losing the text being typed', async () => {
  const who = { sub: '3001', email: 'ada@example.com', name: 'Ada Lovelace', picture: '' };
  // Expires in 200 s: inside the renewal margin (5 min), so renewal is due at once.
  const first = google.idToken({ ...who, ttl: 200 });
  const second = google.idToken({ ...who, ttl: 3600 });
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  const visited = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(new URL(f.url()).pathname); });
  await page.route('https://accounts.google.com/gsi/client', (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: gisScript(first) }));
  await page.goto(server.url + '/signin?next=%2Fwrite');
  await page.getByRole('button', { name: 'Sign in with Google' }).waitFor();
  // Google will recognise this returning user and grant a new token without a prompt.
  await page.evaluate((t) => { window.__gisNextCredential = t; }, second);
  await page.getByRole('button', { name: 'Sign in with Google' }).click();
  await page.waitForURL(server.url + '/write');
  await page.waitForFunction((t) => JSON.parse(localStorage.getItem('inkwell.session')).token === t, second);
  assert.equal(await page.evaluate(() => window.__gisSilentGrants), 1);
  assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('inkwell.session')).kind), 'google');
  assert.equal(await page.evaluate(() => window.__gisOptions.auto_select), true, 'renewal asks for automatic sign-in');

  // Typing; meanwhile the server stops accepting the token (a 401 on save).
  await page.getByLabel('Title').fill('Renewed mid-sentence');
  await page.getByLabel('Text (markdown)').fill('Every word of this stays.');
  const third = google.idToken({ ...who, ttl: 3600 });
  await page.evaluate(([bad, next]) => {
    const s = JSON.parse(localStorage.getItem('inkwell.session'));
    s.token = bad;
    localStorage.setItem('inkwell.session', JSON.stringify(s));
    window.__gisNextCredential = next;
  }, [spoiled(second), third]);
  const statuses = [];
  page.on('response', (r) => { if (r.url().endsWith('/api/v1/posts') && r.request().method() === 'POST') statuses.push(r.status()); });
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.waitForURL(/\/posts\/\d+$/);
  assert.deepEqual(statuses, [401, 201], 'refused once, then sent again with the renewed token');
  assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem('inkwell.session')).token), third);
  assert.equal(await page.evaluate(() => window.__gisSilentGrants), 2);
  const drafts = (await serverDrafts(third)).filter((p) => p.title === 'Renewed mid-sentence');
  assert.equal(drafts.length, 1);
  assert.equal(drafts[0].body_markdown, 'Every word of this stays.');
  assert.ok(!visited.some((p) => p === '/signin' && visited.indexOf(p) > 0), `never sent back to sign-in: ${visited}`);
  assert.deepEqual(errors.filter((e) => e.startsWith('pageerror') || /Content Security Policy/.test(e)), []);
  await page.close();
});

test('a renewal that offers another Google account does not switch people: the session ends, the text stays', async () => {
  const who = { sub: '4001', email: 'kay@example.com', name: 'Kay', picture: '' };
  const token = google.idToken({ ...who, ttl: 3600 });
  const page = await browser.context.newPage();
  await page.route('https://accounts.google.com/gsi/client', (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: gisScript(token) }));
  await page.goto(server.url + '/signin?next=%2Fwrite');
  await page.getByRole('button', { name: 'Sign in with Google' }).click();
  await page.waitForURL(server.url + '/write');
  await page.getByLabel('Title').fill('Not for someone else');
  const stranger = google.idToken({ sub: '4999', email: 'other@example.com', name: 'Other', picture: '', ttl: 3600 });
  await page.evaluate(([bad, next]) => {
    const s = JSON.parse(localStorage.getItem('inkwell.session'));
    s.token = bad;
    localStorage.setItem('inkwell.session', JSON.stringify(s));
    window.__gisNextCredential = next;
  }, [spoiled(token), stranger]);
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.waitForURL(/\/signin\?expired=1&next=%2Fwrite$/);
  assert.equal(await page.evaluate(() => localStorage.getItem('inkwell.session')), null);
  assert.equal(await page.evaluate(() => window.__gisSilentGrants), 1, 'Google offered a token; the app refused it');
  await page.close();
});
