// The Inkwell API (docs/api.md). Every call carries the bearer token;
// failures become ApiError with the envelope's readable message and fields.
import * as session from '/static/session.js';
import * as renewal from '/static/renew.js';

/** Where the sign-in side of the server lives (outside /api/v1, public). */
export const AUTH_CONFIG_PATH = '/auth/config';
export const DEV_LOGIN_PATH = '/auth/dev-login';

/** An API failure a person can read. status 0 means the network failed. */
export class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields || null;
  }
  get offline() { return this.status === 0 || this.code === 'offline'; }
}

const FIELD_NAMES = { title: 'Title', body_markdown: 'Text', tags: 'Tags', status: 'Status', name: 'Name' };

/** A one-line explanation, including field problems. */
export function describe(err) {
  if (!(err instanceof ApiError)) return 'Something went wrong: ' + (err?.message || String(err));
  if (!err.fields) return err.message;
  const parts = Object.entries(err.fields).map(([f, why]) => `${FIELD_NAMES[f] || f}: ${why}`);
  return `${err.message} — ${parts.join('; ')}`;
}

/**
 * request(method, path, {body, headers}) → {data, status, headers, fromCache}.
 * A 401 on a signed-in call first tries one silent renewal of a Google
 * token and, with a new token, sends the request once more; otherwise it
 * ends the session ('expired'): the app goes back to sign-in while the
 * editor's text stays saved on the device.
 */
export async function request(method, path, { body, headers = {}, auth = true, token = '', renewed = false } = {}) {
  const h = { Accept: 'application/json', ...headers };
  const tok = token || (auth ? session.token() : '');
  if (tok) h.Authorization = `Bearer ${tok}`;
  const init = { method, headers: h, credentials: 'omit' };
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', navigator.onLine
      ? 'The server could not be reached. Check your connection and try again.'
      : 'You’re offline.');
  }
  let data = null;
  if ((res.headers.get('Content-Type') || '').includes('json')) {
    data = await res.json().catch(() => null);
  }
  if (!res.ok) {
    const e = data && data.error;
    const err = new ApiError(res.status, e?.code || `http_${res.status}`,
      e?.message || `The server answered ${res.status}${res.statusText ? ' ' + res.statusText : ''}.`,
      e?.fields);
    // A candidate token (sign-in) being refused is not an expired session.
    if (res.status === 401 && tok && !token) {
      if (!renewed && await renewal.renew()) return request(method, path, { body, headers, auth, renewed: true });
      // Only the session this request was sent with has expired.
      if (session.token() === tok) session.end('expired');
    }
    throw err;
  }
  return { data, status: res.status, headers: res.headers, fromCache: res.headers.get('X-Inkwell-Cache') === 'hit' };
}

export const get = (path) => request('GET', path);

/** The signed-in user (docs/api.md Identity). */
export async function me() {
  const { data } = await get('/api/v1/me');
  session.rememberMe(data);
  return data;
}

/** Who a freshly obtained token signs in as; the server validates it here. */
export async function whoIs(token) {
  const { data } = await request('GET', '/api/v1/me', { token });
  return data;
}

/** One page of the feed: {items, next_cursor}. */
export async function feed({ cursor = '', tag = '', author = '', limit = 20 } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (cursor) q.set('cursor', cursor);
  if (tag) q.set('tag', tag);
  if (author) q.set('author', String(author));
  const { data, fromCache } = await get(`/api/v1/posts?${q}`);
  return { ...data, fromCache };
}

/**
 * The caller's drafts: GET /api/v1/posts?status=draft (an extension of
 * docs/api.md's published-only feed). Items are filtered here too, so an older
 * server that ignores the parameter never makes a published post look like
 * a draft.
 */
export async function myDrafts(meId) {
  const q = new URLSearchParams({ limit: '100', author: String(meId), status: 'draft' });
  const { data } = await get(`/api/v1/posts?${q}`);
  return (data?.items || []).filter((p) => p.status === 'draft' && p.author?.id === meId);
}

export async function post(id) {
  const { data, fromCache } = await get(`/api/v1/posts/${encodeURIComponent(id)}`);
  return { post: data, fromCache };
}

/** Creates a post; a repeat with the same idempotencyKey answers the first post (no duplicate). */
export async function createPost(fields, idempotencyKey) {
  const headers = idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {};
  const { data } = await request('POST', '/api/v1/posts', { body: fields, headers });
  return data;
}

export async function updatePost(id, fields) {
  const { data } = await request('PATCH', `/api/v1/posts/${encodeURIComponent(id)}`, { body: fields });
  return data;
}

/** Deletes a post (its author only). */
export async function deletePost(id) {
  await request('DELETE', `/api/v1/posts/${encodeURIComponent(id)}`);
}

/**
 * Copies the post's external images and videos into its author's library
 * (folder backup/{id}): {found, copied, already, failed: [{url, reason}]}.
 */
export async function mediaBackup(id) {
  const { data } = await request('POST', `/api/v1/posts/${encodeURIComponent(id)}/media-backup`);
  return data;
}

export async function setLike(id, liked) {
  const { data } = await request(liked ? 'PUT' : 'DELETE', `/api/v1/posts/${encodeURIComponent(id)}/like`);
  return data;
}

/** {google_client_id, dev_login_enabled} — public. */
export async function authConfig() {
  const { data } = await request('GET', AUTH_CONFIG_PATH, { auth: false });
  return data || {};
}

/** Development sign-in as a named local user → token. */
export async function devLogin(name) {
  const { data } = await request('POST', DEV_LOGIN_PATH, { body: { name }, auth: false });
  const tok = data?.token || data?.id_token || data?.access_token;
  if (!tok) throw new ApiError(500, 'bad_response', 'The sign-in answer had no token.');
  return tok;
}

/** A folder of my media library: {folders, items, next_cursor}. */
export async function media({ folder = '', cursor = '', limit = 60 } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (folder) q.set('folder', folder);
  if (cursor) q.set('cursor', cursor);
  const { data } = await get(`/api/v1/media?${q}`);
  return data;
}

/** Renames and/or moves a media item: fields {name?, folder?}. */
export async function updateMedia(id, fields) {
  const { data } = await request('PATCH', `/api/v1/media/${encodeURIComponent(id)}`, { body: fields });
  return data;
}

export async function deleteMedia(id) {
  await request('DELETE', `/api/v1/media/${encodeURIComponent(id)}`);
}

// Comments (API.md "Comments").
const enc = encodeURIComponent;

/** A page of a post's comments: {items, next_cursor, fromCache}. */
export async function comments(postId, { sort = 'best', limit = 20, depth = 3, cursor = '' } = {}) {
  const q = new URLSearchParams({ sort, limit: String(limit), depth: String(depth) });
  if (cursor) q.set('cursor', cursor);
  const { data, fromCache } = await get(`/api/v1/posts/${enc(postId)}/comments?${q}`);
  return { ...data, fromCache };
}

/** One comment with its replies and ancestors. */
export async function comment(id, { sort = 'best', depth = 3 } = {}) {
  const q = new URLSearchParams({ sort, depth: String(depth) });
  const { data, fromCache } = await get(`/api/v1/comments/${enc(id)}?${q}`);
  return { ...data, fromCache };
}

/** A page of a comment's direct replies. */
export async function replies(id, { sort = 'best', limit = 20, depth = 0, cursor = '' } = {}) {
  const q = new URLSearchParams({ sort, limit: String(limit), depth: String(depth) });
  if (cursor) q.set('cursor', cursor);
  const { data } = await get(`/api/v1/comments/${enc(id)}/replies?${q}`);
  return data;
}

/** Writes a comment; a repeat with the same idempotencyKey answers the first (no duplicate). */
export async function createComment(postId, input, idempotencyKey) {
  const headers = idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {};
  const { data } = await request('POST', `/api/v1/posts/${enc(postId)}/comments`, { body: input, headers });
  return data;
}

export async function editComment(id, body) {
  const { data } = await request('PATCH', `/api/v1/comments/${enc(id)}`, { body: { body_markdown: body } });
  return data;
}

export async function deleteComment(id) {
  await request('DELETE', `/api/v1/comments/${enc(id)}`);
}

/** {up_count, down_count, my_vote} */
export async function voteComment(id, value) {
  const { data } = await request('PUT', `/api/v1/comments/${enc(id)}/vote`, { body: { value } });
  return data;
}

/** {liked, like_count} */
export async function likeComment(id, liked) {
  const { data } = await request(liked ? 'PUT' : 'DELETE', `/api/v1/comments/${enc(id)}/like`);
  return data;
}

export async function reportComment(id, reason) {
  await request('POST', `/api/v1/comments/${enc(id)}/reports`, { body: { reason } });
}
