// The editor's text is written to localStorage on every keystroke, so a
// reload, a crash, an expired sign-in or a dead battery never loses it. It
// is removed only once the server (or the offline outbox) holds the text.

const PREFIX = 'inkwell.editor.';
const DRAFT_IDS = 'inkwell.draftIds';

/** slot is 'new' or a post id. */
export function load(slot) {
  try { return JSON.parse(localStorage.getItem(PREFIX + slot)) || null; } catch { return null; }
}

export function save(slot, fields) {
  localStorage.setItem(PREFIX + slot, JSON.stringify({ ...fields, savedAt: new Date().toISOString() }));
}

export function clear(slot) { localStorage.removeItem(PREFIX + slot); }

/** Removes every saved editor (sign-out on a shared device). */
export function clearAll() {
  for (const k of Object.keys(localStorage)) {
    if (k.startsWith(PREFIX) || k === DRAFT_IDS) localStorage.removeItem(k);
  }
}

/** Ids of drafts this device saved, so "My drafts" finds them even where the API cannot list drafts. */
export function draftIds() {
  try { return JSON.parse(localStorage.getItem(DRAFT_IDS)) || []; } catch { return []; }
}

export function noteDraft(id, isDraft) {
  const ids = new Set(draftIds());
  if (isDraft) ids.add(id); else ids.delete(id);
  localStorage.setItem(DRAFT_IDS, JSON.stringify([...ids]));
}
