// What a person does with the app, end to end against the real binary
// (auth with the development sign-in, posts, likes) in headless Chromium at
// phone size: sign in, write and publish, find it in the feed, like it, edit
// it; then read offline and write offline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, ROOT } from '../lib/server.js';
import { launchProfile, watchErrors, waitForServiceWorker } from '../lib/browser.js';
import { auditScreen, focusRingVisible } from '../lib/audit.js';

// `make screenshots` refreshes the committed ones (docs/screenshots/); an
// ordinary test run writes to a temporary folder so it never dirties the tree.
const SHOTS = process.env.SCREENSHOT_DIR
  ? resolve(ROOT, process.env.SCREENSHOT_DIR)
  : join(tmpdir(), 'inkwell-screenshots');
const EDITED_BODY = [
  '## Why paper', '',
  'Writing by hand is **slow**, and that is the point: every sentence has to earn its ink.', '',
  '- a fountain pen that fits your hand', '- a notebook that lies flat', '- ten quiet minutes', '',
  '> The pen is the tongue of the mind.', '',
  'Refill with `ink --refill` before you leave.',
].join('\n');

let server;
let browser;
let page;
let errors;
let token;
let me;
let postId;

/** Calls the API as the signed-in user, outside the browser. */
async function api(method, path, body) {
  const res = await fetch(server.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The signed-in user's drafts on the server (GET /api/v1/posts?status=draft). */
async function serverDrafts() {
  const res = await api('GET', '/api/v1/posts?status=draft&limit=100');
  assert.equal(res.status, 200);
  return res.body.items;
}

async function audit(name) {
  const problems = await auditScreen(page);
  assert.deepEqual(problems, [], `quality audit of the ${name} screen`);
}

async function shot(name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

before(async () => {
  server = await startServer();
  browser = await launchProfile();
  page = await browser.context.newPage();
  errors = watchErrors(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('sign in with the development sign-in', async () => {
  await page.goto(server.url + '/');
  await waitForServiceWorker(page);
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(/\/signin/);
  await page.getByLabel('Your name').fill('alice');
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
  await page.waitForURL(server.url + '/');
  await page.getByRole('heading', { name: 'Latest posts' }).waitFor();
  token = await page.evaluate(() => JSON.parse(localStorage.getItem('inkwell.session')).token);
  assert.ok(token, 'the session holds a bearer token');
  const res = await api('GET', '/api/v1/me');
  assert.equal(res.status, 200);
  me = res.body;
  assert.equal(me.name, 'alice');
});

test('a sign-in error from the API is shown as a readable message', async () => {
  const other = await browser.context.newPage();
  await other.goto(server.url + '/signin');
  await other.evaluate(() => localStorage.removeItem('inkwell.session'));
  await other.getByLabel('Your name').fill('bad name!');
  // Skip the browser's own pattern check to see the server's answer.
  await other.evaluate(() => { document.querySelector('form.dev-signin').noValidate = true; });
  await other.getByRole('button', { name: 'Sign in (development)' }).click();
  const alert = other.getByRole('alert');
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /name/i);
  assert.doesNotMatch(text, /[{}"]/, 'no raw JSON');
  await other.close();
  // That page's sign-out must not have signed this test's page out.
  await page.evaluate((t) => localStorage.setItem('inkwell.session', JSON.stringify({ token: t, kind: 'dev' })), token);
});

test('write and publish a post with a live, sanitized preview', async () => {
  await page.goto(server.url + '/');
  await page.getByRole('link', { name: 'Write', exact: true }).click();
  await page.getByRole('heading', { name: 'Write a post' }).waitFor();
  await page.getByLabel('Title').fill(`Ink and paper`);
  await page.getByLabel('Tags').fill('e2e, notes');
  await page.getByLabel('Text (markdown)').fill([
    '## Why paper', '', 'Writing by hand is **slow**, and that is the point.', '',
    '- fountain pens', '- notebooks', '',
    '```', 'a_very_long_line_of_code_that_must_scroll_inside_its_own_box_and_never_push_the_page_sideways_on_a_phone()', '```', '',
    '<img src="x" onerror="window.__pwned = 1">', '<script>window.__pwned = 2</script>',
    '[click](javascript:window.__pwned=3)',
  ].join('\n'));
  await page.getByRole('tab', { name: 'Preview' }).click();
  const preview = page.locator('#pane-preview');
  await preview.getByRole('heading', { name: 'Why paper' }).waitFor();
  assert.equal(await preview.locator('strong').textContent(), 'slow');
  assert.equal(await preview.locator('script, [onerror]').count(), 0, 'the preview holds no script or handler');
  assert.equal(await preview.locator('a[href^="javascript:"]').count(), 0);
  await audit('editor preview');
  await page.getByRole('tab', { name: 'Write' }).click();
  await audit('editor');

  await page.getByRole('button', { name: 'Publish' }).click();
  await page.waitForURL(/\/posts\/\d+$/);
  postId = Number(new URL(page.url()).pathname.split('/').pop());
  await page.getByRole('heading', { name: `Ink and paper` }).waitFor();
  await page.locator('.prose h2', { hasText: 'Why paper' }).waitFor();
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'nothing the author wrote ran');

  const res = await api('GET', `/api/v1/posts/${postId}`);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'published');
  assert.deepEqual(res.body.tags.slice().sort(), ['e2e', 'notes']);
});

test('the post is in the feed, and the tag filter finds it', async () => {
  await page.getByRole('link', { name: 'Feed', exact: true }).click();
  await page.getByRole('link', { name: `Ink and paper` }).waitFor();
  await audit('feed');
  await page.getByText('Find a tag').click();
  await page.getByLabel('Filter by tag').fill('notes');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(server.url + '/tags/notes');
  await page.getByRole('heading', { name: 'Posts tagged #notes' }).waitFor();
  await page.getByRole('link', { name: `Ink and paper` }).waitFor();
  await page.getByRole('link', { name: 'Clear the tag filter #notes' }).waitFor();
  await page.getByText('Find a tag').click();
  await page.getByLabel('Filter by tag').fill('no-such-tag');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByText('No posts tagged #no-such-tag yet.').waitFor();
});

test('like and unlike the post', async () => {
  await page.goto(`${server.url}/posts/${postId}`);
  // The button answers at once; the server's answer is awaited before the
  // API is asked, so the check never races the request.
  const toggle = async (name, method) => {
    const answered = page.waitForResponse((r) => r.url().endsWith(`/api/v1/posts/${postId}/like`) && r.request().method() === method);
    await page.getByRole('button', { name }).click();
    assert.equal((await answered).status(), 200);
  };
  await toggle(/^Like this post/, 'PUT');
  await page.getByRole('button', { name: 'Unlike this post (1 like)' }).waitFor();
  let res = await api('GET', `/api/v1/posts/${postId}`);
  assert.equal(res.body.like_count, 1);
  assert.equal(res.body.liked_by_me, true);
  await toggle('Unlike this post (1 like)', 'DELETE');
  await page.getByRole('button', { name: 'Like this post (0 likes)' }).waitFor();
  res = await api('GET', `/api/v1/posts/${postId}`);
  assert.equal(res.body.like_count, 0);
  assert.equal(res.body.liked_by_me, false);
  await toggle('Like this post (0 likes)', 'PUT');
  await page.getByRole('button', { name: 'Unlike this post (1 like)' }).waitFor();
  assert.equal((await api('GET', `/api/v1/posts/${postId}`)).body.like_count, 1);
  await audit('post');
});

test('edit the post', async () => {
  await page.getByRole('link', { name: 'Edit post' }).click();
  await page.getByRole('heading', { name: 'Edit post' }).waitFor();
  assert.equal(await page.getByLabel('Title').inputValue(), `Ink and paper`);
  await page.getByLabel('Title').fill(`Ink, paper and patience`);
  await page.getByLabel('Text (markdown)').fill(EDITED_BODY);
  await page.locator(':focus').blur();
  await page.evaluate(() => { document.querySelector('#post-body').scrollTop = 0; window.scrollTo(0, 0); });
  await shot('editor');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.waitForURL(`${server.url}/posts/${postId}`);
  await page.getByRole('heading', { name: `Ink, paper and patience` }).waitFor();
  await page.locator('.prose blockquote').waitFor();
  await page.locator('#toast').waitFor({ state: 'hidden' });
  await shot('post');
  const res = await api('GET', `/api/v1/posts/${postId}`);
  assert.equal(res.body.title, `Ink, paper and patience`);
  assert.equal(res.body.body_markdown, EDITED_BODY);
  assert.equal(res.body.status, 'published');
});

test('invalid input is explained next to its field', async () => {
  await page.goto(`${server.url}/write`);
  await page.getByLabel('Title').fill('x'.repeat(10));
  await page.getByLabel('Tags').fill(Array.from({ length: 11 }, (_, i) => `t${i}`).join(' '));
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.getByText('Tags: at most 10 tags').waitFor();
  assert.equal(await page.getByLabel('Tags').getAttribute('aria-invalid'), 'true');
  await page.evaluate(() => {
    for (const k of Object.keys(localStorage)) if (/^inkwell\.editor\.[^.]+\.new$/.test(k)) localStorage.removeItem(k);
  });
});

test('the profile shows the points earned', async () => {
  await page.getByRole('link', { name: 'Profile', exact: true }).click();
  await page.getByRole('heading', { name: 'alice' }).waitFor();
  const res = await api('GET', '/api/v1/me');
  assert.equal(await page.locator('#points').textContent(), String(res.body.points));
  assert.equal(res.body.points, 10, 'publishing earned 10 points (liking your own post earns nothing)');
  await page.getByRole('link', { name: `Ink, paper and patience` }).waitFor();
  await audit('profile');
  await shot('profile');
  assert.equal(await focusRingVisible(page), '');
  await page.getByRole('link', { name: 'Feed', exact: true }).click();
  await page.getByRole('link', { name: `Ink, paper and patience` }).waitFor();
  await shot('feed');
});

test('offline: the shell, the feed and the post already read still open, with the banner', async () => {
  await page.goto(`${server.url}/posts/${postId}`);
  await page.getByRole('heading', { name: `Ink, paper and patience` }).waitFor();
  await browser.context.setOffline(true);
  try {
    await page.reload();
    await page.getByRole('heading', { name: `Ink, paper and patience` }).waitFor();
    assert.ok(await page.locator('#offline-banner').isVisible());
    await page.getByText('Saved copy from when you last opened this post.').waitFor();
    await shot('post-offline');
    await page.getByRole('link', { name: 'Feed', exact: true }).click();
    await page.getByRole('link', { name: `Ink, paper and patience` }).waitFor();
  } finally {
    await browser.context.setOffline(false);
  }
});

test('offline: a draft written offline is saved on the server exactly once when back online', async () => {
  const title = `Written on the train`;
  await page.goto(`${server.url}/write`);
  await page.getByRole('heading', { name: 'Write a post' }).waitFor();
  await browser.context.setOffline(true);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Text (markdown)').fill('No signal here.');
  // Typing is kept on the device before any save.
  // Kept under the signed-in user's key (inkwell.editor.{user id}.new).
  const kept = await page.evaluate((id) => JSON.parse(localStorage.getItem(`inkwell.editor.${id}.new`)), me.id);
  assert.equal(kept.title, title);
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.waitForURL(`${server.url}/drafts`);
  await page.getByRole('heading', { name: 'On this device, not sent yet' }).waitFor();
  await page.getByRole('heading', { name: title, level: 3 }).waitFor();
  await page.reload(); // still offline: the queued draft survives a reload
  await page.getByRole('heading', { name: title, level: 3 }).waitFor();
  await page.locator('#toast').waitFor({ state: 'hidden' });
  await shot('drafts-offline');

  await browser.context.setOffline(false);
  await page.getByRole('heading', { name: 'On this device, not sent yet' }).waitFor({ state: 'detached' });
  // Come back once more: nothing is sent again.
  await page.reload();
  await page.getByRole('heading', { name: 'Saved drafts' }).waitFor();
  await page.getByRole('link', { name: title }).waitFor();

  const drafts = await serverDrafts();
  const matches = drafts.filter((p) => p.title === title);
  assert.equal(matches.length, 1, `exactly one draft titled "${title}" (found ${drafts.map((p) => p.title).join(', ')})`);
  assert.equal(matches[0].status, 'draft');
  assert.equal(matches[0].body_markdown, 'No signal here.');
});

test('a draft whose create answer was lost is not duplicated when it is sent again', async () => {
  const title = 'Lost answer';
  await page.goto(`${server.url}/write`);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Text (markdown)').fill('The server got it; the phone did not hear back.');
  // The request reaches the server, which creates the draft; the answer never
  // reaches the app (as when the connection drops mid-request).
  let delivered = 0;
  const keys = [];
  await page.route('**/api/v1/posts', async (route) => {
    if (route.request().method() !== 'POST') return route.fallback();
    keys.push(await route.request().headerValue('Idempotency-Key'));
    await route.fetch();
    delivered++;
    await route.abort('connectionreset');
  });
  try {
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(`${server.url}/drafts`);
    // Waiting on the device (h3), while the server already lists it too.
    await page.getByRole('heading', { name: title, level: 3 }).waitFor();
  } finally {
    await page.unroute('**/api/v1/posts');
  }
  assert.equal(delivered, 1, 'the server received the first attempt');

  const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/v1/posts'));
  await page.getByRole('button', { name: 'Send now' }).click();
  keys.push(await (await sent).headerValue('Idempotency-Key'));
  await page.getByRole('heading', { name: 'On this device, not sent yet' }).waitFor({ state: 'detached' });
  assert.match(keys[0], /^[0-9a-f-]{36}$/);
  assert.equal(keys[1], keys[0], 'the retry carries the first attempt’s key');
  const matches = (await serverDrafts()).filter((p) => p.title === title);
  assert.equal(matches.length, 1, 'exactly one draft on the server');
  assert.equal(matches[0].status, 'draft');
  await page.getByRole('link', { name: title }).waitFor();
});

test('an expired session leads back to sign-in without losing the text being typed', async () => {
  await page.goto(`${server.url}/write`);
  await page.getByLabel('Title').fill('Half-written thought');
  await page.getByLabel('Text (markdown)').fill('Do not lose me.');
  // The token is no longer accepted (as when a Google ID token expires).
  await page.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('inkwell.session'));
    s.token = 'expired.token.value';
    localStorage.setItem('inkwell.session', JSON.stringify(s));
  });
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.waitForURL(/\/signin\?expired=1&next=%2Fwrite$/);
  await page.getByText('Your session has expired').waitFor();
  await page.getByLabel('Your name').fill('alice');
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
  await page.waitForURL(`${server.url}/write`);
  assert.equal(await page.getByLabel('Title').inputValue(), 'Half-written thought');
  assert.equal(await page.getByLabel('Text (markdown)').inputValue(), 'Do not lose me.');
  await page.getByText('Restored the text you had not saved yet').waitFor();
});

test('the feed loads the next page as you scroll (infinite scroll)', async () => {
  for (let i = 1; i <= 25; i++) {
    const res = await api('POST', '/api/v1/posts', { title: `Daily note ${i}`, body_markdown: `Note ${i}.`, tags: ['daily'], status: 'published' });
    assert.equal(res.status, 201);
  }
  let total = 0;
  for (let cursor = ''; ;) {
    const page1 = await api('GET', `/api/v1/posts?limit=100${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    total += page1.body.items.length;
    if (!page1.body.next_cursor) break;
    cursor = page1.body.next_cursor;
  }
  assert.ok(total > 20, `${total} published posts: more than one page`);
  await page.goto(server.url + '/');
  await page.getByRole('link', { name: 'Daily note 25' }).waitFor();
  assert.equal(await page.locator('.post-list > li').count(), 20, 'one page at first');
  for (let i = 0; i < 10 && (await page.locator('.post-list > li').count()) < total; i++) {
    await page.mouse.wheel(0, 4000);
    await page.waitForTimeout(300);
  }
  await page.getByText('You’re all caught up.').waitFor();
  assert.equal(await page.locator('.post-list > li').count(), total);
  await page.getByRole('link', { name: 'Daily note 1', exact: true }).waitFor();
});

test('no script errors on any screen', () => {
  const real = errors.filter((e) => e.startsWith('pageerror') || /Content Security Policy/i.test(e));
  assert.deepEqual(real, []);
});
