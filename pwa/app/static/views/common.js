// Pieces shared by several screens.
import { h, time, excerpt } from '/static/dom.js';
import * as api from '/static/api.js';

/** A readable error box, with an optional retry. */
export function errorBox(err, retry) {
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('p', {}, api.describe(err)),
    retry ? h('button', { type: 'button', class: 'button button-small button-secondary', onclick: retry }, 'Try again') : null);
}

export function byline(p) {
  return h('p', { class: 'meta' },
    p.author?.picture ? h('img', { class: 'avatar', src: p.author.picture, alt: '', width: 24, height: 24, referrerpolicy: 'no-referrer' }) : null,
    h('span', {}, p.author?.name || 'Someone'),
    time(p.published_at || p.updated_at || p.created_at),
    h('span', {}, `${p.like_count ?? 0} ${p.like_count === 1 ? 'like' : 'likes'}`));
}

export function tagList(tags) {
  if (!tags || !tags.length) return null;
  return h('ul', { class: 'tags', 'aria-label': 'Tags' },
    tags.map((t) => h('li', {}, h('a', { class: 'tag', href: '/?tag=' + encodeURIComponent(t) }, '#' + t))));
}

/** A post in a list. */
export function postCard(p, { href = `/posts/${p.id}`, badge = null } = {}) {
  return h('li', { class: 'card' },
    h('article', {},
      h('h2', {}, h('a', { href }, p.title || 'Untitled')),
      badge,
      byline(p),
      h('p', { class: 'excerpt' }, excerpt(p.body_markdown)),
      tagList(p.tags)));
}
