// My wallet: the balance and every movement of points, newest first, with
// infinite scroll (API: docs/ledger.md, GET /api/v1/wallet and
// /api/v1/wallet/entries).
import { h, replace, time } from '/static/dom.js';
import * as api from '/static/api.js';
import { errorBox } from '/static/views/common.js';

const PAGE_SIZE = 20;
const number = new Intl.NumberFormat(undefined);

/** The caller's wallet: {account_id, balance}. */
export async function wallet() {
  const { data } = await api.get('/api/v1/wallet');
  return data;
}

/** One page of the caller's entries: {items, next_cursor}. */
export async function entries({ cursor = '', limit = PAGE_SIZE } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (cursor) q.set('cursor', cursor);
  const { data } = await api.get(`/api/v1/wallet/entries?${q}`);
  return data;
}

/** "+3" / "−3" with a real minus sign and grouping. */
export function signed(amount) {
  return (amount < 0 ? '−' : '+') + number.format(Math.abs(amount));
}

/**
 * The post a points entry is about, from the memo the server writes
 * ("first publication of post 12", "like on post 12", "like withdrawn on
 * post 12"), as {id, why}; null for anything else.
 */
export function pointsReason(memo) {
  const m = /^(first publication|like withdrawn|like) on post (\d+)$|^(first publication) of post (\d+)$/.exec(memo || '');
  if (!m) return null;
  const why = m[1] || m[3];
  return { id: Number(m[2] || m[4]), why: why === 'first publication' ? 'publishing' : why === 'like' ? 'a like on' : 'a like withdrawn from' };
}

const titles = new Map(); // post id → Promise<title|''>
function postTitle(id) {
  if (!titles.has(id)) titles.set(id, api.post(id).then((r) => r.post.title).catch(() => ''));
  return titles.get(id);
}

/** What a movement was, in words; points entries name their post. */
function entryTitle(e) {
  const who = e.other_party?.name || 'someone';
  const reason = (e.kind === 'mint' || e.kind === 'burn') ? pointsReason(e.memo) : null;
  if (reason) {
    const link = h('a', { href: `/posts/${reason.id}` }, `post ${reason.id}`);
    postTitle(reason.id).then((t) => { if (t) link.textContent = `“${t}”`; });
    return [`${e.kind === 'mint' ? 'Points for' : 'Points taken back for'} ${reason.why} `, link];
  }
  switch (e.kind) {
    case 'transfer': return e.amount < 0 ? `Kudos to ${who}` : `Kudos from ${who}`;
    case 'mint': return 'Points earned';
    case 'burn': return 'Points taken back';
    case 'opening': return 'Opening balance';
    default: return e.amount < 0 ? `Sent to ${who}` : `Received from ${who}`;
  }
}

function entryItem(e) {
  const out = e.amount < 0;
  const title = entryTitle(e);
  return h('li', { class: 'entry', dataset: { transfer: String(e.transfer_id) } },
    h('div', { class: 'entry-main' },
      h('p', { class: 'entry-title' }, title),
      e.memo && !pointsReason(e.memo) ? h('p', { class: 'entry-memo' }, e.memo) : null,
      h('p', { class: 'meta' }, time(e.created_at), h('span', {}, `Balance ${number.format(e.balance_after)}`))),
    h('p', { class: `entry-amount ${out ? 'entry-out' : 'entry-in'}`,
      'aria-label': `${out ? 'minus' : 'plus'} ${number.format(Math.abs(e.amount))} ${Math.abs(e.amount) === 1 ? 'point' : 'points'}` },
    signed(e.amount)));
}

export async function render(main, ctx) {
  document.title = 'Wallet · Inkwell';
  replace(main, h('p', { class: 'loading' }, 'Loading your wallet…'));
  let w;
  try {
    w = await wallet();
  } catch (err) {
    if (!ctx.alive()) return;
    replace(main, h('h1', {}, 'Wallet'), errorBox(err, () => render(main, ctx)));
    return;
  }
  if (!ctx.alive()) return;

  const list = h('ul', { class: 'entry-list', 'aria-labelledby': 'history-heading' });
  const status = h('div', { 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'button button-secondary', hidden: true }, 'Load older entries');
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });

  replace(main, h('section', {},
    h('h1', {}, 'Wallet'),
    h('div', { class: 'stat' },
      h('p', { class: 'meta', id: 'balance-label' }, 'Balance'),
      h('p', { class: 'points', id: 'balance', 'aria-labelledby': 'balance-label balance' }, number.format(w.balance)),
      h('p', { class: 'hint' }, 'Earn 10 points for each post you publish and 1 for each like. Send kudos from any post’s page.')),
    h('h2', { id: 'history-heading' }, 'History'),
    list, status, h('div', { class: 'actions' }, more), sentinel));

  let cursor = '';
  let loading = false;
  let done = false;

  let observer = null;
  async function loadPage() {
    if (loading || done) return;
    loading = true;
    more.disabled = true;
    replace(status, h('p', { class: 'loading' }, 'Loading history…'));
    try {
      const page = await entries({ cursor });
      if (!ctx.alive()) return;
      for (const e of page.items || []) list.append(entryItem(e));
      cursor = page.next_cursor || '';
      done = !cursor;
      replace(status,
        !list.children.length ? h('p', { class: 'empty' }, 'No points yet. Publish a post to earn your first 10.') : null,
        done && list.children.length ? h('p', { class: 'empty' }, 'That’s everything.') : null);
      more.hidden = done;
    } catch (err) {
      if (!ctx.alive()) return;
      replace(status, errorBox(err, () => loadPage()));
      more.hidden = true;
    } finally {
      loading = false;
      more.disabled = false;
    }
    // The observer reports only changes: when the end of the list is still in
    // view after a page (a tall screen, short pages), observing again
    // reports it at once and the next page follows.
    if (observer && !done && ctx.alive()) { observer.unobserve(sentinel); observer.observe(sentinel); }
  }
  more.addEventListener('click', loadPage);

  // Infinite scroll: older entries load as the end of the list comes into view.
  observer = new IntersectionObserver((seen) => {
    if (seen.some((e) => e.isIntersecting)) loadPage();
  }, { rootMargin: '400px 0px' });
  ctx.onLeave(() => observer.disconnect());
  await loadPage();
  if (ctx.alive()) observer.observe(sentinel);
}
