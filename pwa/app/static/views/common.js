// Pieces shared by several screens.
import { h, time, excerpt } from '/static/dom.js';
import * as api from '/static/api.js';

/** A readable error box, with an optional retry. */
export function errorBox(err, retry) {
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('p', {}, api.describe(err)),
    retry ? h('button', { type: 'button', class: 'button button-small button-secondary', onclick: retry }, 'Try again') : null);
}

export function byline(p, { likes = true } = {}) {
  const who = [avatar(p.author, 'avatar'), h('span', {}, p.author?.name || 'Someone')];
  return h('p', { class: 'meta' },
    p.author?.id ? h('a', { class: 'byline', href: `/users/${p.author.id}` }, ...who) : who,
    time(p.published_at || p.updated_at || p.created_at),
    likes && p.status !== 'draft' ? h('span', {}, `${p.like_count ?? 0} ${p.like_count === 1 ? 'like' : 'likes'}`) : null);
}

/** The person's picture, or their initial on a coloured disc (decorative: the name is always next to it). */
export function avatar(person, cls) {
  if (person?.picture) {
    return h('img', { class: cls, src: person.picture, alt: '', referrerpolicy: 'no-referrer' });
  }
  const initial = [...String(person?.name || '?').trim()][0]?.toUpperCase() || '?';
  return h('span', { class: `${cls} avatar-initial`, 'aria-hidden': 'true' }, initial);
}

export function tagList(tags) {
  if (!tags || !tags.length) return null;
  return h('ul', { class: 'tags', 'aria-label': 'Tags' },
    tags.map((t) => h('li', {}, h('a', { class: 'tag', href: '/tags/' + encodeURIComponent(t) }, '#' + t))));
}

/** A post in a list. */
export function postCard(p, { href = `/posts/${p.id}`, badge = null } = {}) {
  return h('li', { class: 'card' },
    h('article', {},
      h('h2', {}, h('a', { href }, p.title || 'Untitled')),
      badge,
      byline(p),
      // The feed API's plain-text excerpt when the server sends one; else
      // one made here from the markdown (never HTML either way).
      h('p', { class: 'excerpt' }, typeof p.excerpt === 'string' ? p.excerpt : excerpt(p.body_markdown)),
      tagList(p.tags)));
}
