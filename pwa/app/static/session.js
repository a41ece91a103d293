// The signed-in session: the bearer token the API wants and who it belongs
// to. Kept in localStorage so the app opens signed in (and offline).

const KEY = 'inkwell.session';
const listeners = new Set();

function read() {
  try { return JSON.parse(localStorage.getItem(KEY)) || null; } catch { return null; }
}

/** The current session {token, kind: 'google'|'dev', me?} or null. */
export function current() { return read(); }

/** The bearer token, or ''. */
export function token() { return read()?.token || ''; }

/**
 * Starts a session with a token obtained from Google or the dev sign-in.
 * me (the /api/v1/me answer) is stored before anyone hears of the new
 * session, so what runs on 'start' (sending the outbox) knows whose it is.
 */
export function start(token, kind, me = null) {
  const s = { token, kind, startedAt: new Date().toISOString() };
  if (me) s.me = me;
  localStorage.setItem(KEY, JSON.stringify(s));
  emit('start');
}

/** Replaces the token of the current session (a silent renewal). */
export function renewed(token) {
  const s = read();
  if (!s) return;
  s.token = token;
  s.renewedAt = new Date().toISOString();
  localStorage.setItem(KEY, JSON.stringify(s));
  emit('renewed');
}

/** Remembers the profile of the signed-in user (for offline use). */
export function rememberMe(me) {
  const s = read();
  if (!s) return;
  s.me = me;
  localStorage.setItem(KEY, JSON.stringify(s));
}

/** The remembered profile, or null. */
export function me() { return read()?.me || null; }

/** Ends the session; reason 'expired' (the API said 401) or 'signout'. */
export function end(reason) {
  const had = !!read();
  localStorage.removeItem(KEY);
  if (had) emit(reason);
}

/** Calls fn(event) on 'start', 'renewed', 'expired' and 'signout'. */
export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

function emit(event) { for (const fn of listeners) fn(event); }
