// My profile: who I am, my points, my posts, sign out.
import { h, replace, time } from '/static/dom.js';
import * as api from '/static/api.js';
import * as autosave from '/static/autosave.js';
import * as outbox from '/static/outbox.js';
import * as uploads from '/static/uploads.js';
import * as session from '/static/session.js';
import { avatar, errorBox, postCard } from '/static/views/common.js';
import { signOutGoogle } from '/static/views/signin.js';

export async function render(main, ctx) {
  document.title = 'Profile · Inkwell';
  replace(main, h('p', { class: 'loading' }, 'Loading your profile…'));
  let me;
  let stale = false;
  try {
    me = await api.me();
  } catch (err) {
    if (!ctx.alive()) return;
    me = session.me();
    stale = true;
    if (!me) { replace(main, h('h1', {}, 'Profile'), errorBox(err, () => render(main, ctx)), signOutButton()); return; }
  }
  if (!ctx.alive()) return;
  const posts = h('ul', { class: 'post-list' });
  replace(main, h('section', {},
    stale ? h('p', { class: 'alert alert-warn' }, 'You’re offline: showing your profile as it was last seen.') : null,
    h('div', { class: 'profile-head' },
      avatar(me, 'avatar-large'),
      h('div', {},
        h('h1', {}, me.name || 'You'),
        me.email ? h('p', { class: 'meta' }, me.email) : null)),
    h('div', { class: 'stat' },
      h('p', { class: 'meta' }, 'Points'),
      h('p', { class: 'points', id: 'points' }, String(me.points ?? 0)),
      h('p', { class: 'hint' }, '+10 for publishing a post, +1 for each like your posts receive.')),
    me.created_at ? h('p', { class: 'meta' }, 'Member since ', time(me.created_at)) : null,
    h('h2', {}, 'My published posts'),
    posts,
    h('div', { class: 'actions' }, signOutButton())));
  try {
    const page = await api.feed({ author: me.id, limit: 10 });
    if (!ctx.alive()) return;
    if (!page.items?.length) posts.replaceWith(h('p', { class: 'empty' }, 'Nothing published yet.'));
    for (const p of page.items || []) posts.append(postCard(p));
  } catch (err) {
    if (ctx.alive()) posts.replaceWith(errorBox(err));
  }
}

function signOutButton() {
  return h('button', { type: 'button', class: 'button button-secondary', onclick: async () => {
    const pending = await outbox.list();
    if (pending.length && !confirm(`${pending.length} post(s) written offline have not been sent and will be deleted from this device. Sign out anyway?`)) return;
    await outbox.clear();
    await uploads.clear();
    autosave.clearAll();
    signOutGoogle();
    session.end('signout');
  } }, 'Sign out');
}
