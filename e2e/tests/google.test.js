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
