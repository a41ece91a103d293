// A stand-in for Google at the edge of the world: an RSA key whose JWKS is
// served on a local port (the server's GOOGLE_CERTS_URL) and Google-shaped
// ID tokens signed with it. The browser's Google Identity Services script is
// replaced (page.route) by a tiny one with the same API surface the app uses.
import { createServer } from 'node:http';
import { generateKeyPairSync, sign, randomBytes } from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

export async function startFakeGoogle(clientId) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'e2e-' + randomBytes(4).toString('hex');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=3600' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const certsURL = `http://127.0.0.1:${server.address().port}/certs`;
  return {
    certsURL,
    /** An ID token as Google would issue for this client. */
    idToken({ sub, email, name, picture, ttl = 3600 }) {
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', kid, typ: 'JWT' };
      const claims = { iss: 'https://accounts.google.com', aud: clientId, azp: clientId, sub, email,
        email_verified: true, name, picture, iat: now, exp: now + ttl };
      const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      return `${signingInput}.${b64url(sign('sha256', Buffer.from(signingInput), privateKey))}`;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/**
 * The GIS client stand-in: initialize() keeps the callback, renderButton()
 * draws a button that "signs in" with the given credential. prompt() is
 * One Tap: with auto_select and a credential the test put in
 * window.__gisNextCredential (a returning user Google recognises), it
 * calls back with it without any click, as Google's automatic sign-in
 * does; otherwise it reports that nothing was displayed.
 */
export function gisScript(credential) {
  return `window.google = { accounts: { id: {
    initialize(options) { window.__gisOptions = options; },
    renderButton(el) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Sign in with Google';
      b.addEventListener('click', () => window.__gisOptions.callback({ credential: ${JSON.stringify(credential)}, select_by: 'btn' }));
      el.append(b);
    },
    prompt(listener) {
      const next = window.__gisNextCredential;
      if (next && window.__gisOptions && window.__gisOptions.auto_select) {
        window.__gisNextCredential = null;
        window.__gisSilentGrants = (window.__gisSilentGrants || 0) + 1;
        setTimeout(() => window.__gisOptions.callback({ credential: next, select_by: 'auto' }), 0);
        return;
      }
      if (listener) listener({ isNotDisplayed: () => true, isSkippedMoment: () => false, isDismissedMoment: () => false });
    },
    disableAutoSelect() { window.__gisAutoSelectDisabled = true; },
  } } };`;
}
