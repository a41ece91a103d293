// Markdown for the editor's live preview, and the last line of defence for
// the server's body_html. marked (vendored from npm, see docs/pwa.md) turns
// markdown into HTML; DOMPurify removes scripts, event handlers,
// javascript:/data: URLs and anything else that could run, so the HTML put
// into the page is always sanitized — even the server's, which is already
// sanitized when the post is written.
import { marked } from '/static/vendor/marked.esm.js';
import DOMPurify from '/static/vendor/purify.es.mjs';

const PURIFY = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
  FORBID_ATTR: ['style'],
  ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
};

// A post's ids and same-page links get the prefix the server gives them
// (markdown/ids.go), so a post can never take over an id of the app (a
// post with id="toast" would receive its notifications) while its
// footnote links still find their notes. The server's HTML already has it.
const ID_PREFIX = 'user-content-';

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  for (const attr of ['id', 'name']) {
    const v = node.getAttribute(attr);
    if (v && !v.startsWith(ID_PREFIX)) node.setAttribute(attr, ID_PREFIX + v);
  }
  const href = node.tagName === 'A' ? node.getAttribute('href') : null;
  if (href && href.startsWith('#')) {
    if (href.length > 1 && !href.startsWith('#' + ID_PREFIX)) node.setAttribute('href', '#' + ID_PREFIX + href.slice(1));
  } else if (href) {
    // Links out of a post open safely in a new tab.
    node.setAttribute('rel', 'noopener noreferrer nofollow');
    node.setAttribute('target', '_blank');
  }
  // An image the author gave no description is decorative to a screen
  // reader rather than announced by its file name.
  if (node.tagName === 'IMG' && !node.hasAttribute('alt')) node.setAttribute('alt', '');
});

/** Sanitized HTML for markdown source. */
export function render(markdown) {
  const html = marked.parse(String(markdown || ''), { gfm: true, breaks: false, async: false });
  return DOMPurify.sanitize(html, PURIFY);
}

/** Sanitized copy of server HTML. */
export function sanitize(html) {
  return DOMPurify.sanitize(String(html || ''), PURIFY);
}

/** Puts sanitized HTML into el. */
export function show(el, safeHtml) {
  el.innerHTML = safeHtml; // safeHtml comes from render()/sanitize() above
}
