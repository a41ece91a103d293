// My drafts: posts waiting on this device to be sent, and drafts on the server.
import { h, replace, toast } from '/static/dom.js';
import * as api from '/static/api.js';
import * as autosave from '/static/autosave.js';
import * as outbox from '/static/outbox.js';
import * as session from '/static/session.js';
import { errorBox, postCard } from '/static/views/common.js';

const STATE_TEXT = {
  queued: 'Waiting for a connection',
  sending: 'Sending…',
  uncertain: 'Waiting to be confirmed by the server',
  // (uncertain: an attempt may have reached the server; the retry uses the same key)
  sent: 'Sent',
  failed: 'Could not be saved',
};

export async function render(main, ctx) {
  document.title = 'My drafts · Inkwell';
  const pendingBox = h('section', { 'aria-labelledby': 'pending-h' });
  const serverBox = h('section', { 'aria-labelledby': 'server-h' }, h('p', { class: 'loading' }, 'Loading your drafts…'));
  replace(main, h('h1', {}, 'My drafts'), pendingBox, serverBox);

  const paintPending = async () => {
    const entries = await outbox.list();
    if (!ctx.alive()) return;
    if (!entries.length) { replace(pendingBox); return; }
    replace(pendingBox,
      h('h2', { id: 'pending-h' }, 'On this device, not sent yet'),
      h('ul', { class: 'post-list' }, entries.map((e) => h('li', { class: 'card', dataset: { outboxKey: e.key } },
        h('h3', {}, e.fields.title || 'Untitled'),
        h('p', {}, h('span', { class: 'badge' }, (e.op === 'update' ? 'Edit · ' : 'New post · ') + (STATE_TEXT[e.state] || e.state))),
        e.error ? h('p', { class: 'field-error' }, e.error) : null,
        h('div', { class: 'actions' },
          h('a', { class: 'button button-small button-secondary', href: e.op === 'update' ? `/posts/${e.postId}/edit` : `/write?queued=${encodeURIComponent(e.key)}` }, 'Open in editor'),
          h('button', { type: 'button', class: 'button button-small button-secondary', onclick: async () => {
            if (!confirm(`Delete “${e.fields.title || 'Untitled'}” from this device? It has not been sent.`)) return;
            await outbox.discard(e.key);
            paintPending();
          } }, 'Discard'))))),
      navigator.onLine ? h('button', { type: 'button', class: 'button button-small', onclick: async () => {
        const { sent } = await outbox.flush();
        if (sent.length) toast(sent.length === 1 ? `“${sent[0]?.title || 'Untitled'}” was sent.` : `${sent.length} sent.`);
        stop();
        render(main, ctx);
      } }, 'Send now') : null);
  };
  // Back online, the outbox is sent in the background: then the server's
  // list changed too, so the whole screen is read again.
  const onSent = () => { if (ctx.alive()) { stop(); render(main, ctx); } };
  window.addEventListener('inkwell:outbox-sent', onSent);
  const offChange = outbox.onChange(() => { if (ctx.alive()) paintPending(); });
  function stop() { offChange(); window.removeEventListener('inkwell:outbox-sent', onSent); }
  ctx.onLeave(stop);
  await paintPending();

  try {
    const me = session.me() || await api.me();
    const seen = new Map();
    try {
      for (const p of await api.myDrafts(me.id)) seen.set(p.id, p);
    } catch (err) {
      if (err.status === 401 || err.offline) throw err;
      // A server without draft listing: the device's own list still works.
    }
    for (const draftId of autosave.draftIds()) {
      if (seen.has(draftId)) continue;
      try {
        const { post } = await api.post(draftId);
        if (post.status === 'draft') seen.set(post.id, post); else autosave.noteDraft(draftId, false);
      } catch (err) {
        if (err.status === 404) autosave.noteDraft(draftId, false);
        else if (err.offline || err.status === 401) throw err;
      }
    }
    if (!ctx.alive()) return;
    const drafts = [...seen.values()].sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
    replace(serverBox,
      h('h2', { id: 'server-h' }, 'Saved drafts'),
      drafts.length
        ? h('ul', { class: 'post-list' }, drafts.map((p) => postCard(p, { href: `/posts/${p.id}/edit` })))
        : h('p', { class: 'empty' }, 'No drafts. Start one from Write.'));
  } catch (err) {
    if (!ctx.alive()) return;
    replace(serverBox, h('h2', { id: 'server-h' }, 'Saved drafts'), err.offline
      ? h('p', { class: 'alert alert-warn' }, 'Connect to the internet to see the drafts saved on the server.')
      : errorBox(err, () => render(main, ctx)));
  }
}
