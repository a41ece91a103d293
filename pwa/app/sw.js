/* Inkwell service worker. The server prepends `const BUILD = {version,
   precache, routes}` (see pwa/pwa.go), so every change to the app changes
   this file and the browser installs the new worker on the next visit.

   - Shell and hashed assets: precached per version, answered cache-first
     (hashed URLs never change; the shell is tied to this version).
   - Navigations to the app's screens: the cached shell (works offline).
   - Navigations to public pages (/, /posts/{id}, /users/{id}, /tags/{tag}):
     the server's page, which carries the app too (a signed-in visitor gets
     the app there); the cached shell when the network fails or is slow.
   - GET /api/v1/posts/{id}, the feed, /api/v1/me, a post's comments and
     one comment's thread: network first, the last
     good answer is kept and served when the network fails, marked with
     X-Inkwell-Cache: hit. Nothing else (writes, other routes) is touched. */
/* global BUILD */
const SHELL_CACHE = `inkwell-shell-${BUILD.version}`;
const DATA_CACHE = 'inkwell-data-v1';
const ROUTES = BUILD.routes.map((r) => new RegExp(r));
const PUBLIC_ROUTES = (BUILD.public_routes || []).map((r) => new RegExp(r));
// The shell has its own URL: "/" is the public feed page.
const SHELL_URL = BUILD.precache[0];
// A public page slower than this opens the shell instead (lie-fi).
const PAGE_TIMEOUT_MS = 4000;
// Enough for a long read offline; the oldest answers go first.
const MAX_DATA_ENTRIES = 300;
const CACHED_API = [/^\/api\/v1\/posts\/\d+$/, /^\/api\/v1\/posts$/, /^\/api\/v1\/me$/,
  /^\/api\/v1\/posts\/\d+\/comments$/, /^\/api\/v1\/comments\/\d+$/];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll(BUILD.precache.map((url) => new Request(url, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('inkwell-shell-') && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'clear-data') {
    // Signed out: another person may use this device next.
    event.waitUntil(caches.delete(DATA_CACHE));
  }
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;

  if (req.mode === 'navigate') {
    if (PUBLIC_ROUTES.some((re) => re.test(url.pathname))) event.respondWith(publicPage(req));
    else if (ROUTES.some((re) => re.test(url.pathname))) event.respondWith(shell(req));
    return;
  }
  if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(cacheFirst(req));
    return;
  }
  if (CACHED_API.some((re) => re.test(url.pathname))) {
    event.respondWith(networkFirst(req));
  }
});

async function shell(req) {
  const cached = await caches.match(SHELL_URL, { cacheName: SHELL_CACHE });
  if (cached) return cached;
  return fetch(req);
}

async function publicPage(req) {
  const timeout = new Promise((resolve) => setTimeout(resolve, PAGE_TIMEOUT_MS, null));
  const res = await Promise.race([fetch(req).catch(() => null), timeout]);
  if (res && res.status < 500) return res;
  const cached = await caches.match(SHELL_URL, { cacheName: SHELL_CACHE });
  return cached || res || fetch(req);
}

async function cacheFirst(req) {
  const cached = await caches.match(req, { cacheName: SHELL_CACHE });
  if (cached) return cached;
  return fetch(req);
}

async function networkFirst(req) {
  const cache = await caches.open(DATA_CACHE);
  let res;
  try {
    res = await fetch(req);
  } catch {
    res = null; // offline, or the server cannot be reached
  }
  if (res && res.ok) {
    await cache.put(req, res.clone());
    await trim(cache, MAX_DATA_ENTRIES);
    return res;
  }
  if (res && res.status < 500) return res; // a real answer (401, 404…): never mask it with old data
  // The cache key is the URL; the answer belongs to whoever is signed in on
  // this device (the data cache is dropped on sign-out).
  const cached = await cache.match(req, { ignoreVary: true });
  if (cached) {
    const headers = new Headers(cached.headers);
    headers.set('X-Inkwell-Cache', 'hit');
    return new Response(cached.body, { status: cached.status, statusText: cached.statusText, headers });
  }
  if (res) return res; // a server error and nothing saved: show the server's answer
  return new Response(JSON.stringify({ error: { code: 'offline',
    message: 'You’re offline, and this has not been saved for offline reading yet.' } }), {
    status: 503, headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Inkwell-Cache': 'miss' } });
}

async function trim(cache, max) {
  const keys = await cache.keys(); // in insertion order
  for (let i = 0; i < keys.length - max; i++) await cache.delete(keys[i]);
}
