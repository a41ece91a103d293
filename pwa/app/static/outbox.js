// Offline writes. A post created or edited while offline (or while the
// server cannot be reached) is queued in IndexedDB and sent when the
// connection returns.
//
// No duplicates on retry: each queued create has a client key (UUID) sent as
// the Idempotency-Key header of POST /api/v1/posts. The server records the
// key with the post it creates, and a repeat with the same key answers that
// post instead of creating another — so a create whose answer was lost (the
// request reached the server, the connection dropped) is simply sent again.
// The entry also stores the created id as soon as an answer arrives, and
// only one tab sends at a time (Web Locks). Edits are PATCHes of every field:
// idempotent, simply retried.
//
// The outbox belongs to its user: every entry records the id of the user
// who wrote it, and only the signed-in user's entries are listed, sent or
// cleared. When a session expires and someone else signs in on the same
// device, the previous user's entries are neither sent with the new
// user's token nor shown to them; they go when their owner signs in again.
// Entries queued before owners were recorded have none and are never sent
// automatically (nobody can tell whose they are).
import * as api from '/static/api.js';
import * as autosave from '/static/autosave.js';
import * as session from '/static/session.js';

const DB = 'inkwell';
const STORE = 'outbox';
const changeListeners = new Set();

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(STORE, { keyPath: 'key' });
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
      const store = t.objectStore(STORE);
      let out;
      Promise.resolve(fn(store)).then((v) => { out = v; });
      t.oncomplete = () => resolve(out);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

const reqP = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });

/** The signed-in user's id, or null when nobody (known) is signed in. */
function currentOwner() {
  if (!session.token()) return null;
  const id = session.me()?.id;
  return id == null ? null : id;
}

/** The signed-in user's id, asking the server when the device does not know it yet. */
async function resolveOwner() {
  const known = currentOwner();
  if (known != null || !session.token()) return known;
  try {
    return (await api.me()).id;
  } catch {
    return null;
  }
}

async function all() {
  return (await tx('readonly', (s) => reqP(s.getAll()))) || [];
}

/** The signed-in user's queued entries, oldest first (none when signed out). */
export async function list() {
  const owner = currentOwner();
  if (owner == null) return [];
  return (await all()).filter((e) => e.owner === owner).sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}

async function put(entry) { await tx('readwrite', (s) => reqP(s.put(entry))); emitChange(); }
async function remove(key) { await tx('readwrite', (s) => reqP(s.delete(key))); emitChange(); }

/** Removes the signed-in user's entries (sign-out); other users' stay theirs. */
export async function clear() {
  const mine = await list();
  await tx('readwrite', (s) => Promise.all(mine.map((e) => reqP(s.delete(e.key)))));
  emitChange();
}

export function onChange(fn) { changeListeners.add(fn); return () => changeListeners.delete(fn); }
function emitChange() { for (const fn of changeListeners) fn(); }

/**
 * Queues a create (postId null) or an edit. An edit of a post that is itself
 * still queued updates that entry, so the post is created once with the
 * latest text; a newer edit of a post replaces its older queued edit. key is
 * the Idempotency-Key a create was already sent with, if any. Returns the entry.
 */
export async function enqueue({ postId = null, localKey = null, fields, uncertain = false, key = null }) {
  const owner = await resolveOwner();
  if (owner == null) {
    // Never queue text nobody owns: it could be sent as someone else's.
    // The editor keeps it (autosave) until the writer signs in.
    throw new api.ApiError(401, 'unauthorized', 'Sign in again to keep this on the device.');
  }
  const now = new Date().toISOString();
  if (postId) {
    // A newer edit of a post replaces its older queued edit: PATCH carries
    // every field, so only the latest text needs to travel.
    const existing = (await list()).find((e) => e.op === 'update' && e.postId === postId);
    if (existing) {
      existing.fields = fields;
      existing.updatedAt = now;
      existing.state = 'queued';
      existing.error = null;
      await put(existing);
      return existing;
    }
  }
  if (localKey) {
    const existing = (await list()).find((e) => e.key === localKey);
    if (existing && !existing.createdId) {
      existing.fields = fields;
      existing.updatedAt = now;
      if (existing.state === 'failed') existing.state = 'queued';
      await put(existing);
      return existing;
    }
  }
  const entry = {
    // A create that was already tried online keeps the key it was sent with.
    key: key || crypto.randomUUID(),
    owner,
    op: postId ? 'update' : 'create',
    postId,
    fields,
    queuedAt: now,
    updatedAt: now,
    // queued | sending | uncertain (may have reached the server) | failed
    state: uncertain && !postId ? 'uncertain' : 'queued',
    createdId: null,
    error: null,
  };
  await put(entry);
  return entry;
}

/** One of the signed-in user's entries by key, or null. */
export async function getEntry(key) {
  const e = (await tx('readonly', (s) => reqP(s.get(key)))) || null;
  return e && e.owner === currentOwner() ? e : null;
}

/** Drops one of the signed-in user's entries (the person discarded it). */
export async function discard(key) {
  if (await getEntry(key)) await remove(key);
}

let flushing = null;

/**
 * Sends every queued entry. Returns {sent: [post…], failed: n}. Safe to call
 * often: one flush at a time per tab, one tab at a time via Web Locks.
 */
export function flush() {
  if (flushing) return flushing;
  const run = async () => {
    if (navigator.locks) {
      return navigator.locks.request('inkwell-outbox', () => flushAll());
    }
    return flushAll();
  };
  flushing = run().finally(() => { flushing = null; });
  return flushing;
}

async function flushAll() {
  const sent = [];
  let failed = 0;
  const owner = currentOwner();
  for (const entry of await list()) {
    if (!navigator.onLine) break;
    // Another tab may have switched users mid-flush: never send an entry
    // with anyone else's token.
    if (entry.owner !== owner || currentOwner() !== owner) break;
    if (entry.state === 'failed') { failed++; continue; }
    try {
      const post = await send(entry);
      autosave.noteDraft(post.id, post.status === 'draft');
      sent.push(post);
      await remove(entry.key);
    } catch (err) {
      if (err instanceof api.ApiError && err.offline) {
        // The request may have left the device: decide on the next try.
        entry.state = entry.op === 'create' ? 'uncertain' : 'queued';
        await put(entry);
        break;
      }
      if (err instanceof api.ApiError && (err.status === 401 || err.status >= 500)) {
        // Signed out or the server is struggling: keep it, try later.
        entry.state = entry.state === 'sending' ? 'uncertain' : entry.state;
        await put(entry);
        break;
      }
      // The server refused it (validation, forbidden…): keep the text and
      // show the reason; the person fixes it in the editor.
      entry.state = 'failed';
      entry.error = api.describe(err);
      await put(entry);
      failed++;
    }
  }
  return { sent, failed };
}

async function send(entry) {
  if (entry.op === 'update') {
    return api.updatePost(entry.postId, entry.fields);
  }
  if (entry.createdId) {
    // The server created it already and its answer reached us.
    return api.updatePost(entry.createdId, entry.fields);
  }
  entry.state = 'sending';
  await put(entry);
  // The same key on every attempt: the server answers the post an earlier,
  // unanswered attempt made.
  const post = await api.createPost(entry.fields, entry.key);
  entry.createdId = post.id;
  entry.state = 'sent';
  await put(entry);
  return post;
}
