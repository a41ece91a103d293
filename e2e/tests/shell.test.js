// The app shell, the service worker and installability: these need only the
// static side of the server (no sign-in).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchProfile, watchErrors, waitForServiceWorker } from '../lib/browser.js';
import { auditScreen, focusRingVisible } from '../lib/audit.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchProfile();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openShell() {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url + '/');
  await waitForServiceWorker(page);
  return { page, errors };
}

test('the app loads without errors; signed-out visitors read the public feed and can sign in from it', async () => {
  const { page, errors } = await openShell();
  await page.getByRole('heading', { name: 'Latest posts' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/', 'no sign-in wall');
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(/\/signin$/);
  await page.getByRole('heading', { name: 'Sign in to Inkwell' }).waitFor();
  const pageErrors = errors.filter((e) => e.startsWith('pageerror') || /Content Security Policy/i.test(e));
  assert.deepEqual(pageErrors, []);
  // Every module came from a hashed URL.
  const scripts = await page.evaluate(() => performance.getEntriesByType('resource')
    .map((e) => new URL(e.name).pathname).filter((p) => p.startsWith('/static/')));
  assert.ok(scripts.length > 5, `loaded ${scripts.length} static files`);
  for (const p of scripts) assert.match(p, /\.[0-9a-f]{10}\.[a-z]+$/, `${p} is not a hashed URL`);
  await page.close();
});

test('the sign-in screen passes the quality audit at 360×640, light and dark', async () => {
  const { page } = await openShell();
  await page.goto(server.url + '/signin');
  await page.getByRole('heading', { name: 'Sign in to Inkwell' }).waitFor();
  await page.waitForFunction(() => !document.querySelector('#main .loading'));
  assert.deepEqual(await auditScreen(page), []);
  assert.equal(await focusRingVisible(page), '');
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.deepEqual(await auditScreen(page), [], 'dark colour scheme');
  await page.close();
});

test('Chromium finds the app installable (Page.getInstallabilityErrors)', async () => {
  const { page } = await openShell();
  const cdp = await browser.context.newCDPSession(page);
  const manifest = await cdp.send('Page.getAppManifest');
  assert.equal(manifest.errors.length, 0, JSON.stringify(manifest.errors));
  assert.match(manifest.url, /\/manifest\.webmanifest$/);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  assert.deepEqual(installabilityErrors, []);
  // The install button appears once Chromium offers installation.
  await page.locator('#install-button').waitFor({ state: 'visible' });
  await page.close();
});

test('offline: the shell still opens on every client route and the offline banner shows', async () => {
  const { page } = await openShell();
  await browser.context.setOffline(true);
  try {
    // The public feed just read comes from the browser's cache (public,
    // max-age=60), banner and all.
    await page.goto(server.url + '/');
    await page.getByRole('heading', { name: 'Latest posts' }).waitFor();
    assert.ok(await page.locator('#offline-banner').isVisible(), 'offline banner on /');
    // Pages never read open the app's shell, which asks a signed-out visitor to sign in.
    for (const path of ['/write', '/posts/1', '/tags/ink', '/drafts', '/me']) {
      await page.goto(server.url + path);
      await page.getByRole('heading', { name: 'Sign in to Inkwell' }).waitFor();
      assert.ok(await page.locator('#offline-banner').isVisible(), `offline banner on ${path}`);
      await page.getByText('You’re offline. Connect to the internet to sign in.').waitFor();
    }
  } finally {
    await browser.context.setOffline(false);
  }
  await page.reload();
  await page.locator('#offline-banner').waitFor({ state: 'hidden' });
  await page.close();
});

test('unknown API paths keep the JSON errors; an unknown page is the app\'s not-found page', async () => {
  for (const [path, status, code] of [['/api/v1/nope', 401, 'unauthorized'], ['/api/nope', 404, 'not_found']]) {
    const res = await fetch(server.url + path, { headers: { Accept: 'text/html' } });
    assert.equal(res.status, status, path);
    assert.match(res.headers.get('content-type'), /^application\/json/, path);
    assert.equal((await res.json()).error.code, code, path);
  }
  const page404 = await fetch(server.url + '/nope', { headers: { Accept: 'text/html' } });
  assert.equal(page404.status, 404);
  assert.match(page404.headers.get('content-type'), /^text\/html/);
  assert.match(await page404.text(), /<h1>Page not found<\/h1>/);
  const json404 = await fetch(server.url + '/nope');
  assert.equal((await json404.json()).error.code, 'not_found', 'API clients still read JSON');
  const shell = await fetch(server.url + '/posts/12/edit', { headers: { Accept: 'text/html' } });
  assert.equal(shell.status, 200);
  assert.match(await shell.text(), /<script type="importmap">/);
});

test('every visit asks the server for a newer service worker (sw.js is never taken from a cache)', async () => {
  const { page } = await openShell();
  const swRequests = () => server.logs().split('\n').filter((l) => l.includes('"path":"/sw.js"'));
  for (let visit = 1; visit <= 2; visit++) {
    const before = swRequests().length;
    await page.reload();
    const deadline = Date.now() + 10000;
    while (swRequests().length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(swRequests().length > before, `visit ${visit}: sw.js was asked for again`);
  }
  // Unchanged, it costs a 304 (the ETag matches) or a byte-identical 200.
  assert.match(swRequests().at(-1), /"status":(200|304)/);
  await page.close();
});
