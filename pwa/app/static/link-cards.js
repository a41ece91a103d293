// Preview cards in the editor's preview: a paragraph that is only a bare
// link (https://… or www.… on its own line) shows its page's card, as the
// server renders it in the saved post (docs/previews.md "Cards"). Previews
// come from GET /api/v1/previews, after the typing pauses, at most
// MAX_CARDS per text, each URL once per session; failures are silent (the
// line stays a link). Cards are built with DOM nodes: no server text is
// parsed as HTML.
import * as api from '/static/api.js';
import { h } from '/static/dom.js';

const MAX_CARDS = 5; // markdown.MaxCards
const WAIT_MS = 400;
const RETRY_FAILED_MS = 30_000;

const answers = new Map(); // url → preview | null (no card), once known
const pending = new Map(); // url → Promise, while asked
let timer = 0;

/** The bare-link paragraphs of root: [{ p, href }], at most MAX_CARDS URLs. */
function bareLinks(root) {
  const out = [];
  const urls = new Set();
  for (const p of root.querySelectorAll('p')) {
    if (p.closest('li, .link-card') || p.childNodes.length !== 1) continue;
    const a = p.firstChild;
    if (!(a instanceof HTMLAnchorElement) || a.children.length) continue;
    const href = a.getAttribute('href') || '';
    const text = a.textContent;
    if (!/^https?:\/\//i.test(href) || (text !== href && 'http://' + text !== href)) continue;
    if (!urls.has(href)) {
      if (urls.size === MAX_CARDS) break;
      urls.add(href);
    }
    out.push({ p, href });
  }
  return out;
}

/** The card's markup, as markdown/cards.go writes it. */
function card(href, preview) {
  const image = /^https?:\/\//i.test(preview.image || '') ? preview.image : '';
  return h('p', { class: 'link-card' },
    h('a', { href, rel: 'nofollow noopener', target: '_blank' },
      image ? [h('img', { class: 'link-card-image', src: image, alt: '', loading: 'lazy' }), h('br')] : null,
      h('strong', { class: 'link-card-title' }, preview.title),
      preview.description ? [h('br'), h('span', { class: 'link-card-description' }, preview.description)] : null,
      preview.site_name ? [h('br'), h('small', { class: 'link-card-site' }, preview.site_name)] : null));
}

function apply(root) {
  for (const { p, href } of bareLinks(root)) {
    const preview = answers.get(href);
    if (preview) p.replaceWith(card(href, preview));
  }
}

function ask(href) {
  if (answers.has(href) || pending.has(href)) return pending.get(href);
  const asked = api.get('/api/v1/previews?url=' + encodeURIComponent(href))
    .then(({ data }) => { answers.set(href, data && data.title ? data : null); })
    .catch(() => {
      // Silent: the line stays a link; a later pause asks again.
      answers.set(href, null);
      setTimeout(() => answers.delete(href), RETRY_FAILED_MS);
    })
    .finally(() => pending.delete(href));
  pending.set(href, asked);
  return asked;
}

/**
 * Shows cards in a freshly rendered preview: the known ones at once, the
 * others once the typing has paused and their previews arrived (if root
 * is still the preview on screen by then).
 */
export function enhance(root) {
  apply(root);
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const asks = bareLinks(root).map(({ href }) => ask(href)).filter(Boolean);
    if (!asks.length) return;
    await Promise.all(asks);
    if (root.isConnected) apply(root);
  }, WAIT_MS);
}
