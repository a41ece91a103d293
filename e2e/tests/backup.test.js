// Media backup from the post's actions (issue 18), end to end against the
// real binary in headless Chromium at phone size (360×640): a post showing
// an image from another site (a server on 127.0.0.2, opened to the app by
// OUTBOUND_ALLOW_CIDRS) and a link to a missing one; "Back up media" copies
// the image, says what happened URL by URL, and the post then shows the
// library's copy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startServer } from '../lib/server.js';
import { launchProfile, watchErrors, PHONE } from '../lib/browser.js';
import { auditScreen } from '../lib/audit.js';

let server;
let site;
let siteURL;
let browser;
let page;
let errors;
let token;
let hits = 0;
let photo;

before(async () => {
  server = await startServer({ env: { OUTBOUND_ALLOW_CIDRS: '127.0.0.2' } });
  browser = await launchProfile();
  page = await browser.context.newPage();
  errors = watchErrors(page);
  site = createServer((req, res) => {
    hits++;
    if (req.url === '/harbour.jpg' && photo) {
      res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': photo.length });
      res.end(photo);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not here');
  });
  await new Promise((ok) => site.listen(0, '127.0.0.2', ok));
  siteURL = `http://127.0.0.2:${site.address().port}`;
  await page.goto(server.url + '/signin');
  await page.getByLabel('Your name').fill('noa');
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
  await page.waitForURL(server.url + '/');
  token = await page.evaluate(() => JSON.parse(localStorage.getItem('inkwell.session')).token);
  // A JPEG drawn by the browser itself.
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 480; c.height = 320;
    const g = c.getContext('2d');
    g.fillStyle = 'hsl(200 60% 55%)';
    g.fillRect(0, 0, 480, 320);
    return c.toDataURL('image/jpeg', 0.8).split(',')[1];
  });
  photo = Buffer.from(b64, 'base64');
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((ok) => site?.close(ok));
});

test('Back up media copies the post\'s external image and reports each URL', async () => {
  const res = await fetch(server.url + '/api/v1/posts', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: 'Harbour walk', status: 'published',
      body_markdown: `![harbour](${siteURL}/harbour.jpg)\n\nAnd [a lost one](${siteURL}/lost.png).` }),
  });
  assert.equal(res.status, 201);
  const post = await res.json();
  assert.deepEqual(page.viewportSize(), PHONE);
  await page.goto(`${server.url}/posts/${post.id}`);
  await page.getByRole('heading', { name: 'Harbour walk' }).waitFor();
  assert.equal(await page.locator('.prose img').getAttribute('src'), `${siteURL}/harbour.jpg`);
  assert.equal(hits, 0, 'the app fetched nothing before being asked');

  await page.getByRole('button', { name: 'Back up media' }).click();
  const report = page.getByRole('status', { name: 'Media backup result' });
  await report.waitFor();
  assert.match(await report.innerText(), /2 found · 1 copied · 0 already copied · 1 not copied/);
  assert.match(await report.innerText(), new RegExp(`${siteURL.replace(/\./g, '\\.')}/lost\\.png: the site answered 404`));
  const src = await page.locator('.prose img').getAttribute('src');
  assert.ok(src.startsWith(`${server.url}/media/u/`), src);
  assert.ok(await page.locator('.prose img').evaluate((img) => img.complete && img.naturalWidth === 480), 'the copy loads');
  assert.deepEqual(await auditScreen(page), [], 'quality audit of the post with the backup report');
  await page.screenshot({ path: '/tmp/inkwell-backup-report.png' });

  // Again: nothing is fetched, the copy is reported as already there.
  const before = hits;
  await page.getByRole('button', { name: 'Back up media' }).click();
  await page.getByRole('status').filter({ hasText: 'Media backup: 0 copied, 1 already copied, 1 not copied.' }).waitFor();
  assert.equal(hits, before);

  // The only error is the browser refusing the external http: image before
  // the backup (the app's CSP allows https: and itself).
  assert.deepEqual(errors.filter((e) => !/Loading the image 'http:\/\/127\.0\.0\.2:\d+\/harbour\.jpg' violates the following Content Security Policy/.test(e)), []);
});
