package ot

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Side says which of two concurrent inserts at one position goes first:
// the op transformed with Left keeps its insert before the other's.
type Side bool

// The two sides of Transform.
const (
	Left  Side = true
	Right Side = false
)

// taker walks an op, handing out pieces of at most n code points (the
// package's makeTake). off is the code points already taken from op[idx]
// (for an insert, its byte offset into Text).
type taker struct {
	op  Op
	idx int
	off int
}

// indivisible says which kind take never splits.
type indivisible uint8

const (
	splitAll indivisible = iota
	wholeInsert
	wholeDelete
)

// take returns the next piece of at most n code points, or, with n < 0, the
// rest of the next component. Past the end an op keeps everything: take
// returns a skip of n (none when n < 0). ok is false only at the end with n < 0.
func (t *taker) take(n int, whole indivisible) (c Component, ok bool) {
	if t.idx == len(t.op) {
		if n < 0 {
			return Component{}, false
		}
		return Retain(n), true
	}
	c = t.op[t.idx]
	switch c.Kind {
	case KindInsert:
		rest := c.Text[t.off:]
		if n < 0 || whole == wholeInsert || utf8.RuneCountInString(rest) <= n {
			t.idx++
			t.off = 0
			return Insert(rest), true
		}
		end, _ := byteOffset(rest, n)
		t.off += end
		return Component{Kind: KindInsert, N: n, Text: rest[:end]}, true
	default: // skip or delete
		left := c.N - t.off
		if n < 0 || left <= n || (c.Kind == KindDelete && whole == wholeDelete) {
			t.idx++
			t.off = 0
			return Component{Kind: c.Kind, N: left}, true
		}
		t.off += n
		return Component{Kind: c.Kind, N: n}, true
	}
}

// peek is the kind of the component take would read next (0 at the end).
func (t *taker) peek() Kind {
	if t.idx == len(t.op) {
		return 0
	}
	return t.op[t.idx].Kind
}

// Transform rewrites op, made concurrently with other on the same document,
// to apply after other: apply(apply(d, other), Transform(op, other, s)) keeps
// op's intent. Inserts at one position are ordered by side: Left puts op's
// first. Both ops are checked first.
func Transform(op, other Op, side Side) (Op, error) {
	if err := Check(op); err != nil {
		return nil, fmt.Errorf("transform op: %w", err)
	}
	if err := Check(other); err != nil {
		return nil, fmt.Errorf("transform by: %w", err)
	}
	out := make(Op, 0, len(op)+2)
	t := &taker{op: op}
	for _, c2 := range other {
		switch c2.Kind {
		case KindRetain:
			for length := c2.N; length > 0; {
				c1, _ := t.take(length, wholeInsert)
				out = appendComponent(out, c1)
				if c1.Kind != KindInsert {
					length -= c1.N
				}
			}
		case KindInsert:
			if side == Left && t.peek() == KindInsert {
				c1, _ := t.take(-1, splitAll)
				out = appendComponent(out, c1)
			}
			out = appendComponent(out, Retain(c2.N))
		case KindDelete:
			for length := c2.N; length > 0; {
				c1, _ := t.take(length, wholeInsert)
				switch c1.Kind {
				case KindRetain:
					length -= c1.N
				case KindInsert:
					out = appendComponent(out, c1)
				case KindDelete:
					// Both deleted it: nothing left for op to delete.
					length -= c1.N
				}
			}
		}
	}
	for {
		c, ok := t.take(-1, splitAll)
		if !ok {
			break
		}
		out = appendComponent(out, c)
	}
	return trim(out), nil
}

// Compose returns one op with the effect of a then b (b applies to the
// document a produced). Both ops are checked first.
func Compose(a, b Op) (Op, error) {
	if err := Check(a); err != nil {
		return nil, fmt.Errorf("compose first: %w", err)
	}
	if err := Check(b); err != nil {
		return nil, fmt.Errorf("compose second: %w", err)
	}
	out := make(Op, 0, len(a)+len(b))
	t := &taker{op: a}
	for _, c := range b {
		switch c.Kind {
		case KindRetain:
			for length := c.N; length > 0; {
				chunk, _ := t.take(length, wholeDelete)
				out = appendComponent(out, chunk)
				if chunk.Kind != KindDelete {
					length -= chunk.N
				}
			}
		case KindInsert:
			out = appendComponent(out, c)
		case KindDelete:
			for length := c.N; length > 0; {
				chunk, _ := t.take(length, wholeDelete)
				switch chunk.Kind {
				case KindRetain:
					out = appendComponent(out, Delete(chunk.N))
					length -= chunk.N
				case KindInsert:
					// b deletes what a inserted: neither survives.
					length -= chunk.N
				case KindDelete:
					out = appendComponent(out, chunk)
				}
			}
		}
	}
	for {
		c, ok := t.take(-1, splitAll)
		if !ok {
			break
		}
		out = appendComponent(out, c)
	}
	return trim(out), nil
}

// errSide keeps the message the package gives for a bad side name, for
// ParseSide's callers.
var errSide = errors.New("ot: side must be 'left' or 'right'")

// ParseSide reads "left" or "right".
func ParseSide(s string) (Side, error) {
	switch s {
	case "left":
		return Left, nil
	case "right":
		return Right, nil
	}
	return Right, fmt.Errorf("%w, not %q", errSide, s)
}
