// The browser module pwa/app/static/collab.js against the npm package:
// the committed fixtures one by one, then editors (collab.js LiveClient)
// against a server sequencing with the package itself, with reordered
// deliveries, dropped connections and resends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as collab from '../../../../pwa/app/static/collab.js';

const require = createRequire(import.meta.url);
const { type } = require('ot-text-unicode');
const fixtures = JSON.parse(readFileSync(new URL('../../fixtures.json', import.meta.url), 'utf8'));

// The package may answer with {d: "text"} deletes; collab.js keeps lengths.
const strip = (op) => collab.normalize(structuredClone(op));

function check(name, got, want) {
  if ('error' in want) {
    assert.throws(got, `${name}: the package says ${want.error}`);
  } else {
    assert.deepEqual(got(), typeof want.result === 'object' ? strip(want.result) : want.result, name);
  }
}

test('fixtures: collab.js answers as ot-text-unicode 4.0.0', () => {
  assert.equal(fixtures.package, 'ot-text-unicode@4.0.0');
  assert.equal(fixtures.scenarios.length, 400);
  fixtures.scenarios.forEach((s, i) => {
    const a = strip(s.a), b = strip(s.b), c = strip(s.c);
    const at = (what) => `scenario ${i} ${what}`;
    check(at('apply a'), () => collab.apply(s.doc, a), s.apply_a);
    check(at('apply b'), () => collab.apply(s.doc, b), s.apply_b);
    check(at('a left of b'), () => collab.transform(a, b, 'left'), s.a_left_of_b);
    check(at('a right of b'), () => collab.transform(a, b, 'right'), s.a_right_of_b);
    check(at('b left of a'), () => collab.transform(b, a, 'left'), s.b_left_of_a);
    check(at('b right of a'), () => collab.transform(b, a, 'right'), s.b_right_of_a);
    check(at('compose a c'), () => collab.compose(a, c), s.compose_ac);
    check(at('apply a c'), () => collab.apply(s.doc, collab.compose(a, c)), s.apply_ac);
    check(at('normalize raw'), () => collab.normalize(structuredClone(s.raw)), s.normalize_raw);
    check(at('cursor'), () => collab.transformPosition(s.cursor, a), s.cursor_after_a);
  });
  for (const { json, valid } of fixtures.checks) {
    let op;
    try { op = JSON.parse(json); } catch { continue; }
    let ok = true;
    try { collab.checkOp(op); } catch { ok = false; }
    // Booleans are the one input the package lets through and collab.js refuses.
    if (json === '[true]') assert.equal(ok, false);
    else assert.equal(ok, valid, json);
  }
});

// mulberry32, as in oracle.cjs.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const PIECES = ['a', 'b', ' ', '\n', 'e\u0301', '😅', '👩‍👩‍👧', '🇫🇷', '語'];

function randomText(random, max) {
  let s = '';
  for (let n = Math.floor(random() * max); n > 0; n--) s += PIECES[Math.floor(random() * PIECES.length)];
  return s;
}

test('diffOp turns one text into another, never splitting a code point', () => {
  const random = rng(3);
  for (let i = 0; i < 2000; i++) {
    const before = randomText(random, 8);
    // Edit by code points so the strings stay well formed.
    const cps = Array.from(before);
    const at = Math.floor(random() * (cps.length + 1));
    const del = Math.floor(random() * (cps.length - at + 1));
    const after = [...cps.slice(0, at), ...Array.from(randomText(random, 3)), ...cps.slice(at + del)].join('');
    const op = collab.diffOp(before, after);
    assert.equal(collab.apply(before, op), after, JSON.stringify({ before, after, op }));
    assert.equal(type.apply(before, op), after, 'the package reads the op the same way');
  }
  // Two emoji sharing their high surrogate: the op must not cut the pair.
  assert.deepEqual(collab.diffOp('😅', '😆'), [{ d: 1 }, '😆']);
});

// The server: what inkwell/live does, with the package as its OT.
class Server {
  constructor(text) {
    Object.assign(this, { text, rev: 0, log: [], last: new Map(), listeners: new Set() });
  }
  submit({ rev, op, seq, client_id }) {
    if ((this.last.get(client_id) ?? 0) >= seq) return; // a resend: applied once
    let applied = op;
    for (const e of this.log.slice(rev)) applied = type.transform(applied, e.op, 'left');
    this.text = type.apply(this.text, applied);
    const entry = { rev: ++this.rev, op: applied, client_id, seq };
    this.log.push(entry);
    this.last.set(client_id, seq);
    for (const l of this.listeners) l(entry);
  }
}

function randomEdit(random, text) {
  const len = collab.cpLength(text);
  const at = Math.floor(random() * (len + 1));
  const del = random() < 0.3 ? Math.floor(random() * (Math.min(3, len - at) + 1)) : 0;
  const ins = random() < 0.8 || del === 0 ? randomText(random, 3) || 'x' : '';
  return collab.normalize([at, { d: del }, ins]);
}

test('editors converge with reordered deliveries, dropped connections and resends', () => {
  for (let round = 0; round < 20; round++) {
    const random = rng(100 + round);
    const server = new Server('Start 😅 e\u0301');
    const editors = [];
    for (let i = 0; i < 4; i++) {
      const e = { outbox: [], inbox: [], connected: true };
      e.client = new collab.LiveClient({ rev: 0, text: server.text, clientId: `c${i}`, send: (m) => { if (e.connected) e.outbox.push(m); } });
      e.listen = (entry) => { if (e.connected) e.inbox.push(entry); };
      server.listeners.add(e.listen);
      editors.push(e);
    }
    for (let step = 0; step < 600; step++) {
      const e = editors[Math.floor(random() * editors.length)];
      const r = random();
      if (r < 0.35) e.client.local(randomEdit(random, e.client.text));
      else if (r < 0.6 && e.outbox.length) server.submit(e.outbox.shift());
      else if (r < 0.95 && e.inbox.length) e.client.receive(e.inbox.shift());
      else if (r >= 0.97) {
        // The connection drops: what was in transit is lost both ways; on
        // reconnect the stream resumes from the client's revision and the
        // op in flight is sent again.
        e.connected = false;
        e.outbox.length = 0;
        e.inbox.length = 0;
        e.connected = true;
        e.inbox.push(...server.log.slice(e.client.rev));
        e.client.resend();
      }
    }
    // Quiesce: deliver everything until nothing moves.
    for (let moved = true; moved;) {
      moved = false;
      for (const e of editors) {
        while (e.outbox.length) { server.submit(e.outbox.shift()); moved = true; }
        while (e.inbox.length) { e.client.receive(e.inbox.shift()); moved = true; }
      }
    }
    // Every op of every editor was applied exactly once, in its order.
    for (const [i, e] of editors.entries()) {
      const seqs = server.log.filter((x) => x.client_id === `c${i}`).map((x) => x.seq);
      assert.deepEqual(seqs, Array.from({ length: e.client.seq }, (_, j) => j + 1), `round ${round} editor ${i}`);
    }
    for (const [i, e] of editors.entries()) {
      assert.ok(e.client.synced, `round ${round} editor ${i} has nothing pending`);
      assert.equal(e.client.rev, server.rev);
      assert.equal(e.client.text, server.text, `round ${round} editor ${i}`);
    }
  }
});

// A stand-in for a <textarea>: value, selection and event listeners.
function fakeTextarea(value) {
  const listeners = {};
  return {
    value, selectionStart: 0, selectionEnd: 0, selectionDirection: 'none',
    addEventListener(name, fn) { listeners[name] = fn; },
    setSelectionRange(s, e) { this.selectionStart = s; this.selectionEnd = e; },
    fire(name) { listeners[name]?.(); },
  };
}

test('the textarea keeps its selection past remote edits and holds them during IME composition', () => {
  const sent = [];
  const client = new collab.LiveClient({ rev: 0, text: '😅 hello', clientId: 'me', send: (m) => sent.push(m) });
  const ta = fakeTextarea('😅 hello');
  const remote = collab.bindTextarea(ta, client);
  ta.setSelectionRange(3, 8); // "hello", after the emoji (2 UTF-16 units) and the space
  remote({ rev: 1, op: ['👍'], client_id: 'other', seq: 1 });
  assert.equal(ta.value, '👍😅 hello');
  assert.equal(ta.value.slice(ta.selectionStart, ta.selectionEnd), 'hello');

  ta.fire('compositionstart');
  ta.value = '👍😅 hello にほ'; // mid-composition: not yet sent, not touched
  remote({ rev: 2, op: [{ d: 1 }], client_id: 'other', seq: 2 });
  assert.equal(ta.value, '👍😅 hello にほ', 'a composition is never rewritten');
  assert.equal(sent.length, 0);
  ta.value = '👍😅 hello 日本';
  ta.fire('compositionend');
  assert.deepEqual(sent, [{ rev: 1, op: [8, ' 日本'], seq: 1, client_id: 'me' }]);
  assert.equal(ta.value, '😅 hello 日本');
  assert.equal(client.text, '😅 hello 日本');
});

test('after a refusal the client resyncs from the live state and keeps its unsequenced edits', () => {
  const sent = [];
  const client = new collab.LiveClient({ rev: 3, text: 'Hello world', clientId: 'me', send: (m) => sent.push(m) });
  client.local(['A: ']); // in flight, seq 1
  client.local([14, '!']); // buffered
  assert.equal(client.text, 'A: Hello world!');
  // The server refuses seq 1 (rev 3 is older than its op log); meanwhile
  // others made the text 'Hello there world' at rev 1500.
  const onScreen = client.resync({ rev: 1500, text: 'Hello there world' });
  assert.equal(client.text, 'A: Hello there world!');
  assert.equal(collab.apply('A: Hello world!', onScreen), client.text, 'the op for the screen');
  assert.deepEqual(sent.at(-1), { rev: 1500, op: ['A: ', 17, '!'], seq: 2, client_id: 'me' }, 'one op, a new seq');
  // It goes on from there: its op comes back, then another's.
  assert.deepEqual(client.receive({ rev: 1501, op: ['A: ', 17, '!'], client_id: 'me', seq: 2 }), []);
  assert.ok(client.synced);
  client.receive({ rev: 1502, op: [{ d: 3 }], client_id: 'other', seq: 9 });
  assert.equal(client.text, 'Hello there world!');
  assert.equal(client.base, client.text);

  // The op in flight was applied long ago (fields.seq): only the buffer is rebased.
  const c2 = new collab.LiveClient({ rev: 0, text: 'ab', clientId: 'c2', send: () => {} });
  c2.local(['x']);
  c2.local([3, 'y']);
  c2.resync({ rev: 10, text: 'xab' }, { applied: true });
  assert.equal(c2.text, 'xaby');
  // The op in flight cannot apply (validation): every unsequenced edit goes.
  const c3 = new collab.LiveClient({ rev: 0, text: 'ab', clientId: 'c3', send: () => {} });
  c3.local(['x']);
  c3.resync({ rev: 0, text: 'ab' }, { discard: true });
  assert.equal(c3.text, 'ab');
  assert.ok(c3.synced);
});
