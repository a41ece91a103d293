// Link preview cards (issue 18): a bare link on its own line shows as its
// page's card in the editor's preview as you write (GET /api/v1/previews),
// and, once published, in the post the server rendered, with the image
// copied into the media library (never loaded from the remote site). The
// remote site is a local server on 127.0.0.2, opened to the app's
// outbound client by OUTBOUND_ALLOW_CIDRS as a private deployment would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
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
let site;
let siteURL;
let browser;
let page;
let errors;
let imageBytes = null;
const hits = new Map();

async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

before(async () => {
  site = createServer((req, res) => {
    hits.set(req.url, (hits.get(req.url) || 0) + 1);
    if (req.url === '/harbour') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>ignored</title>
<meta property="og:title" content="The harbour at dawn &amp; other walks">
<meta property="og:description" content="A morning walk along the old harbour wall, from the lighthouse to the fish market, before the town wakes up.">
<meta property="og:site_name" content="Coastal Walks">
<meta property="og:image" content="/harbour.jpg"></head><body>…</body></html>`);
    } else if (req.url === '/harbour.jpg' && imageBytes) {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' });
      res.end(imageBytes);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => site.listen(0, '127.0.0.2', r));
  siteURL = `http://127.0.0.2:${site.address().port}`;
  server = await startServer({ env: { OUTBOUND_ALLOW_CIDRS: '127.0.0.2/32' } });
  browser = await launchProfile();
  page = await browser.context.newPage();
  errors = watchErrors(page);
  // The page's picture, drawn by the browser.
  await page.goto(server.url + '/signin');
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 1200; c.height = 630;
    const g = c.getContext('2d');
    const sky = g.createLinearGradient(0, 0, 0, 630);
    sky.addColorStop(0, '#f6c177'); sky.addColorStop(1, '#4a6d8c');
    g.fillStyle = sky; g.fillRect(0, 0, 1200, 630);
    g.fillStyle = '#2b3a4a'; g.fillRect(0, 470, 1200, 160);
    g.fillStyle = '#f2f2f2'; g.fillRect(900, 250, 50, 220);
    return c.toDataURL('image/jpeg', 0.85).split(',')[1];
  });
  imageBytes = Buffer.from(b64, 'base64');
  await page.getByLabel('Your name').fill('noor');
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
  await page.waitForURL(server.url + '/');
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((r) => site?.close(r) ?? r());
});

test('a bare link pasted on its own line shows its card in the editor, and in the published post', async () => {
  await page.getByRole('link', { name: 'Write', exact: true }).click();
  await page.getByRole('heading', { name: 'Write a post' }).waitFor();
  await page.getByLabel('Title').fill('Morning walk');
  // GFM's autolinker wants a domain name; the test site is an address, so
  // the bare link is written <…> (the same on the server).
  const link = `${siteURL}/harbour`;
  await page.getByLabel('Text (markdown)').fill(`Where we went this morning:\n\n<${link}>\n\nInline <${link}> stays a link.`);
  await page.getByRole('tab', { name: 'Preview' }).click();
  const preview = page.locator('#pane-preview');
  const card = preview.locator('.link-card');
  await card.getByText('The harbour at dawn & other walks').waitFor();
  assert.equal(await card.count(), 1, 'only the bare link is a card');
  assert.equal(await card.locator('a').getAttribute('href'), link);
  assert.equal(await card.locator('.link-card-site').textContent(), 'Coastal Walks');
  const img = card.locator('img.link-card-image');
  await page.waitForFunction(() => { const i = document.querySelector('#pane-preview .link-card img'); return i && i.complete && i.naturalWidth > 0; });
  assert.match(new URL(await img.getAttribute('src')).pathname, /^\/media\/u\/0\//, 'the image is the library\'s copy');
  assert.equal(hits.get('/harbour'), 1);
  assert.equal(hits.get('/harbour.jpg'), 1, 'the image was fetched once, by the server, and never by the browser');
  // The card fits the phone's width.
  const box = await card.locator('a').boundingBox();
  assert.ok(box.width <= 360, `card width ${box.width}`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360, 'no sideways scrolling');
  assert.deepEqual(await auditScreen(page), [], 'quality audit of the editor preview with a card');
  await card.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await shot('editor-link-card');

  await page.getByRole('button', { name: 'Publish' }).click();
  await page.waitForURL(/\/posts\/\d+$/);
  // The preview is cached, so the saved post has its card at once.
  const saved = page.locator('.prose .link-card');
  await saved.getByText('The harbour at dawn & other walks').waitFor();
  assert.equal(await saved.count(), 1);
  assert.equal(hits.get('/harbour'), 1, 'the save fetched nothing more');
  await saved.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await shot('post-link-card');
  assert.deepEqual(errors, []);
});
