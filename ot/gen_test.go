package ot

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// textPieces are what random documents and inserts are made of: ASCII, a
// combining accent (alone and after a letter), astral emoji, a ZWJ family, a
// flag, a skin-tone modifier, CJK, a lone zero-width joiner.
var textPieces = []string{"a", "b", "z", " ", "\n", "e\u0301", "\u0301", "😅", "🤖", "👩‍👩‍👧", "🇫🇷",
	"👍🏽", "語", "가", "x", "Ω", "\u200d"}

func randomWord(r *rand.Rand) string {
	var b strings.Builder
	for n := 1 + r.IntN(4); n > 0; n-- {
		b.WriteString(textPieces[r.IntN(len(textPieces))])
	}
	return b.String()
}

func randomDoc(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(12); n > 0; n-- {
		b.WriteString(randomWord(r))
	}
	return b.String()
}

// randomOp is a valid op for a document of docLen code points: a mix of
// skips, inserts and deletes, ending anywhere (sometimes inserting at the
// very end), normalized.
func randomOp(r *rand.Rand, docLen int) Op {
	var op Op
	rest := docLen
	for rest > 0 && r.IntN(8) != 0 {
		skip := r.IntN(min(rest, 5) + 1)
		op = append(op, Retain(skip))
		rest -= skip
		if r.IntN(2) == 0 {
			op = append(op, Insert(randomWord(r)))
		} else {
			n := r.IntN(min(rest, 10) + 1)
			op = append(op, Delete(n))
			rest -= n
		}
	}
	if r.IntN(4) == 0 {
		op = append(op, Retain(rest), Insert(randomWord(r)))
	}
	return Normalize(op)
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
