// Comments written offline. A comment (or reply) written while offline, or
// whose request failed on the network, is queued in IndexedDB and sent when
// the connection returns — once, and only by the person who wrote it.
//
// Per user: every entry records the id of the signed-in user who wrote it,
// and a flush sends only the entries of the user signed in now. Someone else
// signing in on the same device neither sends nor sees another person's
// queued comments; they wait until their author signs in again.
//
// Once: each entry has a client key (UUID) sent as the Idempotency-Key of
// POST /api/v1/posts/{id}/comments. The server keeps (user, key) → comment,
// so a create whose answer was lost is simply sent again and answers the
// same comment. One tab sends at a time (Web Locks), one flush per tab.
import * as api from '/static/api.js';
import * as session from '/static/session.js';

const DB = 'inkwell-comments';
const STORE = 'outbox';
const listeners = new Set();

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      const store = req.result.createObjectStore(STORE, { keyPath: 'key' });
      store.createIndex('userId', 'userId');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      let out;
      Promise.resolve(fn(t.objectStore(STORE))).then((v) => { out = v; });
      t.oncomplete = () => resolve(out);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

const reqP = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });

/** The id of the signed-in user, or null (then nothing is queued or sent). */
function currentUser() { return session.me()?.id ?? null; }

/** The entries of userId (default: the signed-in user), oldest first. */
export async function list(userId = currentUser()) {
  if (userId == null) return [];
  const all = await tx('readonly', (s) => reqP(s.index('userId').getAll(userId)));
  return (all || []).sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}

async function put(entry) { await tx('readwrite', (s) => reqP(s.put(entry))); emit(); }
async function remove(key) { await tx('readwrite', (s) => reqP(s.delete(key))); emit(); }

export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

/** Dispatched on window after a flush sent comments; detail: the comments. */
export const SENT_EVENT = 'inkwell:comments-sent';
function emit() { for (const fn of listeners) fn(); }

/**
 * Queues the signed-in user's comment on postId (a reply when parentId).
 * key is the Idempotency-Key an online attempt was already sent with.
 */
export async function enqueue({ postId, parentId = null, body, key = null }) {
  const userId = currentUser();
  if (userId == null) throw new Error('not signed in');
  const entry = {
    key: key || crypto.randomUUID(),
    userId,
    postId,
    parentId,
    body,
    queuedAt: new Date().toISOString(),
    // queued | failed (the server refused it; error says why)
    state: 'queued',
    error: null,
  };
  await put(entry);
  return entry;
}

/** Drops a queued comment (its author discarded it). */
export async function discard(key) { await remove(key); }

let flushing = null;

/**
 * Sends the signed-in user's queued comments. Returns {sent: [comment…],
 * failed: n}. Other users' entries are never touched.
 */
export function flush() {
  if (flushing) return flushing;
  const userId = currentUser();
  if (userId == null || !session.token()) return Promise.resolve({ sent: [], failed: 0 });
  const run = () => (navigator.locks
    ? navigator.locks.request('inkwell-comments-outbox', () => flushUser(userId))
    : flushUser(userId));
  flushing = run().finally(() => { flushing = null; });
  return flushing;
}

async function flushUser(userId) {
  const sent = [];
  let failed = 0;
  for (const entry of await list(userId)) {
    if (!navigator.onLine) break;
    // The session may have changed while we were sending.
    if (currentUser() !== userId) break;
    if (entry.state === 'failed') { failed++; continue; }
    try {
      const input = { body_markdown: entry.body };
      if (entry.parentId) input.parent_id = entry.parentId;
      sent.push(await api.createComment(entry.postId, input, entry.key));
      await remove(entry.key);
    } catch (err) {
      if (err instanceof api.ApiError && (err.offline || err.status === 401 || err.status >= 500)) break;
      entry.state = 'failed';
      entry.error = api.describe(err);
      await put(entry);
      failed++;
    }
  }
  if (sent.length) window.dispatchEvent(new CustomEvent(SENT_EVENT, { detail: sent }));
  return { sent, failed };
}
