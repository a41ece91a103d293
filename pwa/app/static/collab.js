// Live co-editing in the browser (docs/live.md): ops in the ot-text-unicode
// format with its exact semantics (the npm package 4.0.0, which the server's
// Go port inkwell/ot also follows; ot/testdata/oracle/test checks this file
// against the package fixture by fixture), the client state machine, and a
// <textarea> binding. Positions count Unicode code points, never UTF-16 units.
//
// An op is an array: a positive number keeps that many code points, a string
// inserts it, {d: n} deletes n code points. This module has no imports, so
// Node's test runner loads it as is.

// ---- Code points in JavaScript strings (UTF-16).

const isHigh = (c) => c >= 0xd800 && c <= 0xdbff;

/** Number of code points in s. */
export function cpLength(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    if (isHigh(s.charCodeAt(i)) && i + 1 < s.length) i++;
  }
  return n;
}

/** UTF-16 index of code point n of s (s.length when n is past the end). */
export function cpIndex(s, n) {
  let i = 0;
  for (; n > 0 && i < s.length; n--) i += isHigh(s.charCodeAt(i)) && i + 1 < s.length ? 2 : 1;
  return i;
}

// ---- The OT type.

const dlen = (d) => (typeof d === 'number' ? d : cpLength(d));

/** Throws unless op is valid, as the package's checkOp (and Go's ot.Check). */
export function checkOp(op) {
  if (!Array.isArray(op)) throw Error('Op must be an array of components');
  let last = null;
  for (const c of op) {
    if (typeof c === 'object') {
      if (c === null || (typeof c.d !== 'number' && typeof c.d !== 'string')) throw Error('Delete must be number or string');
      if (!(dlen(c.d) > 0)) throw Error('Deletes must not be empty');
    } else if (typeof c === 'string') {
      if (!(c.length > 0)) throw Error('Inserts cannot be empty');
    } else if (typeof c === 'number') {
      if (!(c > 0)) throw Error('Skip components must be >0');
      if (typeof last === 'number') throw Error('Adjacent skip components should be combined');
    } else throw Error('Unknown component');
    last = c;
  }
  if (typeof last === 'number') throw Error('Op has a trailing skip');
}

// append merges c into op (no-ops dropped, neighbours of one kind joined);
// deletes always come out as {d: n}: this client never inverts ops.
function append(op, c) {
  if (c === null || c === 0 || c === '' || (typeof c === 'object' && dlen(c.d) === 0)) return;
  if (typeof c === 'object') c = { d: dlen(c.d) };
  const last = op[op.length - 1];
  if (op.length > 0 && typeof last === typeof c) {
    if (typeof c === 'object') last.d += c.d;
    else op[op.length - 1] = last + c;
  } else op.push(c);
}

function trim(op) {
  if (op.length > 0 && typeof op[op.length - 1] === 'number') op.pop();
  return op;
}

/** The package's normalize: no-ops dropped, neighbours joined, no trailing skip. */
export function normalize(op) {
  const out = [];
  for (const c of op) append(out, c);
  return trim(out);
}

// taker walks op handing out pieces of at most n code points (n = -1: the
// rest of the next component); past the end an op keeps everything.
// indivisible 'i' never splits inserts, 'd' never splits deletes.
function taker(op) {
  let idx = 0;
  let offset = 0; // code points taken from op[idx] (UTF-16 units for inserts)
  const take = (n, indivisible) => {
    if (idx === op.length) return n === -1 ? null : n;
    const c = op[idx];
    if (typeof c === 'number') {
      if (n === -1 || c - offset <= n) { const part = c - offset; idx++; offset = 0; return part; }
      offset += n;
      return n;
    }
    if (typeof c === 'string') {
      const rest = c.slice(offset);
      if (n === -1 || indivisible === 'i' || cpLength(rest) <= n) { idx++; offset = 0; return rest; }
      const end = cpIndex(rest, n);
      offset += end;
      return rest.slice(0, end);
    }
    const left = dlen(c.d) - offset;
    if (n === -1 || indivisible === 'd' || left <= n) { idx++; offset = 0; return { d: left }; }
    offset += n;
    return { d: n };
  };
  return { take, peek: () => op[idx] };
}

const componentLength = (c) => (typeof c === 'number' ? c : typeof c === 'string' ? cpLength(c) : dlen(c.d));

/** op rewritten to apply after other (both made on one document); at one
 * position side 'left' puts op's insert first. */
export function transform(op, other, side) {
  if (side !== 'left' && side !== 'right') throw Error(`side (${side}) must be 'left' or 'right'`);
  checkOp(op);
  checkOp(other);
  const out = [];
  const { take, peek } = taker(op);
  for (const c2 of other) {
    if (typeof c2 === 'number') {
      for (let length = c2; length > 0;) {
        const c1 = take(length, 'i');
        append(out, c1);
        if (typeof c1 !== 'string') length -= componentLength(c1);
      }
    } else if (typeof c2 === 'string') {
      if (side === 'left' && typeof peek() === 'string') append(out, take(-1));
      append(out, cpLength(c2));
    } else {
      for (let length = dlen(c2.d); length > 0;) {
        const c1 = take(length, 'i');
        if (typeof c1 === 'number') length -= c1;
        else if (typeof c1 === 'string') append(out, c1);
        else length -= c1.d; // deleted by both
      }
    }
  }
  for (let c; (c = take(-1));) append(out, c);
  return trim(out);
}

/** One op doing a then b. */
export function compose(a, b) {
  checkOp(a);
  checkOp(b);
  const out = [];
  const { take } = taker(a);
  for (const c of b) {
    if (typeof c === 'number') {
      for (let length = c; length > 0;) {
        const chunk = take(length, 'd');
        append(out, chunk);
        if (typeof chunk !== 'object') length -= componentLength(chunk);
      }
    } else if (typeof c === 'string') {
      append(out, c);
    } else {
      for (let length = dlen(c.d); length > 0;) {
        const chunk = take(length, 'd');
        if (typeof chunk === 'number') { append(out, { d: chunk }); length -= chunk; }
        else if (typeof chunk === 'string') length -= cpLength(chunk);
        else append(out, chunk);
      }
    }
  }
  for (let c; (c = take(-1));) append(out, c);
  return trim(out);
}

/** doc with op applied; throws when op reaches past the end (the server's
 * rule; the package lets a delete run past the end). */
export function apply(doc, op) {
  checkOp(op);
  const parts = [];
  let rest = doc;
  const cut = (n) => {
    const i = cpIndex(rest, n);
    if (cpLength(rest.slice(0, i)) < n) throw Error('The op is too long for this document');
    return i;
  };
  for (const c of op) {
    if (typeof c === 'number') { const i = cut(c); parts.push(rest.slice(0, i)); rest = rest.slice(i); }
    else if (typeof c === 'string') parts.push(c);
    else rest = rest.slice(cut(dlen(c.d)));
  }
  return parts.join('') + rest;
}

/** A cursor (code point offset) moved past op, as the package does it. */
export function transformPosition(cursor, op) {
  let pos = 0;
  for (let i = 0; i < op.length && cursor > pos; i++) {
    const c = op[i];
    if (typeof c === 'number') pos += c;
    else if (typeof c === 'string') { const n = cpLength(c); pos += n; cursor += n; }
    else cursor -= Math.min(dlen(c.d), cursor - pos);
  }
  return cursor;
}

/** The op turning before into after: one replacement between their common
 * prefix and suffix (what one input event changes), in code points. */
export function diffOp(before, after) {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  if (start > 0 && isHigh(before.charCodeAt(start - 1))) start--; // never split a pair
  let end = 0;
  const maxEnd = max - start;
  while (end < maxEnd && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
  if (end > 0 && isHigh(before.charCodeAt(before.length - 1 - end))) end--;
  const removed = cpLength(before.slice(start, before.length - end));
  const inserted = after.slice(start, after.length - end);
  return normalize([cpLength(before.slice(0, start)), { d: removed }, inserted]);
}

// ---- The client state machine.

/**
 * One editor of one post. At most one op is in flight (sent, not yet seen
 * back); later local edits are composed into a buffer. Every op the server
 * sequenced arrives through receive(), in revision order, this client's own
 * included: its own op coming back is the acknowledgement. The server
 * transforms a submission past the ops before it as 'left', so this client
 * does the same to its pending ops.
 *
 * send({rev, op, seq, client_id}) submits; after a reconnect, resend() sends
 * the op in flight again exactly as before (the server applies a client_id
 * + seq once), and the stream is resumed from client.rev.
 */
export class LiveClient {
  constructor({ rev, text, clientId, send, seq = 0 }) {
    Object.assign(this, { rev, text, clientId, send, seq });
    this.base = text; // the server's text at this.rev (for resync)
    this.inflight = null; // {rev, op, seq} as sent
    this.buffer = null;
  }

  /** A local edit, already made to the text the user sees. */
  local(op) {
    op = normalize(op);
    if (op.length === 0) return;
    this.text = apply(this.text, op);
    if (this.inflight) this.buffer = this.buffer ? compose(this.buffer, op) : op;
    else this.#submit(op);
  }

  /**
   * A sequenced entry {rev, op, client_id, seq}. Returns the op to apply to
   * the text on screen ([] for none); throws on a gap (reload from since).
   */
  receive(entry) {
    if (entry.rev <= this.rev) return [];
    if (entry.rev !== this.rev + 1) throw Error(`missing revisions ${this.rev + 1}..${entry.rev - 1}`);
    this.base = apply(this.base, entry.op);
    this.rev = entry.rev;
    if (this.inflight && entry.client_id === this.clientId && entry.seq === this.inflight.seq) {
      this.inflight = null;
      if (this.buffer) { const next = this.buffer; this.buffer = null; this.#submit(next); }
      return [];
    }
    let remote = entry.op;
    if (this.inflight) {
      const mine = this.inflight.pending;
      this.inflight.pending = transform(mine, remote, 'left');
      remote = transform(remote, mine, 'right');
    }
    if (this.buffer) {
      const mine = this.buffer;
      this.buffer = transform(mine, remote, 'left');
      remote = transform(remote, mine, 'right');
    }
    this.text = apply(this.text, remote);
    return remote;
  }

  /** Sends the op in flight again, as first sent (after a reconnect). */
  resend() {
    if (this.inflight) this.send(this.#message(this.inflight));
  }

  /**
   * Starts again from the server's state {rev, text} after the server
   * refused this client's op or stream (its revision too old for the op
   * log, or ahead of a session restarted from the saved text). The edits
   * not yet sequenced are kept: taken as one op on the last text this
   * client had from the server, transformed past the difference between
   * that text and the new one, and sent under a new seq.
   *   applied: the op in flight was in fact applied (a resend the server
   *     found applied long ago): only the buffer is rebased.
   *   discard: the op in flight was refused for itself (it cannot apply):
   *     every unsequenced edit is dropped.
   * Returns the op turning the text on screen into the new one.
   */
  resync(state, { applied = false, discard = false } = {}) {
    let from = this.base;
    let mine = [];
    if (!discard) {
      if (this.inflight) {
        if (applied) from = apply(from, this.inflight.pending);
        else mine = this.inflight.pending;
      }
      if (this.buffer) mine = mine.length ? compose(mine, this.buffer) : this.buffer;
    }
    mine = normalize(mine);
    if (mine.length) mine = transform(mine, diffOp(from, state.text), 'left');
    const before = this.text;
    Object.assign(this, { rev: state.rev, base: state.text, text: state.text, inflight: null, buffer: null });
    if (mine.length) {
      this.text = apply(state.text, mine);
      this.#submit(mine);
    }
    return diffOp(before, this.text);
  }

  /** Whether everything typed here has been sequenced. */
  get synced() { return !this.inflight && !this.buffer; }

  #submit(op) {
    this.seq += 1;
    this.inflight = { rev: this.rev, op, seq: this.seq, pending: op };
    this.send(this.#message(this.inflight));
  }

  #message(m) { return { rev: m.rev, op: m.op, seq: m.seq, client_id: this.clientId }; }
}

/** Delay before reconnect attempt n (from 1): exponential, capped, jittered. */
export function backoff(attempt, random = Math.random) {
  const ceiling = Math.min(30000, 500 * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

// ---- The <textarea> binding.

/**
 * Keeps textarea and client in step: input events become local ops (held
 * while an IME composes, so a composition is never broken), remote ops are
 * written in place with the selection moved past them. Returns
 * remote(entry), to feed every sequenced entry through, with
 * remote.resync(state, how) for client.resync.
 */
export function bindTextarea(textarea, client) {
  let composing = false;
  const held = [];
  const flushInput = () => client.local(diffOp(client.text, textarea.value));
  const show = (op) => {
    if (op.length === 0) return;
    const value = textarea.value;
    const start = transformPosition(cpLength(value.slice(0, textarea.selectionStart)), op);
    const end = transformPosition(cpLength(value.slice(0, textarea.selectionEnd)), op);
    textarea.value = client.text;
    textarea.setSelectionRange(cpIndex(client.text, start), cpIndex(client.text, end), textarea.selectionDirection);
  };
  textarea.addEventListener('compositionstart', () => { composing = true; });
  textarea.addEventListener('compositionend', () => {
    composing = false;
    flushInput();
    while (held.length) held.shift()();
  });
  textarea.addEventListener('input', () => { if (!composing) flushInput(); });
  const whenIdle = (fn) => { if (composing) held.push(fn); else fn(); };
  const remote = (entry) => whenIdle(() => show(client.receive(entry)));
  /** client.resync(state, how), shown in place (after a composition ends). */
  remote.resync = (state, how) => new Promise((done) => whenIdle(() => { show(client.resync(state, how)); done(); }));
  return remote;
}
