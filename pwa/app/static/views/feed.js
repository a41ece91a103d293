// The feed: newest published posts, infinite scroll, filter by tag.
import { h, replace } from '/static/dom.js';
import * as api from '/static/api.js';
import { errorBox, postCard } from '/static/views/common.js';

const TAG_RE = /^[a-z0-9-]{1,32}$/;

export async function render(main, ctx) {
  const tag = (ctx.query.get('tag') || '').trim().toLowerCase();
  document.title = tag ? `#${tag} · Inkwell` : 'Feed · Inkwell';

  const input = h('input', { type: 'search', id: 'tag-filter', name: 'tag', value: tag, placeholder: 'e.g. go',
    pattern: '[a-z0-9-]{1,32}', maxlength: 32, autocapitalize: 'none', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'tag-filter-hint' });
  const form = h('form', { class: 'filter', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const t = input.value.trim().toLowerCase().replace(/^#/, '');
    if (t && !TAG_RE.test(t)) { input.setAttribute('aria-invalid', 'true'); hint.textContent = 'Tags are 1–32 lowercase letters, digits or dashes.'; return; }
    ctx.navigate(t ? '/?tag=' + encodeURIComponent(t) : '/');
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

  replace(main,
    h('h1', {}, tag ? `Posts tagged #${tag}` : 'Latest posts'),
    form,
    hint,
    tag ? h('p', { class: 'meta' }, h('a', { href: '/' }, 'Clear the tag filter')) : null,
    list, status, h('div', { class: 'actions' }, more), sentinel);

  let cursor = '';
  let loading = false;
  let done = false;

  async function loadPage() {
    if (loading || done) return;
    loading = true;
    more.disabled = true;
    replace(status, h('p', { class: 'loading' }, 'Loading posts…'));
    try {
      const page = await api.feed({ cursor, tag });
      if (!ctx.alive()) return;
      for (const p of page.items || []) list.append(postCard(p));
      cursor = page.next_cursor || '';
      done = !cursor;
      replace(status,
        page.fromCache ? h('p', { class: 'hint' }, 'You’re seeing a saved copy of this page.') : null,
        !list.children.length ? h('p', { class: 'empty' }, tag ? `No posts tagged #${tag} yet.` : 'No posts yet. Be the first: tap Write.') : null,
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
