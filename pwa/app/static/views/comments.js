// Threaded comments: the thread under a post, and a page of its own for one
// comment (/comments/{id}) where a deep thread continues — indentation stops
// at three levels, so a phone never squeezes a reply into a sliver.
//
// Votes and likes answer at once and the server's answer corrects them;
// comments written offline go to comments-outbox.js (per user, sent once).
import { h, replace, time, toast } from '/static/dom.js';
import * as api from '/static/api.js';
import * as session from '/static/session.js';
import * as markdown from '/static/markdown.js';
import * as outbox from '/static/comments-outbox.js';
import { avatar, errorBox } from '/static/views/common.js';

const SORTS = [['best', 'Best'], ['top', 'Top'], ['new', 'Newest'], ['old', 'Oldest'], ['replies', 'Most replies']];
// Levels of replies asked for and shown indented; deeper threads continue
// on their own page.
const DEPTH = 3;
const SORT_KEY = 'inkwell.commentSort';

function plural(n, one, many) { return `${n} ${n === 1 ? one : many}`; }

/**
 * The comment section of a post: sort, the form for a new comment, what is
 * waiting to be sent, the thread with "Load more comments". opts:
 * {post, me}.
 */
export function section({ post, me }) {
  const state = { postId: post.id, postAuthorId: post.author?.id, me, sort: localStorage.getItem(SORT_KEY) || 'best', cursor: null };
  const heading = h('h2', { id: 'comments-heading' }, `Comments (${post.comment_count ?? 0})`);
  const list = h('ol', { class: 'comment-list', 'aria-labelledby': 'comments-heading' });
  const status = h('div', { class: 'comment-status' });
  const pending = h('div', { class: 'comment-pending' });
  const more = h('button', { type: 'button', class: 'button button-secondary', hidden: true }, 'Load more comments');
  const sortSelect = h('select', { id: 'comment-sort' }, SORTS.map(([v, label]) => h('option', { value: v, selected: v === state.sort }, label)));

  const load = async ({ append = false } = {}) => {
    if (!append) { state.cursor = null; replace(status, h('p', { class: 'loading' }, 'Loading comments…')); }
    more.disabled = true;
    try {
      const page = await api.comments(state.postId, { sort: state.sort, depth: DEPTH, cursor: append ? state.cursor : '' });
      replace(status, page.fromCache ? h('p', { class: 'alert alert-warn' }, 'Saved copy of the comments from when you last opened them.') : null);
      if (!append) list.replaceChildren();
      for (const c of page.items) list.append(commentItem(c, state));
      if (!append && !page.items.length) status.append(h('p', { class: 'muted' }, 'No comments yet. Start the conversation.'));
      state.cursor = page.next_cursor;
      more.hidden = !page.next_cursor;
    } catch (err) {
      replace(status, errorBox(err, () => load({ append })));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => load({ append: true }));
  sortSelect.addEventListener('change', () => {
    state.sort = sortSelect.value;
    localStorage.setItem(SORT_KEY, state.sort);
    load();
  });

  const showPending = async () => {
    const mine = (await outbox.list().catch(() => [])).filter((e) => e.postId === state.postId);
    replace(pending, mine.length ? h('section', { class: 'alert alert-warn', 'aria-label': 'Comments waiting to be sent' },
      h('p', {}, mine.length === 1 ? 'One comment is waiting to be sent.' : `${mine.length} comments are waiting to be sent.`),
      h('ul', {}, mine.map((e) => h('li', { class: 'pending-comment' },
        h('span', {}, e.body.length > 80 ? e.body.slice(0, 79) + '…' : e.body),
        e.error ? h('span', { class: 'field-error' }, ` — not sent: ${e.error}`) : null,
        ' ',
        h('button', { type: 'button', class: 'button button-small button-secondary',
          onclick: async () => { await outbox.discard(e.key); } }, 'Discard'))))) : null);
  };
  const stop = outbox.onChange(() => { showPending(); });
  // The app sends the outbox when back online; a comment sent on this
  // post joins the thread (a thread opened after the send has it already).
  const onSent = (e) => { if (e.detail.some((c) => c.post_id === state.postId)) load(); };
  window.addEventListener(outbox.SENT_EVENT, onSent);

  const form = composer(state, {
    label: 'Write a comment',
    submitLabel: 'Post comment',
    onPosted: (c) => {
      status.querySelector('.muted')?.remove();
      list.prepend(commentItem(c, state));
      heading.textContent = `Comments (${bumpCount(heading, 1)})`;
    },
    onQueued: () => { showPending(); },
  });

  const el = h('section', { class: 'comments', 'aria-labelledby': 'comments-heading' },
    heading,
    h('div', { class: 'comment-toolbar' }, h('label', { for: 'comment-sort' }, 'Sort comments'), sortSelect),
    form, pending, status, list, more);
  el.dispose = () => { stop(); window.removeEventListener(outbox.SENT_EVENT, onSent); };
  showPending();
  load();
  return el;
}

function bumpCount(heading, by) {
  const m = heading.textContent.match(/\((\d+)\)/);
  return (m ? Number(m[1]) : 0) + by;
}

/**
 * A form writing a comment on state.postId (a reply when parentId).
 * Offline, or when the request fails on the network, the comment is
 * queued with the key it was sent with.
 */
function composer(state, { parentId = null, label, submitLabel, onPosted, onQueued, onCancel = null }) {
  const id = `composer-${parentId || 'top'}-${Math.random().toString(36).slice(2, 8)}`;
  const text = h('textarea', { id, rows: parentId ? 3 : 3, maxlength: 10000, required: true });
  const err = h('p', { class: 'field-error', id: id + '-error', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button button-small' }, submitLabel);
  let key = crypto.randomUUID();
  const form = h('form', { class: 'comment-form' },
    h('label', { for: id }, label), text, err,
    h('div', { class: 'actions' }, submit,
      onCancel ? h('button', { type: 'button', class: 'button button-small button-secondary', onclick: onCancel }, 'Cancel') : null));
  const showError = (msg) => {
    err.textContent = msg; err.hidden = !msg;
    if (msg) { text.setAttribute('aria-invalid', 'true'); text.setAttribute('aria-describedby', err.id); } else text.removeAttribute('aria-invalid');
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = text.value;
    if (!body.trim()) { showError('Write something first.'); return; }
    showError('');
    const queue = async (why) => {
      await outbox.enqueue({ postId: state.postId, parentId, body, key });
      key = crypto.randomUUID();
      text.value = '';
      toast(why);
      onQueued?.();
    };
    if (!navigator.onLine) { await queue('You’re offline — your comment will be sent when you’re back online.'); return; }
    submit.disabled = true;
    try {
      const input = { body_markdown: body };
      if (parentId) input.parent_id = parentId;
      const c = await api.createComment(state.postId, input, key);
      key = crypto.randomUUID();
      text.value = '';
      onPosted(c);
    } catch (error) {
      if (error.offline) await queue('The server could not be reached — your comment will be sent later.');
      else showError(api.describe(error));
    } finally {
      submit.disabled = false;
    }
  });
  form.focusText = () => text.focus();
  return form;
}

/** One comment with its replies, as an <li>. */
function commentItem(c, state) {
  const li = h('li', { class: 'comment', id: `comment-${c.id}`, dataset: { id: String(c.id), depth: String(c.depth) } });
  const visible = c.status === 'visible';
  const who = visible ? (c.author?.name || 'Someone') : null;
  const repliesList = h('ol', { class: 'comment-replies' });
  const body = h('div', { class: 'prose comment-body' });
  const actions = h('div', { class: 'comment-actions' });
  const slot = h('div', { class: 'comment-slot' });

  const collapse = h('button', { type: 'button', class: 'comment-collapse', 'aria-expanded': 'true',
    'aria-label': `Collapse the thread of ${who || 'this deleted comment'}` }, '−');
  const hiddenNote = h('span', { class: 'muted', hidden: true });
  collapse.addEventListener('click', () => {
    const open = collapse.getAttribute('aria-expanded') !== 'true';
    collapse.setAttribute('aria-expanded', String(open));
    collapse.textContent = open ? '−' : '+';
    collapse.setAttribute('aria-label', `${open ? 'Collapse' : 'Expand'} the thread of ${who || 'this deleted comment'}`);
    li.classList.toggle('collapsed', !open);
    hiddenNote.hidden = open;
    // replies written since the thread loaded count too
    const n = li.querySelectorAll('.comment-replies li.comment').length + (c.more_replies || 0);
    hiddenNote.textContent = open ? '' : ` (${plural(n, 'reply', 'replies')} hidden)`;
  });

  const header = h('p', { class: 'meta comment-meta' }, collapse,
    visible ? avatar(c.author, 'avatar') : null,
    h('span', { class: 'comment-author' }, visible ? who : (c.status === 'removed' ? '[removed]' : '[deleted]')),
    time(c.created_at),
    c.edited_at ? h('span', { class: 'muted' }, '(edited)') : null,
    hiddenNote);

  if (visible) {
    markdown.show(body, markdown.sanitize(c.body_html || ''));
    actions.append(...reactionControls(c));
    const mine = state.me && c.author && c.author.id === state.me.id;
    const reply = h('button', { type: 'button', class: 'button button-small button-secondary',
      'aria-label': `Reply to ${who}` }, 'Reply');
    reply.addEventListener('click', () => {
      if (slot.firstChild) { slot.replaceChildren(); return; }
      const f = composer(state, {
        parentId: c.id, label: `Your reply to ${who}`, submitLabel: 'Post reply',
        onPosted: (r) => { slot.replaceChildren(); repliesList.prepend(commentItem(r, state)); },
        onQueued: () => slot.replaceChildren(),
        onCancel: () => slot.replaceChildren(),
      });
      slot.replaceChildren(f);
      f.focusText();
    });
    actions.append(reply);
    if (mine) actions.append(editButton(c, body, slot));
    if (mine || (state.me && state.postAuthorId === state.me.id)) actions.append(deleteButton(c, li, mine));
    if (!mine) actions.append(reportButton(c, slot, who));
  } else {
    body.append(h('p', { class: 'muted' }, c.status === 'removed' ? 'This comment was removed.' : 'This comment was deleted.'));
  }

  li.append(h('article', { 'aria-label': visible ? `Comment by ${who}` : 'Deleted comment' }, header, body, actions, slot));
  for (const r of c.replies || []) repliesList.append(commentItem(r, state));
  li.append(repliesList);
  const rest = c.more_replies || 0;
  if (rest > 0) {
    if ((c.replies || []).length === 0) {
      // At the depth limit: the thread continues on its own page.
      li.append(h('p', { class: 'comment-more' }, h('a', { href: `/comments/${c.id}` },
        `Continue this thread (${plural(rest, 'reply', 'replies')}) →`)));
    } else {
      const btn = h('button', { type: 'button', class: 'button button-small button-secondary comment-more' },
        `Show ${plural(rest, 'more reply', 'more replies')}`);
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        try {
          const page = await api.replies(c.id, { sort: state.sort, limit: 100, depth: 0 });
          repliesList.replaceChildren(...page.items.map((r) => commentItem(r, state)));
          btn.remove();
        } catch (err) {
          btn.disabled = false;
          toast(api.describe(err));
        }
      });
      li.append(btn);
    }
  }
  return li;
}

/** Up, score, down and like, answering at once; the server's answer corrects them. */
function reactionControls(c) {
  let myVote = c.my_vote || 0;
  let up = c.up_count || 0;
  let down = c.down_count || 0;
  let liked = !!c.liked_by_me;
  let likes = c.like_count || 0;
  const upBtn = h('button', { type: 'button', class: 'vote vote-up' }, '▲');
  const score = h('span', { class: 'vote-score', 'aria-live': 'polite' });
  const downBtn = h('button', { type: 'button', class: 'vote vote-down' }, '▼');
  const likeBtn = h('button', { type: 'button', class: 'vote comment-like' });
  const paint = () => {
    upBtn.setAttribute('aria-pressed', String(myVote === 1));
    downBtn.setAttribute('aria-pressed', String(myVote === -1));
    upBtn.setAttribute('aria-label', `Upvote (${up} up)`);
    downBtn.setAttribute('aria-label', `Downvote (${down} down)`);
    score.textContent = String(up - down);
    likeBtn.setAttribute('aria-pressed', String(liked));
    likeBtn.setAttribute('aria-label', `${liked ? 'Unlike' : 'Like'} this comment (${plural(likes, 'like', 'likes')})`);
    likeBtn.textContent = `${liked ? '♥' : '♡'} ${likes}`;
  };
  paint();
  const vote = async (value) => {
    const want = myVote === value ? 0 : value;
    const before = { myVote, up, down };
    if (myVote === 1) up--; if (myVote === -1) down--;
    if (want === 1) up++; if (want === -1) down++;
    myVote = want; paint();
    try {
      const res = await api.voteComment(c.id, want);
      ({ up_count: up, down_count: down, my_vote: myVote } = res);
    } catch (err) {
      ({ myVote, up, down } = before);
      toast(err.offline ? 'You’re offline — vote again when you’re back online.' : api.describe(err));
    }
    paint();
  };
  upBtn.addEventListener('click', () => vote(1));
  downBtn.addEventListener('click', () => vote(-1));
  likeBtn.addEventListener('click', async () => {
    const want = !liked;
    liked = want; likes += want ? 1 : -1; paint();
    try {
      const res = await api.likeComment(c.id, want);
      liked = res.liked; likes = res.like_count;
    } catch (err) {
      liked = !want; likes += want ? -1 : 1;
      toast(err.offline ? 'You’re offline — try liking again when you’re back online.' : api.describe(err));
    }
    paint();
  });
  return [h('span', { class: 'votes' }, upBtn, score, downBtn), likeBtn];
}

function editButton(c, body, slot) {
  const btn = h('button', { type: 'button', class: 'button button-small button-secondary' }, 'Edit');
  btn.addEventListener('click', () => {
    const id = `edit-${c.id}`;
    const text = h('textarea', { id, rows: 4, maxlength: 10000 });
    text.value = c.body_markdown || '';
    const err = h('p', { class: 'field-error', hidden: true });
    const form = h('form', { class: 'comment-form' }, h('label', { for: id }, 'Edit your comment'), text, err,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'button button-small' }, 'Save'),
        h('button', { type: 'button', class: 'button button-small button-secondary', onclick: () => slot.replaceChildren() }, 'Cancel')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const updated = await api.editComment(c.id, text.value);
        c.body_markdown = updated.body_markdown;
        markdown.show(body, markdown.sanitize(updated.body_html || ''));
        slot.replaceChildren();
        toast('Comment updated.');
      } catch (error) {
        err.textContent = api.describe(error); err.hidden = false;
      }
    });
    slot.replaceChildren(form);
    text.focus();
  });
  return btn;
}

function deleteButton(c, li, mine) {
  const label = mine ? 'Delete' : 'Remove';
  const btn = h('button', { type: 'button', class: 'button button-small button-secondary' }, label);
  let armed = false;
  btn.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      btn.textContent = `Yes, ${label.toLowerCase()} it`;
      setTimeout(() => { armed = false; btn.textContent = label; }, 5000);
      return;
    }
    btn.disabled = true;
    try {
      await api.deleteComment(c.id);
      const article = li.querySelector(':scope > article');
      if (li.querySelector(':scope > .comment-replies > li')) {
        // It stays as a tombstone while it has replies.
        article.querySelector('.comment-body').replaceChildren(h('p', { class: 'muted' }, mine ? 'This comment was deleted.' : 'This comment was removed.'));
        article.querySelector('.comment-actions').replaceChildren();
        article.querySelector('.comment-author').textContent = mine ? '[deleted]' : '[removed]';
      } else {
        li.remove();
      }
      toast(mine ? 'Comment deleted.' : 'Comment removed.');
    } catch (err) {
      btn.disabled = false;
      toast(api.describe(err));
    }
  });
  return btn;
}

function reportButton(c, slot, who) {
  const btn = h('button', { type: 'button', class: 'button button-small button-secondary', 'aria-label': `Report the comment by ${who}` }, 'Report');
  btn.addEventListener('click', () => {
    const id = `report-${c.id}`;
    const reason = h('input', { id, type: 'text', maxlength: 500, required: true });
    const err = h('p', { class: 'field-error', hidden: true });
    const form = h('form', { class: 'comment-form' }, h('label', { for: id }, 'Why should a moderator look at it?'), reason, err,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'button button-small' }, 'Send report'),
        h('button', { type: 'button', class: 'button button-small button-secondary', onclick: () => slot.replaceChildren() }, 'Cancel')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api.reportComment(c.id, reason.value);
        slot.replaceChildren();
        toast('Thank you — the moderators will look at it.');
      } catch (error) {
        err.textContent = api.describe(error); err.hidden = false;
      }
    });
    slot.replaceChildren(form);
    reason.focus();
  });
  return btn;
}

/** /comments/{id}: one comment and its thread, with the way back up. */
export async function render(main, ctx) {
  const id = Number(ctx.params.id);
  document.title = 'Comment thread · Inkwell';
  replace(main, h('p', { class: 'loading' }, 'Loading the thread…'));
  const sort = localStorage.getItem(SORT_KEY) || 'best';
  let thread;
  try {
    thread = await api.comment(id, { sort, depth: DEPTH });
  } catch (err) {
    if (!ctx.alive()) return;
    replace(main, h('h1', {}, err.status === 404 ? 'This comment does not exist' : 'The thread could not be opened'),
      errorBox(err, err.status === 404 ? null : () => render(main, ctx)),
      h('p', {}, h('a', { href: '/' }, 'Back to the feed')));
    return;
  }
  if (!ctx.alive()) return;
  const me = session.me() || await api.me().catch(() => null);
  const postAuthor = await api.post(thread.post_id).then((r) => r.post.author?.id).catch(() => null);
  if (!ctx.alive()) return;
  const state = { postId: thread.post_id, postAuthorId: postAuthor, me, sort };
  const parent = thread.ancestors?.length ? thread.ancestors[thread.ancestors.length - 1] : null;
  replace(main, h('section', { class: 'comment-thread' },
    h('h1', {}, 'Thread'),
    h('nav', { class: 'comment-path', 'aria-label': 'Where this thread sits' },
      h('a', { href: `/posts/${thread.post_id}` }, '← Back to the post'),
      parent ? h('a', { href: `/comments/${parent.id}` }, `↑ Up to ${parent.author?.name || 'the parent comment'}`) : null),
    thread.ancestors?.length ? h('ol', { class: 'comment-ancestors', 'aria-label': 'Earlier in this thread' },
      thread.ancestors.map((a) => h('li', {}, h('a', { href: `/comments/${a.id}` },
        a.status === 'visible' ? `${a.author?.name || 'Someone'}: ${(a.body_markdown || '').slice(0, 60)}` : '[deleted]')))) : null,
    h('ol', { class: 'comment-list' }, commentItem(thread, state))));
}
