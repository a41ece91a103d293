// Keeps a Google session alive. Google ID tokens live an hour; shortly
// before this one expires (and once when the API answers 401) the app asks
// Google Identity Services for a fresh one without any prompt — One Tap's
// automatic sign-in for a returning user — and swaps it in. Nothing
// navigates, so whatever is being typed stays where it is. When Google
// cannot renew silently, the 401 ends the session as before (the editor's
// text is kept on the device).
import * as session from '/static/session.js';
import * as gis from '/static/gis.js';

/** Renew this long before the token expires. */
export const MARGIN_MS = 5 * 60 * 1000;
/** Give up waiting for Google after this long. */
const WAIT_MS = 15000;

let pending = null;
let timer = null;

/** The JWT's claims, or null (the signature is the server's business). */
export function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return null;
  }
}

async function clientId() {
  const res = await fetch('/auth/config', { headers: { Accept: 'application/json' }, credentials: 'omit' });
  if (!res.ok) return '';
  return (await res.json()).google_client_id || '';
}

/**
 * Asks Google for a new ID token for the same person; resolves to it (and
 * stores it in the session), or to '' when none came. One renewal at a
 * time: concurrent callers share it.
 */
export function renew() {
  const s = session.current();
  if (!s || s.kind !== 'google') return Promise.resolve('');
  pending ??= (async () => {
    const id = await clientId();
    if (!id) return '';
    await gis.load();
    const credential = await new Promise((resolve) => {
      const give = setTimeout(() => resolve(''), WAIT_MS);
      const done = (v) => { clearTimeout(give); resolve(v); };
      window.google.accounts.id.initialize({
        client_id: id,
        auto_select: true,
        use_fedcm_for_prompt: true,
        callback: (resp) => done(resp?.credential || ''),
      });
      window.google.accounts.id.prompt((n) => {
        if (n?.isNotDisplayed?.() || n?.isSkippedMoment?.() || n?.isDismissedMoment?.()) done('');
      });
    });
    // Google may offer another account on this browser: never switch
    // people silently.
    const before = claims(s.token);
    const after = credential && claims(credential);
    if (!after || (before?.sub && after.sub !== before.sub)) return '';
    if (session.current()?.token !== s.token) return session.token(); // renewed meanwhile
    session.renewed(credential);
    return credential;
  })().catch(() => '').finally(() => { pending = null; });
  return pending;
}

/** Plans the next renewal for the current token (call after every change). */
export function schedule() {
  clearTimeout(timer);
  const s = session.current();
  if (!s || s.kind !== 'google') return;
  const exp = (claims(s.token)?.exp || 0) * 1000;
  if (!exp) return;
  timer = setTimeout(() => { renew(); }, Math.max(0, exp - MARGIN_MS - Date.now()));
}

/** Renews at once when the app returns after sleeping past the margin. */
export function renewIfDue() {
  const s = session.current();
  if (!s || s.kind !== 'google') return;
  const exp = (claims(s.token)?.exp || 0) * 1000;
  if (exp && exp - MARGIN_MS <= Date.now()) renew();
}
