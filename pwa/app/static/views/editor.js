// Write or edit a post: title, tags, markdown with a live (sanitized)
// preview. Every keystroke is saved on the device; saving while offline
// queues the post in the outbox, sent when the connection returns.
import { h, replace, toast } from '/static/dom.js';
import * as api from '/static/api.js';
import * as autosave from '/static/autosave.js';
import * as markdown from '/static/markdown.js';
import * as linkCards from '/static/link-cards.js';
import * as outbox from '/static/outbox.js';
import * as liveEditor from '/static/live-editor.js';
import * as session from '/static/session.js';
import { errorBox } from '/static/views/common.js';
import * as library from '/static/views/library.js';

const TAG_RE = /^[a-z0-9-]{1,32}$/;

export function parseTags(raw) {
  const seen = new Set();
  for (const t of String(raw || '').split(/[\s,]+/)) {
    const tag = t.trim().replace(/^#/, '').toLowerCase();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

function validate(fields) {
  const errs = {};
  if (!fields.title.trim()) errs.title = 'required';
  else if ([...fields.title].length > 200) errs.title = 'at most 200 characters';
  if (fields.body_markdown.length > 200000) errs.body_markdown = 'at most 200,000 characters';
  if (fields.tags.length > 10) errs.tags = 'at most 10 tags';
  else if (fields.tags.some((t) => !TAG_RE.test(t))) errs.tags = 'each tag is 1–32 lowercase letters, digits or dashes';
  return errs;
}

export async function render(main, ctx) {
  const id = ctx.params.id ? Number(ctx.params.id) : null;
  const queuedKey = ctx.query.get('queued');
  const slot = id ? String(id) : (queuedKey ? 'queued-' + queuedKey : 'new');
  document.title = (id ? 'Edit post' : 'Write') + ' · Inkwell';
  replace(main, h('p', { class: 'loading' }, 'Opening the editor…'));

  // Where the text comes from: the server's post, a queued offline post, or
  // nothing — and the device's unsaved copy wins over all of them.
  let server = null;
  let queued = null;
  // Live co-editing (docs/live.md): the live state when others edit this
  // post too; a collaborator cannot read the author's draft, only this.
  let live = null;
  let collaborator = false;
  const notices = [];
  if (id) {
    try {
      server = (await api.post(id)).post;
    } catch (err) {
      if (!ctx.alive()) return;
      if (err.status === 404 && navigator.onLine) {
        live = await liveEditor.state(id).catch(() => null);
        collaborator = !!live;
      }
      if (!collaborator && !autosave.load(slot)) {
        replace(main, h('h1', {}, 'Edit post'), errorBox(err, () => render(main, ctx)));
        return;
      }
      if (!collaborator) notices.push(h('p', { class: 'alert alert-warn' }, 'The post could not be loaded (' + api.describe(err) + '). You are editing the copy saved on this device.'));
    }
  } else if (queuedKey) {
    queued = await outbox.getEntry(queuedKey);
  }
  if (server && navigator.onLine) {
    const st = await liveEditor.state(id).catch(() => null);
    // Live co-editing is for drafts: a published post is edited alone.
    if (st && (st.collaborators || []).length > 0 && (st.status || 'draft') === 'draft') live = st;
    const me = session.me();
    if (live && me && server.author?.id !== me.id) collaborator = true;
  }
  if (!ctx.alive()) return;
  if (server) {
    // Only its author may change a post (the API says 403 on save); say so
    // now rather than after someone has rewritten it.
    const me = session.me() || await api.me().catch(() => null);
    if (!ctx.alive()) return;
    if (me && server.author?.id !== me.id) {
      document.title = 'Not your post · Inkwell';
      replace(main, h('h1', {}, 'You can’t edit this post'),
        h('p', { class: 'alert alert-warn', role: 'alert' },
          `“${server.title}” is ${server.author?.name || 'someone else'}’s post: only its author can edit it.`),
        h('p', {}, h('a', { href: `/posts/${server.id}` }, 'Read the post')));
      return;
    }
  }

  const base = collaborator
    ? { title: '', tags: '', body_markdown: live.text, status: 'draft' }
    : server
    ? { title: server.title, tags: (server.tags || []).join(' '), body_markdown: server.body_markdown, status: server.status }
    : queued
      ? { title: queued.fields.title, tags: (queued.fields.tags || []).join(' '), body_markdown: queued.fields.body_markdown, status: queued.fields.status }
      : { title: '', tags: '', body_markdown: '', status: 'draft' };
  const local = autosave.load(slot);
  let start = base;
  if (live) start = { ...start, body_markdown: live.text };
  if (!live && local && (local.title !== base.title || local.tags !== base.tags || local.body_markdown !== base.body_markdown)) {
    start = { ...base, title: local.title, tags: local.tags, body_markdown: local.body_markdown };
    notices.push(h('p', { class: 'alert alert-ok' },
      'Restored the text you had not saved yet (kept on this device). ',
      (server || queued) ? h('button', { type: 'button', class: 'link-button', onclick: () => { autosave.clear(slot); render(main, ctx); } }, 'Discard it') : null));
  }
  if (id) {
    const pending = (await outbox.list()).find((e) => e.op === 'update' && e.postId === id);
    if (pending) notices.push(h('p', { class: 'alert alert-warn' }, 'Changes to this post made offline are waiting to be sent.'));
  }
  if (queued) notices.push(h('p', { class: 'alert alert-warn' }, 'This post was written offline and has not reached the server yet.'));
  if (!ctx.alive()) return;

  const fieldError = (name) => h('span', { class: 'field-error', id: `${name}-error`, hidden: true });
  const title = h('input', { type: 'text', id: 'post-title', name: 'title', value: start.title, maxlength: 200, required: true, autocomplete: 'off' });
  const tags = h('input', { type: 'text', id: 'post-tags', name: 'tags', value: start.tags, autocapitalize: 'none', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'post-tags-hint' });
  const body = h('textarea', { id: 'post-body', name: 'body_markdown', rows: 14, 'aria-describedby': 'post-body-hint' });
  body.value = start.body_markdown;
  const errors = { title: fieldError('title'), tags: fieldError('tags'), body_markdown: fieldError('body_markdown') };
  const inputs = { title, tags, body_markdown: body };

  const preview = h('div', { class: 'preview prose', id: 'pane-preview', role: 'tabpanel', 'aria-labelledby': 'tab-preview', tabindex: 0, hidden: true });
  const writePane = h('div', { id: 'pane-write', role: 'tabpanel', 'aria-labelledby': 'tab-write' },
    h('div', { class: 'field' },
      h('label', { for: 'post-body' }, 'Text (markdown)'),
      body,
      h('span', { class: 'hint', id: 'post-body-hint' }, 'Markdown: # heading, **bold**, _italic_, [link](https://…), ```code```.'),
      errors.body_markdown),
    h('button', { type: 'button', class: 'button button-small button-secondary', id: 'insert-media', onclick: () => pickMedia(body) }, 'Insert media'));
  const tabWrite = h('button', { type: 'button', role: 'tab', id: 'tab-write', 'aria-controls': 'pane-write', 'aria-selected': 'true' }, 'Write');
  const tabPreview = h('button', { type: 'button', role: 'tab', id: 'tab-preview', 'aria-controls': 'pane-preview', 'aria-selected': 'false', tabindex: -1 }, 'Preview');
  const select = (which) => {
    const showPreview = which === 'preview';
    tabWrite.setAttribute('aria-selected', String(!showPreview));
    tabPreview.setAttribute('aria-selected', String(showPreview));
    tabWrite.tabIndex = showPreview ? -1 : 0;
    tabPreview.tabIndex = showPreview ? 0 : -1;
    writePane.hidden = showPreview;
    preview.hidden = !showPreview;
    if (showPreview) renderPreview();
  };
  tabWrite.addEventListener('click', () => select('write'));
  tabPreview.addEventListener('click', () => select('preview'));
  const tablist = h('div', { class: 'tabs editor-tabs', role: 'tablist', 'aria-label': 'Editor view' }, tabWrite, tabPreview);
  tablist.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      const toPreview = tabWrite.getAttribute('aria-selected') === 'true';
      select(toPreview ? 'preview' : 'write');
      (toPreview ? tabPreview : tabWrite).focus();
      e.preventDefault();
    }
  });
  const renderPreview = () => {
    const src = body.value.trim() ? body.value : '_Nothing to preview yet._';
    markdown.show(preview, markdown.render(src));
    linkCards.enhance(preview);
  };
  // Wide screens show the text and its preview side by side (app.css), the
  // preview following the typing.
  const wide = matchMedia('(min-width: 56rem)');
  let previewTimer = 0;
  body.addEventListener('input', () => {
    if (!wide.matches) return;
    clearTimeout(previewTimer);
    previewTimer = setTimeout(renderPreview, 150);
  });
  if (wide.matches) renderPreview();

  const savedNote = h('p', { class: 'hint', id: 'autosave-note' }, local && !live ? 'Saved on this device.' : '');
  const keep = () => {
    if (live) return; // the live text is kept by the server as it is typed
    autosave.save(slot, { title: title.value, tags: tags.value, body_markdown: body.value });
    savedNote.textContent = 'Saved on this device at ' + new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) + '.';
  };
  for (const el of [title, tags, body]) el.addEventListener('input', keep);

  const summary = h('div', { 'aria-live': 'assertive' });
  let isPublished = base.status === 'published';
  const primary = h('button', { type: 'submit', class: 'button', value: 'published' }, isPublished ? 'Save changes' : 'Publish');
  const secondary = isPublished ? null : h('button', { type: 'submit', class: 'button button-secondary', value: 'draft' }, 'Save draft');

  const showErrors = (fields, message) => {
    for (const [name, el] of Object.entries(errors)) {
      const why = fields && fields[name];
      el.hidden = !why;
      el.textContent = why ? `${name === 'body_markdown' ? 'Text' : name[0].toUpperCase() + name.slice(1)}: ${why}` : '';
      if (why) { inputs[name].setAttribute('aria-invalid', 'true'); inputs[name].setAttribute('aria-describedby', `${name}-error ${inputs[name].getAttribute('aria-describedby') || ''}`.trim()); } else inputs[name].removeAttribute('aria-invalid');
    }
    replace(summary, message ? h('div', { class: 'alert alert-error', role: 'alert' }, message) : null);
    const first = Object.keys(errors).find((n) => fields && fields[n]);
    if (first) inputs[first].focus();
  };

  const form = h('form', { class: 'editor', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    const status = isPublished ? 'published' : (e.submitter?.value || 'draft');
    const fields = { title: title.value.trim(), body_markdown: body.value, tags: parseTags(tags.value), status };
    if (live) delete fields.body_markdown; // saved live, as it is typed
    const problems = validate(fields);
    if (Object.keys(problems).length) { showErrors(problems, 'Please fix the highlighted fields.'); return; }
    showErrors(null, null);
    keep();
    for (const b of [primary, secondary]) if (b) b.disabled = true;
    try {
      await save(fields);
    } finally {
      for (const b of [primary, secondary]) if (b) b.disabled = false;
    }
  } },
  h('div', { class: 'field' }, h('label', { for: 'post-title' }, 'Title'), title, errors.title),
  h('div', { class: 'field' },
    h('label', { for: 'post-tags' }, 'Tags'),
    tags,
    h('span', { class: 'hint', id: 'post-tags-hint' }, 'Up to 10, separated by spaces or commas: lowercase letters, digits, dashes.'),
    errors.tags),
  tablist,
  h('div', { class: 'editor-panes split' }, writePane, preview),
  savedNote,
  summary,
  h('div', { class: 'actions' }, primary, secondary,
    id ? h('a', { class: 'button button-secondary', href: `/posts/${id}` }, 'Cancel') : null));

  // One key per post being written: a create retried from the outbox after
  // a lost answer carries the key of the first attempt.
  const createKey = crypto.randomUUID();

  async function save(fields) {
    const queueIt = async (uncertain) => {
      if (id) await outbox.enqueue({ postId: id, fields });
      else await outbox.enqueue({ localKey: queued?.key || null, fields, uncertain, key: uncertain ? createKey : null });
      autosave.clear(slot);
      toast('Saved on this device — it will be sent when you’re back online.');
      ctx.navigate('/drafts');
    };
    if (!navigator.onLine) { await queueIt(false); return; }
    if (queued) {
      // A post written offline goes through the outbox, which knows whether
      // an earlier attempt may already have created it.
      await outbox.enqueue({ localKey: queued.key, fields });
      autosave.clear(slot);
      const { sent } = await outbox.flush();
      const post = sent.find((p) => p.title === fields.title);
      if (!ctx.alive()) return;
      if (post) { autosave.noteDraft(post.id, post.status === 'draft'); ctx.navigate(`/posts/${post.id}`); } else ctx.navigate('/drafts');
      return;
    }
    try {
      const post = id ? await api.updatePost(id, fields) : await api.createPost(fields, createKey);
      autosave.clear(slot);
      autosave.noteDraft(post.id, post.status === 'draft');
      toast(post.status === 'published' ? (id ? 'Changes saved.' : 'Published.') : 'Draft saved.');
      if (ctx.alive()) ctx.navigate(`/posts/${post.id}`);
    } catch (err) {
      if (!ctx.alive()) return;
      if (err.offline) { await queueIt(true); return; }
      showErrors(err.fields, api.describe(err));
    }
  }

  let liveNotes = null;
  if (live) {
    const liveStatus = h('p', { class: 'hint', id: 'live-status', 'aria-live': 'polite' });
    const liveEditors = h('p', { class: 'hint', id: 'live-editors' });
    liveNotes = h('div', { class: 'live-notes' }, liveStatus, liveEditors);
    const me = session.me();
    const session_ = liveEditor.start(body, id, live, {
      status: (text) => { liveStatus.textContent = text; },
      presence: (editors) => {
        const names = [...new Set(editors.filter((e) => !me || e.user_id !== me.id).map((e) => e.name || `user ${e.user_id}`))];
        liveEditors.textContent = names.length ? 'Also editing: ' + names.join(', ') : 'Nobody else is editing right now.';
      },
      ended: () => {
        // Published meanwhile: the text stays in the textarea and this
        // editor goes on alone (the author saves it as a normal edit; a
        // collaborator's copy is kept on this device).
        live = null;
        liveEditors.textContent = '';
        // The post is published now: saving keeps it published.
        isPublished = true;
        primary.textContent = 'Save changes';
        secondary?.setAttribute('hidden', '');
        liveStatus.setAttribute('role', 'alert');
        liveStatus.classList.add('alert', 'alert-warn');
        keep();
      },
    });
    const watch = setInterval(() => { if (!ctx.alive()) { clearInterval(watch); session_.stop(); } }, 1000);
    if (collaborator) {
      // The author saves the title, tags and status; a collaborator's text is saved as it is typed.
      for (const el of [title, tags, primary, secondary]) if (el) el.closest('.field, .actions')?.setAttribute('hidden', '');
    }
  }

  replace(main, h('section', {},
    h('h1', {}, id ? 'Edit post' : 'Write a post'),
    notices,
    liveNotes,
    form));
}

/** Opens the media library as a picker; the chosen item's markdown goes in at the cursor. */
function pickMedia(body) {
  const grid = h('div', {});
  const close = h('button', { type: 'button', class: 'button button-small button-secondary' }, 'Close');
  const dialog = h('dialog', { class: 'media-dialog', 'aria-labelledby': 'media-dialog-title' },
    h('h2', { id: 'media-dialog-title' }, 'Insert from your media'), grid, h('div', { class: 'actions' }, close));
  const done = () => { dialog.close(); dialog.remove(); body.focus(); };
  close.addEventListener('click', done);
  dialog.addEventListener('cancel', () => dialog.remove());
  const show = (folder) => library.grid(grid, folder, {
    onFolder: show,
    onPick: (item) => {
      const at = body.selectionStart ?? body.value.length;
      const before = body.value.slice(0, at);
      const text = (before && !before.endsWith('\n') ? '\n' : '') + library.markdownFor(item) + '\n';
      body.setRangeText(text, at, body.selectionEnd ?? at, 'end');
      body.dispatchEvent(new Event('input'));
      done();
    },
  });
  document.body.append(dialog);
  dialog.showModal();
  show('');
}
