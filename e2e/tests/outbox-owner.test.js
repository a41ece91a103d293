// The offline outbox belongs to its user (issue 14 item 5). Alice writes a
// private draft offline; her session ends before it is sent; Bob signs in
// on the same device. Bob must neither see nor send Alice's draft; it goes,
// as Alice's, when Alice signs in again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { launchProfile, watchErrors, waitForServiceWorker } from '../lib/browser.js';

let server;
let browser;
let page;
const creates = [];

before(async () => {
  server = await startServer();
  browser = await launchProfile();
  page = await browser.context.newPage();
  watchErrors(page);
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/v1/posts')) {
      creates.push({ authorization: r.headers().authorization, key: r.headers()['idempotency-key'], body: r.postData() });
    }
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A bearer token for name from the development sign-in, outside the browser. */
async function tokenFor(name) {
  const res = await fetch(server.url + '/auth/dev-login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).token;
}

/** name's drafts on the server. */
async function draftsOf(name) {
  const res = await fetch(server.url + '/api/v1/posts?status=draft&limit=100', {
    headers: { Authorization: `Bearer ${await tokenFor(name)}` },
  });
  assert.equal(res.status, 200);
  return (await res.json()).items.map((p) => p.title);
}

async function signInAs(name) {
  await page.goto(server.url + '/signin');
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
  await page.waitForURL(server.url + '/');
  await page.getByRole('heading', { name: 'Latest posts' }).waitFor();
}

/** Opens My drafts and waits until the server's part has loaded. */
async function openDrafts() {
  await page.goto(server.url + '/drafts');
  await page.getByRole('heading', { name: 'My drafts', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Saved drafts' }).or(page.getByText(/no drafts/i)).first().waitFor();
}

/** Ends the session the way an expiry does: the device forgets it. */
async function sessionEnds() {
  await page.evaluate(() => localStorage.removeItem('inkwell.session'));
}

const SECRET = 'Alice’s private letter';

test('a draft written offline by Alice waits in her outbox', async () => {
  await page.goto(server.url + '/');
  await waitForServiceWorker(page);
  await signInAs('alice');
  await page.goto(server.url + '/write');
  await page.getByRole('heading', { name: 'Write a post' }).waitFor();
  await browser.context.setOffline(true);
  await page.getByLabel('Title').fill(SECRET);
  await page.getByLabel('Text (markdown)').fill('For nobody else’s eyes.');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.waitForURL(`${server.url}/drafts`);
  await page.getByRole('heading', { name: SECRET, level: 3 }).waitFor();
  // Her session ends before the device is back online.
  await sessionEnds();
  await browser.context.setOffline(false);
  assert.equal(creates.length, 0, 'nothing was sent while offline or signed out');
});

test('Bob signing in on the same device neither sees nor sends Alice’s draft', async () => {
  await signInAs('bob');
  await openDrafts();
  assert.equal(await page.getByText(SECRET).count(), 0, 'Alice’s draft is not shown to Bob');
  assert.equal(await page.getByRole('heading', { name: 'On this device, not sent yet' }).count(), 0);
  // Give the sign-in's outbox flush every chance to (wrongly) send it.
  await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
  assert.deepEqual(creates, [], 'no create was sent with Bob’s token');
  assert.deepEqual(await draftsOf('bob'), [], 'Bob has no drafts on the server');
  assert.deepEqual(await draftsOf('alice'), [], 'and it has not been sent yet');
});

test('Bob signing out leaves Alice’s draft on the device', async () => {
  await page.getByRole('link', { name: 'Profile', exact: true }).click();
  await page.getByRole('heading', { name: 'bob' }).waitFor();
  page.once('dialog', (d) => d.accept()); // only if Bob had something pending
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/signin/);
});

test('when Alice signs in again her draft is sent, as hers, exactly once', async () => {
  const sent = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/v1/posts'));
  await signInAs('alice');
  assert.equal((await sent).status(), 201);
  await openDrafts();
  await page.getByRole('link', { name: SECRET }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'On this device, not sent yet' }).count(), 0);
  assert.deepEqual(await draftsOf('alice'), [SECRET]);
  assert.deepEqual(await draftsOf('bob'), []);
  // Leaving the page mid-flush may send the create again; it then carries
  // the same Idempotency-Key (the server answers the first post), and every
  // attempt carries Alice's token.
  const aliceAuth = creates[0].authorization;
  assert.ok(creates.length >= 1);
  for (const c of creates) {
    assert.equal(c.authorization, aliceAuth);
    assert.equal(c.key, creates[0].key);
    assert.match(c.body, /private letter/);
  }
  const me = await page.evaluate(async (auth) => (await fetch('/api/v1/me', { headers: { Authorization: auth } })).json(), aliceAuth);
  assert.equal(me.name, 'alice', 'the token the draft was sent with is Alice’s');
});

test('text Alice typed in the editor is restored for Alice, not for Bob', async () => {
  const HALF = 'Alice, half-written';
  await page.goto(server.url + '/write');
  await page.getByRole('heading', { name: 'Write a post' }).waitFor();
  await page.getByLabel('Title').fill(HALF);
  await page.getByLabel('Text (markdown)').fill('Not finished.');
  await sessionEnds();

  await signInAs('bob');
  await page.goto(server.url + '/write');
  await page.getByRole('heading', { name: 'Write a post' }).waitFor();
  assert.equal(await page.getByLabel('Title').inputValue(), '', 'Bob’s editor starts empty');
  assert.equal(await page.getByText('Restored the text you had not saved yet').count(), 0);
  await sessionEnds();

  await signInAs('alice');
  await page.goto(server.url + '/write');
  await page.getByText('Restored the text you had not saved yet').waitFor();
  assert.equal(await page.getByLabel('Title').inputValue(), HALF);
});
