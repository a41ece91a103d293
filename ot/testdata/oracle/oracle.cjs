// The npm ot-text-unicode 4.0.0 package as an oracle for Inkwell's Go port
// (ot/) and browser client (pwa/app/static/collab.js).
//
//   node oracle.cjs generate SEED COUNT  > fixtures.json   random scenarios, evaluated
//   node oracle.cjs evaluate < scenarios.json               fills in the package's answers
//
// A scenario is {doc, a, b, c, raw, cursor}: a and b are concurrent ops on
// doc, c applies after a, raw is an unnormalized op. The answers are what
// the package's functions return, or {"error": message} where they throw.
// Ops are written as the package takes them; half the generated deletes use
// the invertible {d: "text"} form.
'use strict'
const { type: otType } = require('ot-text-unicode')
const type = otType

// mulberry32: a small seeded PRNG, so one seed always gives one fixture file.
function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// Pieces of text, each one or more code points: ASCII, a combining acute
// accent, astral emoji, a ZWJ family, a flag (two regional indicators), a
// skin-tone modifier, CJK, a Hangul jamo sequence.
const PIECES = ['a', 'b', 'z', ' ', '\n', 'e\u0301', '\u0301', '😅', '🤖', '👩‍👩‍👧', '🇫🇷',
  '👍🏽', '語', '가', 'x', 'Ω', '\u200d']

function generator(random) {
  const int = n => Math.floor(random() * n)
  const word = () => {
    let s = ''
    const n = 1 + int(4)
    for (let i = 0; i < n; i++) s += PIECES[int(PIECES.length)]
    return s
  }
  const doc = () => {
    let s = ''
    const n = int(12)
    for (let i = 0; i < n; i++) s += word()
    return s
  }
  // An op for the document (as an array of code points), modelled on the
  // package's own test/genOp.js.
  const op = (docStr, stringDeletes) => {
    let rest = Array.from(docStr)
    const out = []
    const initial = rest.length
    const insert = () => {
      const skip = int(Math.min(rest.length, 5) + 1)
      out.push(skip); rest = rest.slice(skip)
      out.push(word())
    }
    const del = () => {
      const skip = int(Math.min(rest.length, 5) + 1)
      out.push(skip); rest = rest.slice(skip)
      const len = int(Math.min(rest.length, 10) + 1)
      out.push({ d: stringDeletes && int(2) ? rest.slice(0, len).join('') : len })
      rest = rest.slice(len)
    }
    while (rest.length > 0) {
      if (int(initial > 30 ? 3 : 2) === 0) insert(); else del()
      if (int(7) === 0) break
    }
    if (int(rest.length === 0 ? 2 : 10) === 0) insert()
    return type.normalize(out)
  }
  // An unnormalized form: split components, add zero-length ones.
  const raw = (o) => {
    const out = []
    for (const c of o) {
      if (typeof c === 'string' && Array.from(c).length > 1 && int(2)) {
        const cps = Array.from(c); const k = 1 + int(cps.length - 1)
        out.push(cps.slice(0, k).join(''), cps.slice(k).join(''))
      } else if (typeof c === 'object' && typeof c.d === 'number' && c.d > 1 && int(2)) {
        out.push({ d: 1 }, { d: c.d - 1 })
      } else out.push(c)
      if (int(6) === 0) out.push({ d: 0 })
      if (int(6) === 0) out.push('')
    }
    if (int(3) === 0) out.push(7)
    return out
  }
  return { int, doc, op, raw }
}

function attempt(fn) {
  try {
    return { result: fn() }
  } catch (e) {
    return { error: String(e.message || e) }
  }
}

// The package's normalize merges deletes into the objects it was given, so
// every call gets its own copy of the inputs.
function evaluate(s) {
  const out = { ...s }
  s = structuredClone(s)
  const type = new Proxy(otType, { get: (t, name) => (...args) => t[name](...structuredClone(args)) })
  out.apply_a = attempt(() => type.apply(s.doc, s.a))
  out.apply_b = attempt(() => type.apply(s.doc, s.b))
  out.a_left_of_b = attempt(() => type.transform(s.a, s.b, 'left'))
  out.a_right_of_b = attempt(() => type.transform(s.a, s.b, 'right'))
  out.b_left_of_a = attempt(() => type.transform(s.b, s.a, 'left'))
  out.b_right_of_a = attempt(() => type.transform(s.b, s.a, 'right'))
  if (s.c !== undefined) {
    out.compose_ac = attempt(() => type.compose(s.a, s.c))
    out.apply_ac = attempt(() => type.apply(type.apply(s.doc, s.a), s.c))
  }
  if (s.raw !== undefined) out.normalize_raw = attempt(() => type.normalize(s.raw))
  if (s.cursor !== undefined) out.cursor_after_a = attempt(() => type.transformPosition(s.cursor, s.a))
  return out
}

// Ops the package accepts or refuses at its checkOp, as JSON text.
const CHECKS = [
  '[]', '[1]', '["x"]', '[""]', '[{"d":1}]', '[{"d":0}]', '[{"d":-1}]', '[{"d":"x"}]', '[{"d":""}]',
  '[0,"x"]', '[-1,"x"]', '[1,2,"x"]', '["a","b"]', '[{"d":1},{"d":2}]', '[1,"x",1]', '[3,{"d":2},"😅"]',
  '[1.5,"x"]', '[true]', '[{"d":1,"x":2}]', '[{"e":1}]', '[null]', '[[1]]', '{"d":1}', '"x"', '[1e2,"x"]',
]

function checks() {
  return CHECKS.map(json => {
    let op
    try { op = JSON.parse(json) } catch (e) { return { json, valid: false } }
    const r = attempt(() => type.checkOp(op))
    return { json, valid: !('error' in r) }
  })
}

function generate(seed, count) {
  const g = generator(rng(seed))
  const scenarios = []
  for (let i = 0; i < count; i++) {
    const doc = g.doc()
    const stringDeletes = i % 2 === 1
    const a = g.op(doc, stringDeletes)
    const b = g.op(doc, stringDeletes)
    const c = g.op(type.apply(doc, a), stringDeletes)
    scenarios.push(evaluate({
      doc, a, b, c, raw: g.raw(a), cursor: g.int(Array.from(doc).length + 1),
    }))
  }
  return { package: 'ot-text-unicode@' + require('ot-text-unicode/package.json').version, seed, scenarios, checks: checks() }
}

// One scenario per line, so a changed fixture shows as a changed line.
function fixtureText(f) {
  const lines = list => list.map(x => '  ' + JSON.stringify(x)).join(',\n')
  return `{"package": ${JSON.stringify(f.package)}, "seed": ${f.seed},\n "scenarios": [\n${lines(f.scenarios)}\n ],\n "checks": [\n${lines(f.checks)}\n ]\n}\n`
}

function main() {
  const [mode, ...args] = process.argv.slice(2)
  if (mode === 'generate') {
    const seed = Number(args[0] ?? 1)
    const count = Number(args[1] ?? 500)
    process.stdout.write(fixtureText(generate(seed, count)))
  } else if (mode === 'evaluate') {
    let input = ''
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', d => { input += d })
    process.stdin.on('end', () => {
      const { scenarios } = JSON.parse(input)
      process.stdout.write(JSON.stringify({ scenarios: scenarios.map(evaluate), checks: checks() }) + '\n')
    })
  } else {
    process.stderr.write('usage: node oracle.cjs generate SEED COUNT | evaluate < scenarios.json\n')
    process.exit(2)
  }
}

main()
