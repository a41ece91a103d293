// A post's HTML cannot take over the app's own elements (issue 14 item
// 12): a post carrying id="toast" leaves the app's notification area
// alone, and its footnote links still jump to their notes, in the post
// page and in the editor's preview. Headless Chromium against the binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchProfile, watchErrors } from '../lib/browser.js';

const BODY = [
  'A claim that needs a source.[^src]',
  '',
  '<div id="toast">Hijacked</div>',
  '',
  '[^src]: The source of the claim.',
].join('\n');

let server;
let browser;
let page;
let errors;
let postId;

before(async () => {
  server = await startServer();
  browser = await launchProfile();
  page = await browser.context.newPage();
  errors = watchErrors(page);
  await page.goto(server.url + '/signin');
  await page.getByLabel('Your name').fill('mallory');
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
  await page.waitForURL(server.url + '/');
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('inkwell.session')).token);
  const res = await fetch(server.url + '/api/v1/posts', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: 'With a footnote', body_markdown: BODY, status: 'published' }),
  });
  assert.equal(res.status, 201);
  postId = (await res.json()).id;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The ids in the document that a post's HTML could collide with. */
function appToastIsTheOnlyToast() {
  return page.evaluate(() => {
    const toasts = document.querySelectorAll('[id="toast"]');
    return toasts.length === 1 && !toasts[0].closest('article, .post-body, .preview');
  });
}

test("a post's id does not take over the app's toast, and its footnote link works", async () => {
  await page.goto(`${server.url}/posts/${postId}`);
  await page.getByText('Hijacked').waitFor();
  assert.ok(await appToastIsTheOnlyToast(), 'the post added a second #toast');

  const ref = page.locator('a[href^="#user-content-fn"]').first();
  const target = await ref.getAttribute('href');
  assert.equal(await page.locator(`[id="${target.slice(1)}"]`).count(), 1, `nothing has the id ${target}`);
  await ref.click();
  await page.waitForFunction((hash) => location.hash === hash, target);
  assert.match(page.url(), new RegExp(`/posts/${postId}#user-content-fn`));
  await page.getByText('The source of the claim.').waitFor();
  assert.deepEqual(errors, []);
});

test("the editor's preview gives the author's ids the same prefix", async () => {
  await page.goto(`${server.url}/posts/${postId}/edit`);
  await page.locator('#post-body').waitFor();
  await page.locator('#post-body').fill('<p id="toast">Preview hijack</p>');
  await page.getByRole('tab', { name: 'Preview' }).click();
  await page.getByText('Preview hijack').waitFor();
  assert.equal(await page.getByText('Preview hijack').getAttribute('id'), 'user-content-toast');
  assert.ok(await appToastIsTheOnlyToast(), 'the preview added a second #toast');
});
