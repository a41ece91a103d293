// "Send kudos": a dialog that sends points from the signed-in user to a
// post's author (POST /api/v1/transfers, docs/ledger.md).
//
// Every attempt carries an idempotency key. The key is made when a new
// attempt starts (the dialog opens, or the amount or memo changes after a
// try) and is reused when the same attempt is sent again — a double tap, or
// "Send" again after the answer was lost — so the server replays the first
// transfer instead of debiting twice.
import { h, toast } from '/static/dom.js';
import * as api from '/static/api.js';

export const MIN_AMOUNT = 1;
export const MAX_AMOUNT = 1000000;
export const MAX_MEMO = 280;
const number = new Intl.NumberFormat(undefined);

/** A random key for one attempt (crypto.randomUUID needs a secure context). */
export function newKey() {
  if (crypto.randomUUID) return 'kudos-' + crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return 'kudos-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Sends a transfer with the attempt's Idempotency-Key; a repeat of an
 * earlier send with this key answers like it did, marked Idempotent-Replayed.
 */
export async function send({ toUserId, amount, memo, idempotencyKey }) {
  const { data, headers } = await api.request('POST', '/api/v1/transfers', {
    body: { to_user_id: toUserId, amount, memo },
    headers: { 'Idempotency-Key': idempotencyKey },
  });
  return { transfer: data, replayed: headers.get('Idempotent-Replayed') === 'true' };
}

/** Field problems found before asking the server (the same rules as the API). */
export function check(amountText, memo) {
  const fields = {};
  const t = amountText.trim();
  const n = Number(t);
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(n) || n < MIN_AMOUNT || n > MAX_AMOUNT) {
    fields.amount = `Enter a whole number from ${MIN_AMOUNT} to ${number.format(MAX_AMOUNT)}.`;
  }
  const chars = [...memo].length; // the server counts characters, not UTF-16 units
  if (chars > MAX_MEMO) fields.memo = `The memo is ${chars} characters; at most ${MAX_MEMO} fit.`;
  return { amount: n, fields };
}

/** The API's answer in words: {message, fields}. */
export function explain(err, { amount, recipient }) {
  if (!(err instanceof api.ApiError)) return { message: 'Something went wrong: ' + (err?.message || String(err)), fields: {} };
  switch (err.code) {
    case 'insufficient_funds':
      return { message: `Not enough points: your balance is too low to send ${number.format(amount)}. Check your wallet, or send less.`, fields: {} };
    case 'not_found':
      return { message: `${recipient} can’t receive kudos: no such user (${err.message}).`, fields: {} };
    case 'conflict':
      return { message: 'This attempt was already used for a different amount or memo. Nothing more was sent; try again.', fields: {} };
    case 'validation_failed': {
      const f = err.fields || {};
      const fields = {};
      if (f.amount) fields.amount = `Amount ${f.amount}.`;
      if (f.memo) fields.memo = `Memo: ${f.memo}.`;
      const other = [];
      if (f.to_user_id) other.push(/yourself/.test(f.to_user_id) ? 'You can’t send kudos to yourself.' : `Recipient: ${f.to_user_id}.`);
      if (f.idempotency_key) other.push(`Request key: ${f.idempotency_key}.`);
      return { message: other.length ? other.join(' ') : 'Please correct the fields below.', fields };
    }
    default:
      if (err.status === 0 || err.code === 'network' || err.status >= 500) {
        return { message: `${err.message} Your kudos may not have been sent: tap Send again — it is never sent twice.`, fields: {} };
      }
      return { message: api.describe(err), fields: {} };
  }
}

let seq = 0;

/** A "Send kudos" button for a person ({id, name}) that opens the dialog. */
export function kudosButton(person) {
  const name = person?.name || 'the author';
  return h('button', { type: 'button', class: 'button button-secondary kudos-button',
    onclick: (e) => openDialog(person, e.currentTarget) }, `Send kudos to ${name}`);
}

/** Opens the dialog; resolves with the transfer when sent, or null. */
export function openDialog(person, opener) {
  const n = ++seq;
  const name = person?.name || 'the author';
  const id = (s) => `kudos-${n}-${s}`;
  let key = newKey();
  let lastSent = null; // the body sent with key, to know when a new attempt starts
  let busy = false;

  const amount = h('input', { type: 'text', id: id('amount'), name: 'amount', inputmode: 'numeric', pattern: '[0-9]*',
    autocomplete: 'off', required: true, value: '1', 'aria-describedby': `${id('amount-hint')} ${id('amount-error')}` });
  const amountError = h('p', { class: 'field-error', id: id('amount-error') });
  const memo = h('textarea', { id: id('memo'), name: 'memo', rows: 3, class: 'memo',
    'aria-describedby': `${id('memo-count')} ${id('memo-error')}` });
  const memoCount = h('p', { class: 'hint', id: id('memo-count') });
  const memoError = h('p', { class: 'field-error', id: id('memo-error') });
  const problem = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button' }, 'Send');
  const cancel = h('button', { type: 'button', class: 'button button-secondary' }, 'Cancel');

  // Your balance, so the amount is chosen knowing it; with none, why not.
  const balance = h('p', { class: 'hint', id: id('balance'), 'aria-live': 'polite' }, 'Checking your balance…');
  const form = h('form', { method: 'dialog', novalidate: true },
    h('h2', { id: id('title') }, `Send kudos to ${name}`),
    h('p', { class: 'hint' }, 'Points move from your wallet to theirs.'),
    balance,
    problem,
    h('div', { class: 'field' },
      h('label', { for: id('amount') }, 'Amount (points)'),
      h('p', { class: 'hint', id: id('amount-hint') }, `A whole number from ${MIN_AMOUNT} to ${number.format(MAX_AMOUNT)}.`),
      amount, amountError),
    h('div', { class: 'field' },
      h('label', { for: id('memo') }, 'Memo (optional)'),
      memo, memoCount, memoError),
    h('div', { class: 'actions' }, submit, cancel));
  const dialog = h('dialog', { class: 'kudos-dialog', 'aria-labelledby': id('title') }, form);

  const showField = (input, out, msg) => {
    out.textContent = msg || '';
    out.hidden = !msg;
    if (msg) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  };
  const showProblem = (msg) => { problem.textContent = msg || ''; problem.hidden = !msg; };
  const countMemo = () => {
    const left = MAX_MEMO - [...memo.value].length;
    memoCount.textContent = left >= 0 ? `${left} of ${MAX_MEMO} characters left.` : `${-left} characters too many (at most ${MAX_MEMO}).`;
  };
  countMemo();
  showField(amount, amountError, '');
  showField(memo, memoError, '');
  memo.addEventListener('input', countMemo);

  let resolve;
  const result = new Promise((r) => { resolve = r; });
  let sent = null;
  const close = () => dialog.close();
  cancel.addEventListener('click', close);
  dialog.addEventListener('cancel', (e) => { if (busy) e.preventDefault(); });
  dialog.addEventListener('close', () => {
    dialog.remove();
    opener?.focus?.();
    resolve(sent);
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return; // a double tap sends once
    showProblem('');
    const { amount: value, fields } = check(amount.value, memo.value);
    showField(amount, amountError, fields.amount);
    showField(memo, memoError, fields.memo);
    if (fields.amount || fields.memo) { (fields.amount ? amount : memo).focus(); return; }
    const body = JSON.stringify([person.id, value, memo.value]);
    if (lastSent !== null && lastSent !== body) key = newKey(); // changed: a new attempt
    lastSent = body;
    busy = true;
    submit.disabled = true;
    cancel.disabled = true;
    submit.textContent = 'Sending…';
    try {
      const { transfer, replayed } = await send({ toUserId: person.id, amount: value, memo: memo.value, idempotencyKey: key });
      sent = transfer;
      busy = false;
      close();
      const pts = `${number.format(transfer.amount)} ${transfer.amount === 1 ? 'point' : 'points'}`;
      toast(replayed ? `Already sent: ${pts} to ${name} (not sent twice).` : `You sent ${pts} to ${name}.`);
    } catch (err) {
      const why = explain(err, { amount: value, recipient: name });
      showField(amount, amountError, why.fields.amount);
      showField(memo, memoError, why.fields.memo);
      showProblem(why.message);
    } finally {
      busy = false;
      submit.disabled = balance.className.includes('alert-warn');
      cancel.disabled = false;
      submit.textContent = 'Send';
    }
  });

  api.get('/api/v1/wallet').then(({ data }) => {
    const have = Number(data?.balance ?? NaN);
    if (!Number.isFinite(have)) { balance.hidden = true; return; }
    if (have > 0) {
      balance.textContent = `Your balance: ${number.format(have)} ${have === 1 ? 'point' : 'points'}.`;
      return;
    }
    balance.className = 'alert alert-warn';
    balance.textContent = 'Your balance is 0 points, so there is nothing to send yet. You earn 10 points for each post you publish and 1 for each like your posts receive.';
    submit.disabled = true;
  }).catch(() => { balance.hidden = true; });

  document.body.append(dialog);
  dialog.showModal();
  amount.focus();
  amount.select();
  return result;
}
