// Threaded comments in the PWA (issue 16), end to end against the real
// binary in headless Chromium at phone size: alice publishes; bob comments,
// replies at depth, votes and likes with instant feedback, collapses a
// subtree, edits and deletes his own, reports alice's; a deep thread
// continues on its own page; a comment written offline is sent once when
// back online — and only by its author: while bob is signed out and carol
// signed in on the same device, bob's queued comment waits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer, ROOT } from '../lib/server.js';
import { launchProfile, watchErrors, waitForServiceWorker } from '../lib/browser.js';
import { auditScreen } from '../lib/audit.js';

const SHOTS = process.env.SCREENSHOT_DIR
  ? resolve(ROOT, process.env.SCREENSHOT_DIR)
  : join(tmpdir(), 'inkwell-screenshots');

let server;
let browser;
let page;
let errors;
const users = {}; // name → {token, id}
let postId;

async function call(token, method, path, body) {
  const res = await fetch(server.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Every comment of the post, flattened (API, depth 10). */
async function allComments() {
  const res = await call(users.alice.token, 'GET', `/api/v1/posts/${postId}/comments?sort=old&limit=100&depth=10`);
  assert.equal(res.status, 200);
  const out = [];
  const walk = (cs) => { for (const c of cs) { out.push(c); walk(c.replies); } };
  walk(res.body.items);
  return out;
}

async function signIn(name) {
  await page.goto(server.url + '/signin');
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
  await page.waitForURL(server.url + '/');
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('inkwell.session')).token);
  const me = await call(token, 'GET', '/api/v1/me');
  assert.equal(me.status, 200);
  users[name] = { token, id: me.body.id };
}

async function signOut() {
  await page.goto(server.url + '/me');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/signin/);
}

async function openPost() {
  await page.goto(`${server.url}/posts/${postId}`);
  await page.getByRole('heading', { name: /^Comments \(/ }).waitFor();
  await page.locator('.comment-status .loading').waitFor({ state: 'detached' });
}

const commentBy = (name, text) => page.getByRole('article', { name: `Comment by ${name}` }).filter({ hasText: text }).first();

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

test('alice publishes a post and writes the first comment', async () => {
  await signIn('alice');
  const post = await call(users.alice.token, 'POST', '/api/v1/posts',
    { title: 'Fountain pens', body_markdown: 'Which nib?', status: 'published' });
  assert.equal(post.status, 201);
  postId = post.body.id;
  await openPost();
  await page.getByText('No comments yet.').waitFor();
  await page.getByLabel('Write a comment').fill('I like a **fine** nib.');
  await page.getByRole('button', { name: 'Post comment' }).click();
  await commentBy('alice', 'I like a fine nib.').waitFor();
  assert.equal(await page.locator('.comment-body strong').first().textContent(), 'fine');
  await signOut();
});

test('bob replies, votes and likes with instant feedback, collapses a subtree', async () => {
  await signIn('bob');
  await openPost();
  const alices = commentBy('alice', 'fine nib');
  await alices.getByRole('button', { name: 'Reply to alice' }).click();
  await page.getByLabel('Your reply to alice').fill('Medium for me.');
  await page.getByRole('button', { name: 'Post reply' }).click();
  const reply = commentBy('bob', 'Medium for me.');
  await reply.waitFor();

  // Vote: the score changes before the server answers, then stays.
  await page.route('**/api/v1/comments/*/vote', async (route) => { await new Promise((r) => setTimeout(r, 400)); await route.continue().catch(() => {}); });
  const up = alices.getByRole('button', { name: /^Upvote/ });
  await up.click();
  assert.equal(await up.getAttribute('aria-pressed'), 'true', 'pressed at once');
  assert.equal(await alices.locator('.vote-score').textContent(), '1');
  await alices.getByRole('button', { name: 'Upvote (1 up)' }).waitFor();
  await page.unroute('**/api/v1/comments/*/vote');
  await alices.getByRole('button', { name: /^Like this comment/ }).click();
  await alices.getByRole('button', { name: 'Unlike this comment (1 like)' }).waitFor();
  const top = (await allComments()).find((c) => c.body_markdown === 'I like a **fine** nib.');
  assert.equal(top.up_count, 1);
  assert.equal(top.like_count, 1);

  // Collapse the subtree: the reply is hidden, then shown again.
  const li = page.locator(`#comment-${top.id}`);
  await li.getByRole('button', { name: 'Collapse the thread of alice' }).first().click();
  await reply.waitFor({ state: 'hidden' });
  await li.getByText('(1 reply hidden)').waitFor();
  await li.getByRole('button', { name: 'Expand the thread of alice' }).first().click();
  await reply.waitFor();
  assert.deepEqual(await auditScreen(page), [], 'quality audit of the comments');
});

test('a deep thread continues on its own page', async () => {
  // Five more levels under bob's reply, through the API.
  let parent = (await allComments()).find((c) => c.body_markdown === 'Medium for me.').id;
  for (let i = 1; i <= 5; i++) {
    const res = await call(users.bob.token, 'POST', `/api/v1/posts/${postId}/comments`,
      { body_markdown: `Level ${i + 1}`, parent_id: parent });
    assert.equal(res.status, 201);
    parent = res.body.id;
  }
  await openPost();
  // depth 3 below the top level: level 3 shows, then a link continues.
  await commentBy('bob', 'Level 3').waitFor();
  assert.equal(await commentBy('bob', 'Level 4').count(), 0);
  await page.getByRole('link', { name: 'Continue this thread (1 reply) →' }).click();
  await page.getByRole('heading', { name: 'Thread' }).waitFor();
  await commentBy('bob', 'Level 4').waitFor();
  await commentBy('bob', 'Level 6').waitFor();
  await page.getByRole('link', { name: '← Back to the post' }).waitFor();
  // Nothing is squeezed: the deepest comment is as wide as on the post page's third level.
  const width = await commentBy('bob', 'Level 6').evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(width > 250, `deep reply keeps ${width}px at 360px`);
  assert.deepEqual(await auditScreen(page), [], 'quality audit of the thread page');
  // Reply at any depth: from the thread page.
  await commentBy('bob', 'Level 6').getByRole('button', { name: 'Reply to bob' }).click();
  await page.getByLabel('Your reply to bob').fill('Level 7');
  await page.getByRole('button', { name: 'Post reply' }).click();
  await commentBy('bob', 'Level 7').waitFor();
  const seven = (await allComments()).find((c) => c.body_markdown === 'Level 7');
  assert.equal(seven.depth, 7);
});

test('bob edits and deletes his own comment and reports alice\'s', async () => {
  await openPost();
  const mine = commentBy('bob', 'Medium for me.');
  await mine.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Edit your comment').fill('Medium, or broad.');
  await page.getByRole('button', { name: 'Save' }).click();
  await commentBy('bob', 'Medium, or broad.').waitFor();
  assert.equal(await commentBy('alice', 'fine nib').getByRole('button', { name: 'Edit' }).count(), 0, 'no edit on others\' comments');

  // Report alice's comment.
  await commentBy('alice', 'fine nib').getByRole('button', { name: 'Report the comment by alice' }).click();
  await page.getByLabel('Why should a moderator look at it?').fill('spam test');
  await page.getByRole('button', { name: 'Send report' }).click();
  await page.getByRole('status').filter({ hasText: 'the moderators will look at it' }).waitFor();

  // A new top-level comment, deleted: it leaves the thread.
  await page.getByLabel('Write a comment').fill('Typo, sorry');
  await page.getByRole('button', { name: 'Post comment' }).click();
  const typo = commentBy('bob', 'Typo, sorry');
  await typo.getByRole('button', { name: 'Delete' }).click();
  await typo.getByRole('button', { name: 'Yes, delete it' }).click();
  await typo.waitFor({ state: 'detached' });
  assert.equal((await allComments()).filter((c) => c.body_markdown === 'Typo, sorry').length, 0);
});

test('offline: a comment is sent once when back online, and only by its author', async () => {
  await openPost();
  await waitForServiceWorker(page);
  await browser.context.setOffline(true);
  try {
    await page.getByLabel('Write a comment').fill('Written in a tunnel');
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.getByText('One comment is waiting to be sent.').waitFor();
    await page.reload(); // still offline: the queued comment survives a reload
    await page.getByText('One comment is waiting to be sent.').waitFor();
    await page.locator('#toast').waitFor({ state: 'hidden' });
    mkdirSync(SHOTS, { recursive: true });
    await page.evaluate(() => document.querySelector('.comment-toolbar').scrollIntoView());
    await page.screenshot({ path: join(SHOTS, 'comments-offline.png') });
  } finally {
    await browser.context.setOffline(false);
  }
  await page.getByText('One comment is waiting to be sent.').waitFor({ state: 'detached' });
  await commentBy('bob', 'Written in a tunnel').waitFor();
  let tunnel = (await allComments()).filter((c) => c.body_markdown === 'Written in a tunnel');
  assert.equal(tunnel.length, 1, 'sent once');
  assert.equal(tunnel[0].author.id, users.bob.id);
  // Reloading and coming back online again sends nothing more.
  await page.reload();
  await commentBy('bob', 'Written in a tunnel').waitFor();
  tunnel = (await allComments()).filter((c) => c.body_markdown === 'Written in a tunnel');
  assert.equal(tunnel.length, 1, 'never re-sent');
});

test('offline: a queued comment waits for its author when someone else signs in', async () => {
  await openPost();
  await browser.context.setOffline(true);
  try {
    await page.getByLabel('Write a comment').fill('Bob, on the plane');
    await page.getByRole('button', { name: 'Post comment' }).click();
    await page.getByText('One comment is waiting to be sent.').waitFor();
    // bob signs out before the connection returns
    await signOut();
  } finally {
    await browser.context.setOffline(false);
  }
  // carol signs in on the same device: the app flushes its outboxes for her.
  await signIn('carol');
  await openPost();
  assert.equal(await page.getByText('waiting to be sent').count(), 0, 'carol does not see bob\'s queue');
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await commentBy('bob', 'Written in a tunnel').waitFor();
  await page.waitForTimeout(1000);
  assert.equal((await allComments()).filter((c) => c.body_markdown === 'Bob, on the plane').length, 0,
    'not sent while someone else is signed in');
  await signOut();
  // bob is back: his comment goes out, as his, once.
  await signIn('bob');
  await openPost();
  await commentBy('bob', 'Bob, on the plane').waitFor();
  const plane = (await allComments()).filter((c) => c.body_markdown === 'Bob, on the plane');
  assert.equal(plane.length, 1, 'sent once');
  assert.equal(plane[0].author.id, users.bob.id);
  await page.getByText('waiting to be sent').waitFor({ state: 'detached' });
  await page.locator('#toast').waitFor({ state: 'hidden' });
  await page.evaluate(() => document.querySelector('.comment-list').scrollIntoView());
  await page.screenshot({ path: join(SHOTS, 'comments.png') });
});

test('no script errors or CSP violations', () => {
  // Failed loads while offline are expected console noise; script errors are not.
  const real = errors.filter((e) => e.startsWith('pageerror') || /Content Security Policy/i.test(e));
  assert.deepEqual(real, []);
});
