// The public reading surface (API.md "Public reading", docs/public.md): a
// signed-out visitor reads posts, author and tag pages with JavaScript on
// and off; link-preview tags are in the HTML head; feeds and the sitemap
// parse as XML; a signed-in visitor gets the app on the very same URL, with
// no flash of a sign-in wall.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdirSync } from 'node:fs';
import { startServer, ROOT } from '../lib/server.js';
import { launchProfile, watchErrors, waitForServiceWorker } from '../lib/browser.js';
import { auditScreen } from '../lib/audit.js';

const SHOTS = process.env.SCREENSHOT_DIR ? resolve(ROOT, process.env.SCREENSHOT_DIR) : join(tmpdir(), 'inkwell-screenshots');

let server;
let browser;
let token;
let me;
let post;

async function call(method, path, body) {
  const res = await fetch(server.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

function realErrors(errors) {
  return errors.filter((e) => e.startsWith('pageerror') || /Content Security Policy/i.test(e));
}

before(async () => {
  server = await startServer();
  browser = await launchProfile();
  const login = await fetch(server.url + '/auth/dev-login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'ada' }) });
  token = (await login.json()).token;
  me = (await call('GET', '/api/v1/me')).body;
  for (let i = 1; i <= 22; i++) {
    const r = await call('POST', '/api/v1/posts', { title: `Daily note ${i}`, body_markdown: `Note number ${i}, written with **care**.`, tags: ['daily'], status: 'published' });
    assert.equal(r.status, 201);
  }
  const res = await call('POST', '/api/v1/posts', {
    title: 'Notes on the Analytical Engine',
    tags: ['history', 'engines'],
    body_markdown: [
      'The engine *weaves* algebraic patterns, just as the loom weaves flowers and leaves.', '',
      `![The Inkwell logo](${server.url}/static/icons/icon-192.png)`, '',
      '## What it can do', '', '- add and subtract', '- [x] multiply', '- [ ] think', '',
      '| operation | cards |', '|---|---|', '| add | 1 |', '',
      '```', 'v1 = v2 + v3', '```',
    ].join('\n'),
    status: 'published',
  });
  assert.equal(res.status, 201);
  post = res.body;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a signed-out visitor reads a post (JavaScript on): the server page stays, with its head tags', async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/posts/${post.id}`);
  await waitForServiceWorker(page);
  await page.getByRole('heading', { level: 1, name: 'Notes on the Analytical Engine' }).waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(new URL(page.url()).pathname, `/posts/${post.id}`, 'no redirect to sign-in');
  assert.equal(await page.getByRole('heading', { name: 'Sign in to Inkwell' }).count(), 0);
  assert.ok(await page.getByRole('link', { name: 'Sign in', exact: true }).isVisible());
  assert.ok(await page.locator('#tabbar').isHidden());
  await page.getByText('just as the loom weaves').waitFor();
  const head = await page.evaluate(() => {
    const m = (k) => document.querySelector(`meta[property="${k}"], meta[name="${k}"]`)?.content;
    return { title: document.title, canonical: document.querySelector('link[rel=canonical]')?.href,
      ogTitle: m('og:title'), ogType: m('og:type'), ogUrl: m('og:url'), ogImage: m('og:image'), ogDescription: m('og:description'),
      card: m('twitter:card'), feed: document.querySelector('link[rel=alternate][type="application/atom+xml"]')?.href };
  });
  assert.equal(head.title, 'Notes on the Analytical Engine · Inkwell');
  // The e2e server runs with PUBLIC_BASE_URL set to its own address (e2e/lib/server.js).
  assert.equal(head.canonical, `${server.url}/posts/${post.id}/${post.slug}`, 'absolute, from PUBLIC_BASE_URL');
  assert.equal(head.ogUrl, head.canonical);
  assert.equal(head.ogTitle, 'Notes on the Analytical Engine');
  assert.equal(head.ogType, 'article');
  assert.equal(head.ogImage, `${server.url}/static/icons/icon-192.png`);
  assert.equal(head.card, 'summary_large_image');
  assert.match(head.ogDescription, /^The engine weaves algebraic patterns/);
  assert.doesNotMatch(head.ogDescription, /\*|\[ \]|cards|v1 = v2/);
  assert.match(head.feed, new RegExp(`/users/${me.id}/feed\\.xml$`));
  assert.deepEqual(await auditScreen(page), [], 'quality audit, light');
  await shot(page, 'public-post');
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.deepEqual(await auditScreen(page), [], 'quality audit, dark');
  await shot(page, 'public-post-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Links lead to the other public pages, served by the server.
  await page.getByRole('link', { name: '#history' }).click();
  await page.waitForURL(`${server.url}/tags/history`);
  await page.getByRole('heading', { name: 'Posts tagged #history' }).waitFor();
  await page.getByRole('link', { name: 'ada' }).first().click();
  await page.waitForURL(`${server.url}/users/${me.id}`);
  await page.getByRole('heading', { name: 'Posts by ada' }).waitFor();
  assert.deepEqual(realErrors(errors), []);
  await page.close();
});

test('the public feed pages through "Older posts" and a missing post is a 404 page', async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Latest posts' }).waitFor();
  assert.equal(await page.locator('.post-list > li').count(), 20);
  await page.getByRole('link', { name: 'Notes on the Analytical Engine' }).waitFor();
  assert.deepEqual(await auditScreen(page), [], 'quality audit of the public feed');
  await shot(page, 'public-feed');
  await page.getByRole('link', { name: 'Older posts' }).click();
  await page.waitForURL(/\/\?cursor=/);
  await page.getByRole('link', { name: 'Daily note 1', exact: true }).waitFor();
  assert.equal(await page.locator('.post-list > li').count(), 3);
  assert.equal(await page.getByRole('link', { name: 'Older posts' }).count(), 0);

  const res = await page.goto(`${server.url}/posts/987654`);
  assert.equal(res.status(), 404);
  await page.getByRole('heading', { name: 'This post does not exist' }).waitFor();
  assert.deepEqual(await auditScreen(page), [], 'quality audit of the not-found page');
  await shot(page, 'public-not-found');
  assert.deepEqual(realErrors(errors), []);
  await page.close();
});

test('a signed-out visitor reads the same pages with JavaScript off', async () => {
  const nojs = await launchProfile({ javaScriptEnabled: false });
  try {
    const page = await nojs.context.newPage();
    await page.goto(`${server.url}/posts/${post.id}/an-old-slug`);
    assert.equal(new URL(page.url()).pathname, `/posts/${post.id}/${post.slug}`, '301 to the canonical slug');
    await page.getByRole('heading', { level: 1, name: 'Notes on the Analytical Engine' }).waitFor();
    assert.ok(await page.getByText('just as the loom weaves').isVisible());
    assert.ok(await page.getByRole('img', { name: 'The Inkwell logo' }).isVisible());
    assert.ok(await page.getByRole('table').isVisible());
    assert.equal(await page.getByText('Loading…').count(), 0);
    assert.equal(await page.getByText('needs JavaScript').count(), 0);
    assert.deepEqual(await auditScreen(page), []);
    await shot(page, 'public-post-nojs');
    await page.getByRole('link', { name: '#engines' }).click();
    await page.getByRole('heading', { name: 'Posts tagged #engines' }).waitFor();
    await page.goto(`${server.url}/tags/daily`);
    await page.getByRole('link', { name: 'Older posts' }).click();
    await page.getByRole('link', { name: 'Daily note 1', exact: true }).waitFor();
  } finally {
    await nojs.close();
  }
});

test('a signed-in visitor gets the app on the same URL, with no flash of a sign-in wall or the signed-out page', async () => {
  const page = await browser.context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/robots.txt`); // an origin page to set the session on
  await page.evaluate((t) => localStorage.setItem('inkwell.session', JSON.stringify({ token: t, kind: 'dev' })), token);
  // Record, from the first parsed byte on, whether the server's page or a
  // sign-in screen was ever shown.
  await page.addInitScript(() => {
    window.__seen = { publicShown: false, signInShown: false, urls: [] };
    const check = () => {
      const pub = document.querySelector('[data-public-page]');
      if (pub && getComputedStyle(pub).display !== 'none') window.__seen.publicShown = true;
      if ([...document.querySelectorAll('h1')].some((h) => h.textContent.includes('Sign in'))) window.__seen.signInShown = true;
      if (!window.__seen.urls.includes(location.pathname)) window.__seen.urls.push(location.pathname);
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true });
    document.addEventListener('DOMContentLoaded', check);
  });
  const url = `${server.url}/posts/${post.id}/${post.slug}`;
  await page.goto(url);
  await page.getByRole('button', { name: /Like this post/ }).waitFor();
  assert.equal(page.url(), url, 'the same URL');
  await page.getByRole('heading', { level: 1, name: 'Notes on the Analytical Engine' }).waitFor();
  assert.ok(await page.locator('#tabbar').isVisible(), 'the app’s navigation');
  assert.ok(await page.getByRole('link', { name: 'Sign in', exact: true }).isHidden());
  const seen = await page.evaluate(() => window.__seen);
  assert.equal(seen.publicShown, false, 'the signed-out page never showed');
  assert.equal(seen.signInShown, false, 'no sign-in wall');
  assert.deepEqual(seen.urls, [`/posts/${post.id}/${post.slug}`]);

  // The app's own author and tag pages sit on the public URLs too.
  await page.getByRole('link', { name: '#engines' }).click();
  await page.waitForURL(`${server.url}/tags/engines`);
  await page.getByRole('heading', { name: 'Posts tagged #engines' }).waitFor();
  await page.getByRole('link', { name: 'Notes on the Analytical Engine' }).waitFor();
  await page.goto(`${server.url}/users/${me.id}`);
  await page.getByRole('heading', { name: 'Posts by ada' }).waitFor();
  assert.ok(await page.locator('#tabbar').isVisible());
  assert.deepEqual(realErrors(errors), []);
  await page.evaluate(() => localStorage.removeItem('inkwell.session'));
  await page.close();
});

test('the Atom feeds and the sitemap parse as XML in the browser', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/robots.txt`);
  const parsed = await page.evaluate(async (userId) => {
    const out = {};
    for (const path of ['/feed.xml', '/tags/daily/feed.xml', `/users/${userId}/feed.xml`, '/sitemap.xml']) {
      const res = await fetch(path);
      const doc = new DOMParser().parseFromString(await res.text(), 'application/xml');
      out[path] = { type: res.headers.get('content-type'), error: !!doc.querySelector('parsererror'),
        root: doc.documentElement.localName, ns: doc.documentElement.namespaceURI,
        entries: doc.getElementsByTagName('entry').length, urls: doc.getElementsByTagName('url').length };
    }
    return out;
  }, me.id);
  for (const path of ['/feed.xml', '/tags/daily/feed.xml', `/users/${me.id}/feed.xml`]) {
    assert.equal(parsed[path].error, false, path);
    assert.equal(parsed[path].root, 'feed', path);
    assert.equal(parsed[path].ns, 'http://www.w3.org/2005/Atom', path);
    assert.match(parsed[path].type, /^application\/atom\+xml/, path);
  }
  assert.equal(parsed['/feed.xml'].entries, 23);
  assert.equal(parsed['/tags/daily/feed.xml'].entries, 22);
  assert.equal(parsed['/sitemap.xml'].error, false);
  assert.equal(parsed['/sitemap.xml'].urls, 24, 'home and 23 posts');
  await page.close();
});
