// Live co-editing in the editor (docs/live.md): the post's text is shared
// with the author and the collaborators the author invited. Edits travel as
// ops over a WebSocket; collab.js transforms and applies them, keeps the
// selection and never breaks an IME composition. The socket reconnects with
// backoff and resends the edit in flight, which the server applies once.
import { LiveClient, bindTextarea, backoff } from '/static/collab.js';
import { request } from '/static/api.js';

const enc = encodeURIComponent;

/**
 * The live state {rev, text, collaborators, status}, or null if the caller
 * may not edit live. Live co-editing is for drafts: for another status the
 * text is the saved body and no session exists.
 */
export async function state(postId) {
  try {
    const { data } = await request('GET', `/api/v1/posts/${enc(postId)}/live/state`);
    return data;
  } catch (err) {
    if (err.status === 403 || err.status === 404) return null;
    throw err;
  }
}

/** The message shown when a publication ended the session. */
export const ENDED_MESSAGE = 'This post was published, and live co-editing is for drafts: the session has ended. Your text is kept here; you are now editing alone.';

/**
 * Binds textarea to the post's live text from st. status(text) reports the
 * connection; presence(editors) who has the post open; ended() is called
 * once when the session ends because the post is no longer a draft (the
 * textarea keeps its text; the caller switches to editing alone).
 * Returns stop().
 */
export function start(textarea, postId, st, { status = () => {}, presence = () => {}, ended = () => {} } = {}) {
  const clientId = 'c' + crypto.randomUUID().replaceAll('-', '').slice(0, 20);
  let ws = null;
  let stopped = false;
  let attempt = 0;
  let timer = null;
  let resyncing = null; // a resync in progress (a promise)
  const send = (m) => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'op', ...m })); };
  const client = new LiveClient({ rev: st.rev, text: st.text, clientId, send });
  textarea.value = st.text;
  const remote = bindTextarea(textarea, client);

  const sendCursor = () => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const v = textarea.value;
    const pos = [...v.slice(0, textarea.selectionStart)].length;
    const end = [...v.slice(0, textarea.selectionEnd)].length;
    ws.send(JSON.stringify({ type: 'cursor', client_id: clientId, pos, end }));
  };
  let cursorTimer = null;
  const cursorSoon = () => { clearTimeout(cursorTimer); cursorTimer = setTimeout(sendCursor, 150); };
  textarea.addEventListener('select', cursorSoon);
  textarea.addEventListener('keyup', cursorSoon);
  textarea.addEventListener('click', cursorSoon);

  async function connect() {
    if (stopped) return;
    if (resyncing) await resyncing;
    if (stopped) return;
    status('Connecting…');
    let ticket;
    try {
      ({ data: { ticket } } = await request('POST', `/api/v1/posts/${enc(postId)}/live/ticket`));
    } catch (err) {
      if (err.status === 403 || err.status === 404) { status('You can no longer edit this post.'); return; }
      if (err.status === 409) { end(); return; } // not a draft any more
      retry();
      return;
    }
    if (stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(`${scheme}//${location.host}/api/v1/posts/${enc(postId)}/live?ticket=${enc(ticket)}&since=${client.rev}`);
    ws.onopen = () => {
      attempt = 0;
      status('Live: your edits are shared as you type.');
      client.resend();
      sendCursor();
    };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      if (m.type === 'op') {
        try { remote(m); } catch { ws.close(); } // a gap: reconnect from client.rev
      } else if (m.type === 'presence') {
        presence(m.editors || []);
      } else if (m.type === 'error') {
        refused(m);
      }
    };
    ws.onclose = () => { ws = null; if (!stopped) retry(); };
  }

  // The server refused the op in flight (m.seq) or, before closing, the
  // stream itself. Nothing is left stuck: the op is sent again, or the
  // client starts over from the live state with its edits rebased.
  function refused(m) {
    if (m.code === 'conflict' && m.fields && m.fields.status) { end(); return; } // published: the session ended
    const mine = m.seq !== undefined && client.inflight && m.seq === client.inflight.seq;
    if (m.seq !== undefined && !mine) return; // about an op already dealt with
    if (m.code === 'rate_limited') {
      status('Typing faster than the server takes; sending again shortly…');
      setTimeout(() => { if (!stopped) client.resend(); }, Math.max(1, m.retry_after || 1) * 1000);
    } else if (m.code === 'unavailable') {
      setTimeout(() => { if (!stopped) client.resend(); }, backoff(2));
    } else if (m.code === 'forbidden' || m.code === 'not_found' || m.code === 'unauthorized') {
      stopped = true;
      status('You can no longer edit this post.');
      if (ws) ws.close(1000);
    } else {
      // conflict (this copy's revision is older than the op log, or ahead
      // of a restarted session), or an op the server cannot apply.
      resync({
        applied: !!(m.fields && m.fields.seq),
        discard: mine && m.code === 'validation_failed',
        why: m.message,
      });
    }
  }

  // Reloads the live state, rebases the edits not yet sequenced onto it
  // (collab.js resync) and reconnects from its revision. connect() waits
  // for it.
  function resync({ applied, discard, why }) {
    if (resyncing) return resyncing;
    status('Catching up with the others…');
    resyncing = (async () => {
      for (let n = 1; !stopped; n++) {
        let fresh;
        try {
          fresh = await state(postId);
        } catch {
          await new Promise((r) => setTimeout(r, backoff(n)));
          continue;
        }
        if (!fresh) { stopped = true; status('You can no longer edit this post.'); return; }
        if (fresh.status && fresh.status !== 'draft') { end(); return; }
        await remote.resync(fresh, { applied, discard });
        if (discard) status('The server refused an edit (' + why + '); the text was reloaded.');
        return;
      }
    })().finally(() => {
      resyncing = null;
      attempt = 0;
      if (ws) ws.close(); // the stream restarts from the new revision
    });
    return resyncing;
  }
  // The post stopped being a draft (published): no more live edits. The
  // textarea keeps what this editor has, sent or not.
  function end() {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener('online', online);
    if (ws) ws.close(1000);
    status(ENDED_MESSAGE);
    ended();
  }
  function retry() {
    attempt += 1;
    status('Connection lost; reconnecting…');
    timer = setTimeout(connect, backoff(attempt));
  }
  const online = () => { if (!ws && !stopped) { clearTimeout(timer); connect(); } };
  window.addEventListener('online', online);
  connect();
  return {
    client,
    stop() {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener('online', online);
      if (ws) ws.close(1000);
    },
  };
}
