package ot

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// fuzzDoc turns the fuzzer's bytes into a document: valid UTF-8 (Go's JSON
// and the database hold nothing else) with pieces from textPieces spliced in,
// so combining marks and emoji meet the fuzzer's own characters.
func fuzzDoc(r *rand.Rand, raw string) string {
	raw = strings.ToValidUTF8(raw, "")
	runes := []rune(raw)
	var b strings.Builder
	for i, c := range runes {
		if r.IntN(4) == 0 {
			b.WriteString(textPieces[r.IntN(len(textPieces))])
		}
		b.WriteRune(c)
		if i > 200 {
			break
		}
	}
	b.WriteString(randomDoc(r))
	return b.String()
}

func seedCorpus(f *testing.F) {
	f.Add(uint64(1), "hello world")
	f.Add(uint64(2), "e\u0301😅👩‍👩‍👧🇫🇷")
	f.Add(uint64(3), "")
	f.Add(uint64(4), "\xff\xfe broken utf-8")
}

func mustApply(t *testing.T, doc string, op Op) string {
	t.Helper()
	out, err := Apply(doc, op)
	if err != nil {
		t.Fatalf("apply %s to %q: %v", op, doc, err)
	}
	return out
}

func mustTransform(t *testing.T, op, other Op, side Side) Op {
	t.Helper()
	out, err := Transform(op, other, side)
	if err != nil {
		t.Fatalf("transform %s by %s: %v", op, other, err)
	}
	if err := Check(out); err != nil {
		t.Fatalf("transform %s by %s gave invalid %s: %v", op, other, out, err)
	}
	return out
}

// FuzzTransform checks convergence (TP1): two concurrent ops a and b, each
// transformed past the other with opposite sides, give one document.
func FuzzTransform(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, seed uint64, raw string) {
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		doc := fuzzDoc(r, raw)
		a, b := randomOp(r, runeLen(doc)), randomOp(r, runeLen(doc))
		viaA := mustApply(t, mustApply(t, doc, a), mustTransform(t, b, a, Left))
		viaB := mustApply(t, mustApply(t, doc, b), mustTransform(t, a, b, Right))
		if viaA != viaB {
			t.Fatalf("diverged on %q with a=%s b=%s:\n a then b': %q\n b then a': %q", doc, a, b, viaA, viaB)
		}
	})
}

// FuzzCompose checks that compose(a, b) does what a then b does.
//
// It does not check that transforming past compose(a, b) equals transforming
// past a then b: with ot-text-unicode that fails when an insert ties with
// inserts around a composed delete (the fuzzer finds one in a second). The
// sequencer and the client never rely on it: both transform past each
// sequenced op one by one, and the client transforms its composed buffer as
// one op on both sides.
func FuzzCompose(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, seed uint64, raw string) {
		r := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
		doc := fuzzDoc(r, raw)
		a := randomOp(r, runeLen(doc))
		afterA := mustApply(t, doc, a)
		b := randomOp(r, runeLen(afterA))
		ab, err := Compose(a, b)
		if err != nil {
			t.Fatalf("compose %s %s: %v", a, b, err)
		}
		if err := Check(ab); err != nil {
			t.Fatalf("compose(%s, %s) gave invalid %s: %v", a, b, ab, err)
		}
		if got, want := mustApply(t, doc, ab), mustApply(t, afterA, b); got != want {
			t.Fatalf("compose(%s, %s) = %s on %q gives %q, a then b gives %q", a, b, ab, doc, got, want)
		}
	})
}
