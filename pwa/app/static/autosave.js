// The editor's text is written to localStorage on every keystroke, so a
// reload, a crash, an expired sign-in or a dead battery never loses it. It
// is removed only once the server (or the offline outbox) holds the text.
//
// Like the outbox, it belongs to its user: keys carry the signed-in user's
// id, so after Alice's session expires mid-sentence and Bob signs in on the
// same device, Bob's editor does not restore Alice's text; Alice's does
// when she signs in again.
import * as session from '/static/session.js';

const PREFIX = 'inkwell.editor.';
const DRAFT_IDS = 'inkwell.draftIds';

/** The signed-in user's id, or 'anon' while the device does not know it. */
function owner() {
  const id = session.me()?.id;
  return id == null ? 'anon' : String(id);
}

function keyOf(slot) { return `${PREFIX}${owner()}.${slot}`; }
function draftIdsKey() { return `${DRAFT_IDS}.${owner()}`; }

/** slot is 'new' or a post id. */
export function load(slot) {
  try { return JSON.parse(localStorage.getItem(keyOf(slot))) || null; } catch { return null; }
}

export function save(slot, fields) {
  localStorage.setItem(keyOf(slot), JSON.stringify({ ...fields, savedAt: new Date().toISOString() }));
}

export function clear(slot) { localStorage.removeItem(keyOf(slot)); }

/** Removes the signed-in user's saved editors and drafts list (sign-out on a shared device). */
export function clearAll() {
  const mine = `${PREFIX}${owner()}.`;
  for (const k of Object.keys(localStorage)) {
    if (k.startsWith(mine) || k === draftIdsKey()) localStorage.removeItem(k);
  }
}

/** Ids of drafts this device saved for the signed-in user, so "My drafts" finds them even where the API cannot list drafts. */
export function draftIds() {
  try { return JSON.parse(localStorage.getItem(draftIdsKey())) || []; } catch { return []; }
}

export function noteDraft(id, isDraft) {
  const ids = new Set(draftIds());
  if (isDraft) ids.add(id); else ids.delete(id);
  localStorage.setItem(draftIdsKey(), JSON.stringify([...ids]));
}
