// One post: its rendered body, like/unlike, edit for its author, and its
// comment thread (views/comments.js).
import { h, replace, toast } from '/static/dom.js';
import * as api from '/static/api.js';
import * as session from '/static/session.js';
import * as markdown from '/static/markdown.js';
import { byline, errorBox, tagList } from '/static/views/common.js';
import { kudosButton } from '/static/views/kudos.js';
import * as comments from '/static/views/comments.js';

export async function render(main, ctx) {
  const id = Number(ctx.params.id);
  document.title = 'Post · Inkwell';
  replace(main, h('p', { class: 'loading' }, 'Loading the post…'));
  let result;
  try {
    result = await api.post(id);
  } catch (err) {
    if (!ctx.alive()) return;
    document.title = 'Post unavailable · Inkwell';
    replace(main, h('h1', {}, err.status === 404 ? 'This post does not exist' : 'The post could not be opened'),
      errorBox(err, err.status === 404 ? null : () => render(main, ctx)),
      h('p', {}, h('a', { href: '/' }, 'Back to the feed')));
    return;
  }
  if (!ctx.alive()) return;
  const p = result.post;
  document.title = `${p.title} · Inkwell`;
  const me = session.me() || await api.me().catch(() => null);
  if (!ctx.alive()) return;
  const mine = me && p.author && p.author.id === me.id;

  const body = h('div', { class: 'prose' });
  markdown.show(body, markdown.sanitize(p.body_html));

  replace(main, h('article', { class: 'post' },
    result.fromCache ? h('p', { class: 'alert alert-warn' }, 'Saved copy from when you last opened this post.') : null,
    p.status === 'draft' ? h('p', {}, h('span', { class: 'badge' }, 'Draft — only you can see it')) : null,
    h('h1', {}, p.title),
    byline(p, { likes: false }),
    tagList(p.tags),
    body,
    h('div', { class: 'actions' },
      likeButton(p),
      // Kudos go to someone else: never offered on your own post.
      !mine && me && p.author?.id && p.status !== 'draft' ? kudosButton(p.author) : null,
      mine ? h('a', { class: 'button button-secondary', href: `/posts/${p.id}/edit` }, 'Edit post') : null,
      mine ? h('button', { type: 'button', class: 'button button-secondary',
        onclick: (e) => backUpMedia(p, e.currentTarget, main, ctx) }, 'Back up media') : null,
      mine && p.status === 'published' ? h('button', { type: 'button', class: 'button button-secondary',
        onclick: (e) => unpublish(p, e.currentTarget, main, ctx) }, 'Unpublish') : null,
      mine ? h('button', { type: 'button', class: 'button button-danger',
        onclick: (e) => remove(p, e.currentTarget, ctx) }, 'Delete post') : null)));
  if (p.status === 'published') {
    const thread = comments.section({ post: p, me });
    main.append(thread);
    ctx.onLeave(() => thread.dispose());
  }
}

/** Back to draft, after the author confirms: it leaves the feed and its public page. */
async function unpublish(p, button, main, ctx) {
  if (!confirm(`Unpublish “${p.title}”? It leaves the feed and its public page, and becomes a draft only you can see. You can publish it again.`)) return;
  button.disabled = true;
  try {
    await api.updatePost(p.id, { status: 'draft' });
    toast(`“${p.title}” is a draft again.`);
    if (ctx.alive()) render(main, ctx);
  } catch (err) {
    button.disabled = false;
    toast(api.describe(err));
  }
}

/**
 * Copies the post's external images and videos into the author's library
 * and says what happened, URL by URL for failures; the post is shown again
 * (its images now come from the library).
 */
async function backUpMedia(p, button, main, ctx) {
  button.disabled = true;
  const label = button.textContent;
  button.textContent = 'Backing up media…';
  try {
    const r = await api.mediaBackup(p.id);
    if (!ctx.alive()) return;
    if (r.copied > 0) await render(main, ctx);
    if (!ctx.alive()) return;
    main.querySelector('.post')?.append(backupReport(r));
    toast(r.found === 0 ? 'This post shows no external media.' : `Media backup: ${r.copied} copied, ${r.already} already copied, ${r.failed.length} not copied.`);
  } catch (err) {
    toast(api.describe(err));
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

function backupReport(r) {
  return h('section', { class: 'backup-report', role: 'status', 'aria-label': 'Media backup result' },
    h('h2', {}, 'Media backup'),
    h('p', {}, `${r.found} found · ${r.copied} copied · ${r.already} already copied · ${r.failed.length} not copied`),
    r.copied + r.already > 0 ? h('p', {}, 'Copies are in your Media library, folder ', h('code', {}, 'backup/…'), '; the post now shows them.') : null,
    r.failed.length ? h('ul', { class: 'backup-failures' },
      ...r.failed.map((f) => h('li', {}, h('span', { class: 'backup-url' }, f.url), ': ', f.reason))) : null);
}

/** Deletes the post for good, after the author confirms. */
async function remove(p, button, ctx) {
  if (!confirm(`Delete “${p.title}” for good? Its likes go with it. This cannot be undone.`)) return;
  button.disabled = true;
  try {
    await api.deletePost(p.id);
    toast(`Deleted “${p.title}”.`);
    if (ctx.alive()) ctx.navigate('/', { replace: true });
  } catch (err) {
    button.disabled = false;
    toast(api.describe(err));
  }
}

function likeButton(p) {
  let liked = !!p.liked_by_me;
  let count = p.like_count || 0;
  const label = h('span', {});
  const button = h('button', { type: 'button', class: 'button like-button', 'aria-pressed': String(liked) }, label);
  const paint = () => {
    button.setAttribute('aria-pressed', String(liked));
    label.textContent = `${liked ? '♥ Liked' : '♡ Like'} · ${count}`;
    button.setAttribute('aria-label', `${liked ? 'Unlike' : 'Like'} this post (${count} ${count === 1 ? 'like' : 'likes'})`);
  };
  paint();
  button.addEventListener('click', async () => {
    const want = !liked;
    liked = want; count += want ? 1 : -1; paint(); // answer at once; the server confirms
    button.disabled = true;
    try {
      const res = await api.setLike(p.id, want);
      liked = res.liked; count = res.like_count;
    } catch (err) {
      liked = !want; count += want ? -1 : 1;
      toast(err.offline ? 'You’re offline — try liking again when you’re back online.' : api.describe(err));
    } finally {
      button.disabled = false;
      paint();
    }
  });
  return button;
}
