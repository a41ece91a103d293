// The Media tab (issue 17), end to end against the real binary in headless
// Chromium at phone size: two photos uploaded at once with progress, the
// grid with thumbnails, rename, move into a folder, a photo picked while
// offline that uploads when the connection returns, "Insert media" in the
// editor, and delete.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, ROOT } from '../lib/server.js';
import { launchProfile, watchErrors } from '../lib/browser.js';
import { auditScreen } from '../lib/audit.js';

const SHOTS = process.env.SCREENSHOT_DIR
  ? resolve(ROOT, process.env.SCREENSHOT_DIR)
  : join(tmpdir(), 'inkwell-screenshots');

let server;
let browser;
let page;
let errors;

/** A JPEG drawn by the browser itself (distinct bytes per seed). */
async function photo(name, seed) {
  const b64 = await page.evaluate((s) => {
    const c = document.createElement('canvas');
    c.width = 640; c.height = 480;
    const g = c.getContext('2d');
    g.fillStyle = `hsl(${(s * 67) % 360} 60% 55%)`;
    g.fillRect(0, 0, 640, 480);
    g.fillStyle = '#fff';
    g.font = '120px sans-serif';
    g.fillText(String(s), 220, 290);
    return c.toDataURL('image/jpeg', 0.8).split(',')[1];
  }, seed);
  return { name, mimeType: 'image/jpeg', buffer: Buffer.from(b64, 'base64') };
}

async function audit(name) {
  assert.deepEqual(await auditScreen(page), [], `quality audit of the ${name} screen`);
}

const tile = (name) => page.locator('.media-tile').filter({ hasText: name });

before(async () => {
  server = await startServer();
  browser = await launchProfile();
  page = await browser.context.newPage();
  errors = watchErrors(page);
  await page.goto(server.url + '/signin');
  await page.getByLabel('Your name').fill('mia');
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
  await page.waitForURL(server.url + '/');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('two photos upload at once from the Media tab and show as thumbnails', async () => {
  await page.getByRole('link', { name: 'Media' }).click();
  await page.waitForURL(server.url + '/library');
  await page.getByRole('heading', { name: 'Media', level: 1 }).waitFor();
  await page.getByText('No files here yet.').waitFor();
  const input = page.locator('#media-files');
  assert.equal(await input.getAttribute('accept'), 'image/*,video/*');
  assert.equal(await input.getAttribute('multiple'), '');
  await input.setInputFiles([await photo('beach.jpg', 1), await photo('harbour.jpg', 2)]);
  await tile('beach.jpg').waitFor();
  await tile('harbour.jpg').waitFor();
  // Both progress bars ran to the end.
  assert.deepEqual(await page.locator('.upload-list progress').evaluateAll((ps) => ps.map((p) => p.value)), [100, 100]);
  // Thumbnails come from the library's /media/ objects and loaded.
  const thumbs = await page.locator('.media-grid img').evaluateAll((imgs) => imgs.map((i) => ({ src: new URL(i.src).pathname, ok: i.complete && i.naturalWidth > 0 })));
  assert.equal(thumbs.length, 2);
  for (const t of thumbs) { assert.match(t.src, /^\/media\/u\/\d+\/[0-9a-f]{2}\/[0-9a-f]{64}_w320\.jpg$/); }
  await page.waitForFunction(() => [...document.querySelectorAll('.media-grid img')].every((i) => i.complete && i.naturalWidth > 0));
  await audit('media');
  await page.emulateMedia({ colorScheme: 'dark' });
  await audit('media (dark)');
  await page.emulateMedia({ colorScheme: 'light' });
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => { document.activeElement?.blur(); document.getElementById('toast').hidden = true; window.scrollTo(0, 0); });
  await page.screenshot({ path: join(SHOTS, 'media.png') });
});

test('rename, then move into a folder', async () => {
  page.once('dialog', (d) => d.accept('Harbour at dusk'));
  await page.getByRole('button', { name: 'Rename harbour.jpg' }).click();
  await tile('Harbour at dusk').waitFor();
  page.once('dialog', (d) => d.accept('trips/2026'));
  await page.getByRole('button', { name: 'Move Harbour at dusk' }).click();
  await page.getByRole('button', { name: '📁 trips' }).waitFor();
  assert.equal(await tile('Harbour at dusk').count(), 0, 'moved out of the top level');
  await page.getByRole('button', { name: '📁 trips' }).click();
  await page.waitForURL(server.url + '/library?folder=trips');
  await page.getByRole('button', { name: '📁 2026' }).click();
  await tile('Harbour at dusk').waitFor();
});

test('a photo picked offline waits on the device and uploads when back online', async () => {
  await page.goto(server.url + '/library');
  await page.getByRole('heading', { name: 'Media', level: 1 }).waitFor();
  await tile('beach.jpg').waitFor();
  await browser.context.setOffline(true);
  await page.locator('#media-files').setInputFiles([await photo('offline.jpg', 3)]);
  await page.getByText('1 file(s) waiting to upload when you’re back online.').waitFor();
  assert.equal(await tile('offline.jpg').count(), 0);
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  await page.screenshot({ path: join(SHOTS, 'media-offline.png') });
  await browser.context.setOffline(false);
  await tile('offline.jpg').waitFor();
  await page.waitForFunction(() => document.getElementById('queued-uploads').textContent === '');
});

test('the editor inserts a library image into the post', async () => {
  await page.getByRole('link', { name: 'Write' }).click();
  await page.waitForURL(server.url + '/write');
  await page.getByRole('button', { name: 'Insert media' }).click();
  const dialog = page.getByRole('dialog', { name: 'Insert from your media' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Insert beach.jpg' }).click();
  await dialog.waitFor({ state: 'detached' });
  const text = await page.locator('#post-body').inputValue();
  assert.match(text, /^!\[beach\.jpg\]\(http:\/\/[^)]+\/media\/u\/\d+\/[0-9a-f]{2}\/[0-9a-f]{64}\.jpg\)\n$/);
});

test('delete removes the file', async () => {
  await page.goto(server.url + '/library');
  await tile('offline.jpg').waitFor();
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete offline.jpg' }).click();
  await tile('offline.jpg').waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
});
