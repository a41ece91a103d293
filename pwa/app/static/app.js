// Inkwell's web app: boots the router, the service worker, the offline
// banner, the install button and the offline outbox.
import * as router from '/static/router.js';
import * as session from '/static/session.js';
import * as outbox from '/static/outbox.js';
import * as renewal from '/static/renew.js';
import * as uploads from '/static/uploads.js';
import * as commentsOutbox from '/static/comments-outbox.js';
import * as api from '/static/api.js';
import { toast } from '/static/dom.js';

function setupOfflineBanner() {
  const banner = document.getElementById('offline-banner');
  const update = () => {
    banner.hidden = navigator.onLine;
    document.documentElement.classList.toggle('offline', !navigator.onLine);
  };
  window.addEventListener('online', () => { update(); sendQueued(); });
  window.addEventListener('offline', update);
  update();
}

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // A new version took over: offer a reload (never reload under someone's typing).
    if (hadController) document.getElementById('update-banner').hidden = false;
  });
  document.getElementById('update-reload').addEventListener('click', () => location.reload());
  try {
    // updateViaCache 'none': the browser always asks the server for sw.js.
    const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' });
    // Ask for a new version on every start and whenever the app comes back
    // to the foreground (an installed app may stay open for days); sw.js
    // answers 304 when nothing changed.
    if (hadController) reg.update().catch(() => {});
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && navigator.onLine) reg.update().catch(() => {});
    });
  } catch (err) {
    console.warn('service worker not registered', err);
  }
}

function setupInstallButton() {
  const button = document.getElementById('install-button');
  let deferred = null;
  const standalone = () => matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;
  window.addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault();
    deferred = e;
    button.hidden = standalone();
  });
  window.addEventListener('appinstalled', () => {
    deferred = null;
    button.hidden = true;
    toast('Inkwell is installed.');
  });
  button.addEventListener('click', async () => {
    if (!deferred) return;
    button.hidden = true;
    deferred.prompt();
    const { outcome } = await deferred.userChoice;
    deferred = null;
    if (outcome !== 'accepted') toast('You can install Inkwell later from the browser menu.');
  });
}

/** "“Title” was saved." — naming what was sent while offline. */
export function sentMessage(sent) {
  const name = (p) => `“${p?.title || 'Untitled'}”`;
  if (sent.length === 1) return `${name(sent[0])} was saved on the server.`;
  const shown = sent.slice(0, 2).map(name).join(', ');
  return `${sent.length} offline changes were saved: ${shown}${sent.length > 2 ? ` and ${sent.length - 2} more` : ''}.`;
}

let sending = false;
/** Sends what was written offline; announces the result. */
export async function sendQueued() {
  if (sending || !navigator.onLine || !session.token()) return;
  sending = true;
  try {
    const { sent, failed } = await outbox.flush();
    if (sent.length) {
      toast(sentMessage(sent));
      // Screens showing what was waiting (My drafts) refresh themselves.
      window.dispatchEvent(new CustomEvent('inkwell:outbox-sent', { detail: { sent } }));
    }
    if (failed) toast('Some offline changes could not be saved — see My drafts.');
  } catch (err) {
    console.warn('outbox flush failed', err);
  }
  try {
    // Comments wait for their own author: the outbox sends only the
    // signed-in user's, so it must know who that is.
    if (!session.me()) await api.me().catch(() => null);
    const comments = await commentsOutbox.flush();
    if (comments.sent.length) toast(comments.sent.length === 1 ? 'Your comment written offline was posted.' : `${comments.sent.length} comments written offline were posted.`);
  } catch (err) {
    console.warn('comment outbox flush failed', err);
  } finally {
    sending = false;
  }
  // Files picked while offline (the Media tab shows their progress).
  uploads.flush().catch((err) => console.warn('upload queue flush failed', err));
}

function setupSession() {
  session.onChange((event) => {
    if (event === 'expired') {
      const here = location.pathname + location.search;
      const next = location.pathname === '/signin' ? '/' : here;
      router.navigate('/signin?expired=1&next=' + encodeURIComponent(next), { replace: true });
    } else if (event === 'signout') {
      // Another person may use this device next: drop the saved API answers.
      navigator.serviceWorker?.controller?.postMessage({ type: 'clear-data' });
      window.caches?.delete('inkwell-data-v1');
      router.navigate('/signin', { replace: true });
    } else if (event === 'start') {
      sendQueued();
    }
    renewal.schedule();
  });
  renewal.schedule();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') renewal.renewIfDue();
  });
}

setupOfflineBanner();
setupInstallButton();
setupSession();
router.start().then(() => sendQueued());
registerServiceWorker();
