// Sign in: Google Identity Services when the server has a Google client id,
// and the development sign-in when the server enables it.
import { h, replace } from '/static/dom.js';
import * as api from '/static/api.js';
import * as session from '/static/session.js';
import * as gis from '/static/gis.js';

/** Only same-app paths are followed after sign-in (no open redirect). */
function safeNext(raw) {
  return raw && raw.startsWith('/') && !raw.startsWith('//') && !raw.startsWith('/signin') ? raw : '/';
}

export async function render(main, ctx) {
  document.title = 'Sign in · Inkwell';
  const next = safeNext(ctx.query.get('next'));
  const status = h('div', { 'aria-live': 'polite' });
  const methods = h('div', {}, h('p', { class: 'loading' }, 'Loading sign-in options…'));
  replace(main, h('section', { class: 'signin' },
    h('img', { src: document.querySelector('link[rel="apple-touch-icon"]').href, alt: '', width: 72, height: 72 }),
    h('h1', {}, 'Sign in to Inkwell'),
    h('p', { class: 'hint' }, 'Write markdown posts, read your community, like what you enjoy.'),
    ctx.query.get('expired') ? h('p', { class: 'alert alert-warn', role: 'alert' },
      'Your session has expired. Sign in again — anything you were writing is still saved on this device.') : null,
    status,
    methods));

  const finish = async (token, kind) => {
    let me;
    try {
      me = await api.whoIs(token);
    } catch (err) {
      if (ctx.alive()) {
        replace(status, h('p', { class: 'alert alert-error', role: 'alert' },
          (err.status === 401 ? 'The server did not accept this sign-in: ' : 'Signing in failed: ') + api.describe(err)));
      }
      return;
    }
    session.start(token, kind, me);
    if (ctx.alive()) ctx.navigate(next, { replace: true });
  };

  let config;
  try {
    config = await api.authConfig();
  } catch (err) {
    if (!ctx.alive()) return;
    replace(methods, h('p', { class: 'alert alert-error', role: 'alert' },
      err.offline ? 'You’re offline. Connect to the internet to sign in.' : 'Sign-in is unavailable: ' + api.describe(err)),
    h('button', { type: 'button', class: 'button', onclick: () => render(main, ctx) }, 'Try again'));
    return;
  }
  if (!ctx.alive()) return;

  const parts = [];
  if (config.google_client_id) {
    const slot = h('div', { class: 'gis-button', id: 'google-signin' });
    parts.push(slot);
    mountGoogle(slot, config.google_client_id, (cred) => finish(cred, 'google'), status);
  }
  if (config.dev_login_enabled) {
    if (parts.length) parts.push(h('p', { class: 'divider' }, 'or, for development'));
    const input = h('input', { type: 'text', id: 'dev-name', name: 'name', required: true, maxlength: 64,
      pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}', autocomplete: 'username', autocapitalize: 'none',
      spellcheck: 'false', 'aria-describedby': 'dev-name-hint' });
    const button = h('button', { type: 'submit', class: 'button' }, 'Sign in (development)');
    const form = h('form', { class: 'dev-signin', onsubmit: async (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (!name) { input.setAttribute('aria-invalid', 'true'); input.focus(); return; }
      button.disabled = true;
      replace(status);
      try {
        await finish(await api.devLogin(name), 'dev');
      } catch (err) {
        replace(status, h('p', { class: 'alert alert-error', role: 'alert' }, api.describe(err)));
      } finally {
        button.disabled = false;
      }
    } },
    h('div', { class: 'field' },
      h('label', { for: 'dev-name' }, 'Your name'),
      input,
      h('span', { class: 'hint', id: 'dev-name-hint' }, 'Development sign-in as a local user: letters, digits, “.”, “_” or “-”.')),
    button);
    parts.push(form);
  }
  if (!parts.length) {
    parts.push(h('p', { class: 'alert alert-error', role: 'alert' },
      'This server has no sign-in configured (set GOOGLE_CLIENT_ID, or AUTH_DEV_LOGIN=true for development).'));
  }
  replace(methods, ...parts);
}

/** Renders Google's own button into slot; onCredential gets the ID token. */
async function mountGoogle(slot, clientId, onCredential, status) {
  try {
    await gis.load();
  } catch (err) {
    replace(status, h('p', { class: 'alert alert-error', role: 'alert' },
      navigator.onLine ? 'Google sign-in could not be loaded. Try again later.' : 'You’re offline. Connect to sign in with Google.'));
    return;
  }
  window.google.accounts.id.initialize({
    client_id: clientId,
    callback: (resp) => { if (resp && resp.credential) onCredential(resp.credential); },
    auto_select: false,
    cancel_on_tap_outside: true,
    use_fedcm_for_prompt: true,
  });
  window.google.accounts.id.renderButton(slot, {
    type: 'standard', theme: 'outline', size: 'large', text: 'signin_with', shape: 'pill', width: 280,
  });
}

/** Forgets Google's automatic account choice on sign-out. */
export function signOutGoogle() {
  window.google?.accounts?.id?.disableAutoSelect();
}
