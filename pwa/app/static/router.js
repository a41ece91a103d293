// Client-side routes (the server answers each with the shell; keep in step
// with pwa.ClientRoutes in pwa/pwa.go).
import * as session from '/static/session.js';
import * as feed from '/static/views/feed.js';
import * as post from '/static/views/post.js';
import * as editor from '/static/views/editor.js';
import * as drafts from '/static/views/drafts.js';
import * as profile from '/static/views/profile.js';
import * as signin from '/static/views/signin.js';
import * as wallet from '/static/views/wallet.js';
import * as library from '/static/views/library.js';
import * as comments from '/static/views/comments.js';

// public: a server-rendered page anyone can read (package public); a
// signed-out visitor keeps the server's page, a signed-in one gets the app.
const routes = [
  { re: /^\/$/, view: feed, tab: 'feed', auth: true, public: true },
  { re: /^\/signin$/, view: signin, auth: false },
  { re: /^\/write$/, view: editor, tab: 'write', auth: true },
  { re: /^\/drafts$/, view: drafts, tab: 'drafts', auth: true },
  { re: /^\/me$/, view: profile, tab: 'me', auth: true },
  { re: /^\/wallet$/, view: wallet, tab: 'wallet', auth: true },
  { re: /^\/library$/, view: library, tab: 'library', auth: true },
  { re: /^\/posts\/(\d+)$/, view: post, auth: true, public: true, names: ['id'] },
  { re: /^\/posts\/(\d+)\/edit$/, view: editor, auth: true, names: ['id'] },
  { re: /^\/posts\/(\d+)\/([^/]+)$/, view: post, auth: true, public: true, names: ['id', 'slug'] },
  { re: /^\/users\/(\d+)$/, view: feed, auth: true, public: true, names: ['author'] },
  { re: /^\/tags\/([^/]+)$/, view: feed, auth: true, public: true, names: ['tag'] },
  { re: /^\/comments\/(\d+)$/, view: comments, auth: true, names: ['id'] },
];

/**
 * The server-rendered page the browser loaded, while it is still the first
 * screen: the server answered this very URL with it (a post's page also
 * stands for its other slugs; the not-found page for any path).
 */
function serverPage(main) {
  return firstRenderDone ? null : main.querySelector(':scope > [data-public-page]');
}

let generation = 0;
let firstRenderDone = false;
let leaving = null;

/** Goes to url inside the app. */
export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
  return render();
}

/** Renders the screen for the current location. */
export async function render() {
  const gen = ++generation;
  if (leaving) { try { leaving(); } catch { /* a view's cleanup must not block navigation */ } leaving = null; }
  const main = document.getElementById('main');
  const path = location.pathname;
  const route = routes.find((r) => r.re.test(path));
  const signedIn = !!session.token();
  document.documentElement.classList.toggle('signed-in', signedIn);
  document.getElementById('signin-link').hidden = signedIn || path === '/signin';
  const page = serverPage(main);
  if (!signedIn && (page || (route && route.public && firstRenderDone))) {
    // Signed out on a public page: the server's page is the page (it reads
    // without the app). Reached inside the app, it is loaded from the server.
    document.getElementById('tabbar').hidden = true;
    if (!page) { location.replace(location.href); return; }
    firstRenderDone = true;
    return;
  }
  document.getElementById('tabbar').hidden = !signedIn;
  if (!route) {
    main.replaceChildren(notFound());
    return;
  }
  if (route.auth && !signedIn) {
    const next = location.pathname + location.search;
    history.replaceState(null, '', '/signin?next=' + encodeURIComponent(next));
    return render();
  }
  const m = path.match(route.re);
  const params = {};
  (route.names || []).forEach((n, i) => { params[n] = m[i + 1]; });
  const ctx = {
    params,
    query: new URLSearchParams(location.search),
    alive: () => gen === generation,
    navigate,
    onLeave: (fn) => { leaving = fn; },
  };
  document.querySelectorAll('#tabbar a').forEach((a) => {
    if (a.dataset.tab === route.tab) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  document.getElementById('tabbar').hidden = !session.token();
  await route.view.render(main, ctx);
  if (ctx.alive()) {
    window.scrollTo(0, 0);
    // Move focus to the new screen's heading so keyboard and screen-reader
    // users land on it (not for the first render of the page).
    const heading = main.querySelector('h1');
    if (heading && firstRenderDone) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
    firstRenderDone = true;
  }
}

function notFound() {
  document.title = 'Not found · Inkwell';
  const wrap = document.createElement('section');
  const h1 = document.createElement('h1');
  h1.textContent = 'Page not found';
  const a = document.createElement('a');
  a.href = '/';
  a.textContent = 'Back to the feed';
  wrap.append(h1, a);
  return wrap;
}

/** Turns same-origin link clicks into in-app navigation. */
export function start() {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest('a[href]');
    if (!a || a.target === '_blank' || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    const target = routes.find((r) => r.re.test(url.pathname));
    if (url.origin !== location.origin || !target) return;
    // A link within the page (a footnote) is the browser's to scroll to.
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
    // Signed out, public pages come from the server (readable, shareable).
    if (target.public && !session.token()) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', () => render());
  return render();
}
