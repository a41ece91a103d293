// Media uploads: sent with progress (XMLHttpRequest reports upload
// progress, fetch does not), and queued on the device while offline. The
// queue lives in its own IndexedDB database, one list per signed-in user:
// files picked offline are kept as Blobs and go when the connection returns.
// Each queued file carries an Idempotency-Key; uploads are content-addressed
// on the server, so a resend whose first answer was lost finds the item the
// first attempt made.
import * as session from '/static/session.js';
import { ApiError } from '/static/api.js';

const DB = 'inkwell-media';
const STORE = 'uploads';
const listeners = new Set();

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const r = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(r?.result);
      t.onerror = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

function userId() { return session.me()?.id ?? null; }

/** This user's queued uploads, oldest first. */
export async function queued() {
  const me = userId();
  const all = (await tx('readonly', (s) => s.getAll())) || [];
  return all.filter((e) => e.user === me).sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
}

/** Queues files for folder (sent by flush when online). */
export async function enqueue(files, folder) {
  const me = userId();
  for (const file of files) {
    const entry = { key: crypto.randomUUID(), user: me, blob: file, filename: file.name, folder, queuedAt: new Date().toISOString() };
    await tx('readwrite', (s) => s.put(entry));
  }
  emit({ type: 'queued' });
}

/** Drops every queued upload of every user (sign-out of a shared device). */
export async function clear() { await tx('readwrite', (s) => s.clear()); emit({ type: 'queued' }); }

/** fn({type: 'progress'|'done'|'failed'|'queued', key, loaded, total, item, error}). */
export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
function emit(ev) { for (const fn of listeners) fn(ev); }

/** Uploads one file now: resolves with the media item, reports progress. */
export function send(blob, filename, folder, key, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    if (folder) form.append('folder', folder);
    form.append('name', filename);
    form.append('file', blob, filename);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/media');
    xhr.setRequestHeader('Authorization', 'Bearer ' + session.token());
    xhr.setRequestHeader('Accept', 'application/json');
    if (key) xhr.setRequestHeader('Idempotency-Key', key);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress?.(e.loaded, e.total); };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload could not reach the server.'));
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) { resolve(data); return; }
      const e = data?.error;
      if (xhr.status === 401) session.end('expired');
      reject(new ApiError(xhr.status, e?.code || `http_${xhr.status}`, e?.message || `The server answered ${xhr.status}.`, e?.fields));
    };
    xhr.send(form);
  });
}

let flushing = null;

/** Sends this user's queued uploads, one at a time; stops when offline. */
export function flush() {
  if (flushing) return flushing;
  flushing = (async () => {
    for (const entry of await queued()) {
      if (!navigator.onLine) break;
      try {
        const item = await send(entry.blob, entry.filename, entry.folder, entry.key,
          (loaded, total) => emit({ type: 'progress', key: entry.key, loaded, total }));
        await tx('readwrite', (s) => s.delete(entry.key));
        emit({ type: 'done', key: entry.key, item });
      } catch (err) {
        if (err instanceof ApiError && (err.offline || err.status >= 500 || err.status === 401)) break;
        // Refused (type, size): drop it and say why.
        await tx('readwrite', (s) => s.delete(entry.key));
        emit({ type: 'failed', key: entry.key, filename: entry.filename, error: err });
      }
    }
  })().finally(() => { flushing = null; });
  return flushing;
}
