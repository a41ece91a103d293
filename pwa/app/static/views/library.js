// My media library: folders, a grid of thumbnails, uploads with progress
// (several files at once, from the camera or the gallery), rename, move and
// delete. Files picked while offline wait on the device (uploads.js) and go
// when the connection returns. The editor's "Insert media" reuses the grid
// (picker) to put an item into a post.
import { h, replace, toast } from '/static/dom.js';
import * as api from '/static/api.js';
import * as uploads from '/static/uploads.js';
import { errorBox } from '/static/views/common.js';

const FOLDER_RE = /^[a-z0-9_-]{1,64}(\/[a-z0-9_-]{1,64}){0,4}$/;

/** The markdown that shows item in a post. */
export function markdownFor(item) {
  const alt = String(item.name || '').replace(/[[\]\\]/g, '');
  if (item.content_type.startsWith('video/')) return `[▶ ${alt}](${item.url})`;
  return `![${alt}](${item.post_url || item.url})`;
}

function tile(item, actions) {
  const thumb = item.thumb_url
    ? h('img', { src: item.thumb_url, alt: '', loading: 'lazy', width: 160, height: 160 })
    : h('span', { class: 'media-video', 'aria-hidden': 'true' }, '▶');
  return h('li', { class: 'media-tile' },
    h('figure', {}, thumb, h('figcaption', {}, item.name)),
    actions);
}

/** Renders one folder's grid into el; onPick(item) makes each tile a button. */
export async function grid(el, folder, { onPick, onFolder, actions } = {}) {
  replace(el, h('p', { class: 'loading' }, 'Loading your media…'));
  let page;
  try {
    page = await api.media({ folder });
  } catch (err) {
    replace(el, errorBox(err, () => grid(el, folder, { onPick, onFolder, actions })));
    return;
  }
  const crumbs = [h('button', { type: 'button', class: 'link-button', onclick: () => onFolder('') }, 'All media')];
  let path = '';
  for (const seg of folder ? folder.split('/') : []) {
    path = path ? path + '/' + seg : seg;
    const target = path;
    crumbs.push(' / ', h('button', { type: 'button', class: 'link-button', onclick: () => onFolder(target) }, seg));
  }
  const folders = (page.folders || []).map((f) => h('li', {},
    h('button', { type: 'button', class: 'button button-small button-secondary', onclick: () => onFolder(f) }, '📁 ' + f.split('/').pop())));
  const items = (page.items || []).map((it) => onPick
    ? h('li', { class: 'media-tile' }, h('button', { type: 'button', class: 'media-pick', onclick: () => onPick(it), 'aria-label': 'Insert ' + it.name },
      it.thumb_url ? h('img', { src: it.thumb_url, alt: '', width: 160, height: 160 }) : h('span', { class: 'media-video', 'aria-hidden': 'true' }, '▶'),
      h('span', {}, it.name)))
    : tile(it, actions?.(it)));
  replace(el,
    h('nav', { class: 'crumbs', 'aria-label': 'Folder' }, crumbs),
    folders.length ? h('ul', { class: 'folder-list', 'aria-label': 'Folders' }, folders) : null,
    items.length ? h('ul', { class: 'media-grid', 'aria-label': 'Files' }, items) : h('p', { class: 'empty' }, 'No files here yet.'));
}

export async function render(main, ctx) {
  document.title = 'Media · Inkwell';
  const folder = ctx.query.get('folder') || '';
  const go = (f) => ctx.navigate('/library' + (f ? '?folder=' + encodeURIComponent(f) : ''));
  const body = h('div', {});
  const progress = h('ul', { class: 'upload-list', 'aria-label': 'Uploads', 'aria-live': 'polite' });
  const rows = new Map();
  const row = (key, name) => {
    if (!rows.has(key)) {
      const bar = h('progress', { max: 100, value: 0, 'aria-label': 'Uploading ' + name });
      const li = h('li', {}, h('span', {}, name), bar);
      rows.set(key, { li, bar });
      progress.append(li);
    }
    return rows.get(key);
  };
  const refresh = () => grid(body, folder, { onFolder: go, actions });

  const actions = (it) => h('div', { class: 'media-actions' },
    h('button', { type: 'button', class: 'button button-small button-secondary', 'aria-label': 'Rename ' + it.name, onclick: async () => {
      const name = prompt('New name', it.name);
      if (name === null || name.trim() === it.name) return;
      try { await api.updateMedia(it.id, { name }); toast('Renamed.'); refresh(); } catch (err) { toast(api.describe(err)); }
    } }, 'Rename'),
    h('button', { type: 'button', class: 'button button-small button-secondary', 'aria-label': 'Move ' + it.name, onclick: async () => {
      const to = prompt('Move to folder (empty for the top level, e.g. trips/2026)', it.folder);
      if (to === null) return;
      const dest = to.trim().replace(/^\/+|\/+$/g, '');
      if (dest && !FOLDER_RE.test(dest)) { toast('Folders are lowercase letters, digits, - and _, up to 5 levels.'); return; }
      try { await api.updateMedia(it.id, { folder: dest }); toast(dest ? 'Moved to ' + dest + '.' : 'Moved to the top level.'); refresh(); } catch (err) { toast(api.describe(err)); }
    } }, 'Move'),
    h('button', { type: 'button', class: 'button button-small button-danger', 'aria-label': 'Delete ' + it.name, onclick: async () => {
      if (!confirm(`Delete ${it.name}? Posts showing it will show a broken image.`)) return;
      try { await api.deleteMedia(it.id); toast('Deleted.'); refresh(); } catch (err) { toast(api.describe(err)); }
    } }, 'Delete'));

  const picker = h('input', { type: 'file', id: 'media-files', accept: 'image/*,video/*', multiple: true, class: 'visually-hidden' });
  picker.addEventListener('change', async () => {
    const files = [...picker.files];
    picker.value = '';
    if (!files.length) return;
    if (!navigator.onLine) {
      await uploads.enqueue(files, folder);
      toast(files.length === 1 ? 'You’re offline: the file will upload when you’re back online.' : `You’re offline: ${files.length} files will upload when you’re back online.`);
      showQueued();
      return;
    }
    // Several at once, each with its own progress bar.
    await Promise.all(files.map(async (file) => {
      const key = crypto.randomUUID();
      const r = row(key, file.name);
      try {
        await uploads.send(file, file.name, folder, key, (loaded, total) => { r.bar.value = Math.round((loaded / total) * 100); });
        r.bar.value = 100;
        r.li.classList.add('done');
      } catch (err) {
        if (err.offline) { await uploads.enqueue([file], folder); r.li.remove(); rows.delete(key); showQueued(); return; }
        r.li.replaceChildren(h('span', { class: 'field-error' }, `${file.name}: ${api.describe(err)}`));
      }
    }));
    if (ctx.alive()) refresh();
  });

  const queuedNote = h('p', { class: 'hint', id: 'queued-uploads' });
  const showQueued = async () => {
    const q = await uploads.queued();
    queuedNote.textContent = q.length ? `${q.length} file(s) waiting to upload when you’re back online.` : '';
  };
  const off = uploads.onChange((ev) => {
    if (ev.type === 'progress') row(ev.key, 'Queued file').bar.value = Math.round((ev.loaded / ev.total) * 100);
    if (ev.type === 'failed') toast(`${ev.filename}: ${api.describe(ev.error)}`);
    showQueued();
    if (ev.type === 'done' && ctx.alive()) refresh();
  });
  ctx.onLeave(off);

  replace(main, h('section', {},
    h('h1', {}, 'Media'),
    h('div', { class: 'actions' },
      h('label', { for: 'media-files', class: 'button' }, 'Add photos or videos'), picker),
    queuedNote, progress, body));
  showQueued();
  await refresh();
  if (navigator.onLine) uploads.flush();
}
