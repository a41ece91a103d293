// The feed: newest published posts, infinite scroll; also a tag's page
// (/tags/{tag}) and an author's page (/users/{id}), the same URLs the
// server renders for signed-out readers.
import { h, replace } from '/static/dom.js';
import * as api from '/static/api.js';
import { errorBox, postCard } from '/static/views/common.js';

const TAG_RE = /^[a-z0-9-]{1,32}$/;

export async function render(main, ctx) {
  const tag = (ctx.params.tag || ctx.query.get('tag') || '').trim().toLowerCase();
  const author = Number(ctx.params.author || 0);
  document.title = tag ? `#${tag} · Inkwell` : author ? 'Author · Inkwell' : 'Feed · Inkwell';
  const heading = h('h1', {}, tag ? `Posts tagged #${tag}` : author ? 'Posts by this author' : 'Latest posts');

  const input = h('input', { type: 'search', id: 'tag-filter', name: 'tag', value: tag, placeholder: 'e.g. go',
    pattern: '[a-z0-9-]{1,32}', maxlength: 32, autocapitalize: 'none', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'tag-filter-hint' });
  const form = h('form', { class: 'filter', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const t = input.value.trim().toLowerCase().replace(/^#/, '');
    if (t && !TAG_RE.test(t)) { input.setAttribute('aria-invalid', 'true'); hint.textContent = 'Tags are 1–32 lowercase letters, digits or dashes.'; return; }
    ctx.navigate(t ? '/tags/' + encodeURIComponent(t) : '/');
  } },
  h('div', { class: 'field' },
    h('label', { for: 'tag-filter' }, 'Filter by tag'),
    input),
  h('button', { type: 'submit', class: 'button' }, 'Filter'));
  const hint = h('p', { class: 'hint', id: 'tag-filter-hint' }, tag ? '' : 'Lowercase letters, digits and dashes.');

  const list = h('ul', { class: 'post-list', 'aria-label': 'Posts' });
  const status = h('div', { 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'button button-secondary', hidden: true }, 'Load more posts');
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });

  // The tag filter stays out of the way: the active tag as a chip that
  // clears it, the form folded under a small disclosure.
  const chips = tag ? h('p', { class: 'chips' },
    h('a', { class: 'chip chip-active', href: '/', 'aria-label': `Clear the tag filter #${tag}` }, `#${tag}`, h('span', { 'aria-hidden': 'true' }, ' ✕'))) : null;
  const filter = author ? null : h('details', { class: 'tag-filter' }, h('summary', {}, 'Find a tag'), form, hint);

  replace(main, heading, chips, filter, list, status, h('div', { class: 'actions' }, more), sentinel);

  let cursor = '';
  let loading = false;
  let done = false;

  async function loadPage() {
    if (loading || done) return;
    loading = true;
    more.disabled = true;
    replace(status, h('p', { class: 'loading' }, 'Loading posts…'));
    try {
      const page = await api.feed({ cursor, tag, author });
      if (!ctx.alive()) return;
      if (author && page.items?.[0]?.author?.name) {
        heading.textContent = `Posts by ${page.items[0].author.name}`;
        document.title = `${page.items[0].author.name} · Inkwell`;
      }
      for (const p of page.items || []) list.append(postCard(p));
      cursor = page.next_cursor || '';
      done = !cursor;
      replace(status,
        page.fromCache ? h('p', { class: 'hint' }, 'You’re seeing a saved copy of this page.') : null,
        !list.children.length ? h('p', { class: 'empty' }, tag ? `No posts tagged #${tag} yet.` : author ? 'Nothing published yet.' : 'No posts yet. Be the first: tap Write.') : null,
        done && list.children.length ? h('p', { class: 'empty' }, 'You’re all caught up.') : null);
      more.hidden = done;
    } catch (err) {
      if (!ctx.alive()) return;
      replace(status, errorBox(err, () => loadPage()));
      more.hidden = true;
    } finally {
      loading = false;
      more.disabled = false;
    }
  }
  more.addEventListener('click', loadPage);

  // Infinite scroll: the next page loads as the end of the list comes into view.
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadPage();
  }, { rootMargin: '400px 0px' });
  ctx.onLeave(() => observer.disconnect());
  await loadPage();
  if (ctx.alive()) observer.observe(sentinel);
}
