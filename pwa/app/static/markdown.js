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
  // <input> stays only as a task list's disabled checkbox (hook below).
  FORBID_TAGS: ['style', 'form', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
  FORBID_ATTR: ['style'],
  ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
};

DOMPurify.addHook('uponSanitizeElement', (node, data) => {
  // A task list's box ("- [x]"), as the server keeps it: a checkbox, never
  // anything one could type into.
  if (data.tagName === 'input' && (node.getAttribute('type') || '').toLowerCase() !== 'checkbox') node.remove();
});

// A post's ids and same-page links get the prefix the server gives them
// (markdown/ids.go), so a post can never take over an id of the app (a
// post with id="toast" would receive its notifications) while its
// footnote links still find their notes. The server's HTML already has it.
const ID_PREFIX = 'user-content-';

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'INPUT') {
    for (const a of [...node.attributes]) if (!['type', 'checked', 'disabled', 'aria-label'].includes(a.name)) node.removeAttribute(a.name);
    node.setAttribute('disabled', '');
    // A form control needs a name; the server writes the same (markdown.go).
    node.setAttribute('aria-label', node.hasAttribute('checked') ? 'done' : 'not done');
  }
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

// Footnotes as the server writes them (goldmark's Footnote extension):
// "text[^a]" and a "[^a]: note" line become a numbered reference
// <sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup>
// and a closing <div class="footnotes" role="doc-endnotes"> list, numbered
// in the order of first reference; a reference without a note stays text.
const DEF_RE = /^ {0,3}\[\^([^\]\s]+)\]:[ \t]+(.*)$/gm;
let notes = new Map(); // label → {text, n, refs}
let order = [];

marked.use({
  gfm: true,
  extensions: [{
    name: 'footnoteRef',
    level: 'inline',
    start(src) { return src.match(/\[\^/)?.index; },
    tokenizer(src) {
      const m = /^\[\^([^\]\s]+)\]/.exec(src);
      if (!m || !notes.has(m[1])) return undefined;
      return { type: 'footnoteRef', raw: m[0], label: m[1] };
    },
    renderer(token) {
      const note = notes.get(token.label);
      if (!note.n) { order.push(note); note.n = order.length; }
      const id = note.refs === 0 ? `fnref:${note.n}` : `fnref${note.refs}:${note.n}`;
      note.refs++;
      note.backrefs.push(id);
      return `<sup id="${id}"><a href="#fn:${note.n}" class="footnote-ref" role="doc-noteref">${note.n}</a></sup>`;
    },
  }],
});

function footnotes() {
  if (!order.length) return '';
  const items = order.map((note) => {
    const back = note.backrefs.map((id) => `\u00a0<a href="#${id}" class="footnote-backref" role="doc-backlink">↩︎</a>`).join('');
    return `<li id="fn:${note.n}">\n<p>${marked.parseInline(note.text)}${back}</p>\n</li>\n`;
  });
  return `<div class="footnotes" role="doc-endnotes">\n<hr>\n<ol>\n${items.join('')}</ol>\n</div>\n`;
}

/** Sanitized HTML for markdown source. */
export function render(markdown) {
  notes = new Map();
  order = [];
  const src = String(markdown || '').replace(DEF_RE, (_, label, text) => {
    if (!notes.has(label)) notes.set(label, { text, n: 0, refs: 0, backrefs: [] });
    return '';
  });
  let html = marked.parse(src, { gfm: true, breaks: false, async: false });
  html += footnotes();
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
