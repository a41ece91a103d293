// Package ot is a Go port of the ot-text-unicode operational-transformation
// type (npm ot-text-unicode 4.0.0, the text type ShareDB uses), the format of
// Inkwell's live co-editing. Positions and lengths count Unicode code points
// (Go runes), never bytes or UTF-16 units, so a Go server and a JavaScript
// client agree on where an emoji or a combining mark sits.
//
// An operation walks the document from the start: keep n code points, insert
// a string, or delete n code points. Code points after the last component are
// kept. The JSON form is the package's: [5, "hi", {"d": 3}].
//
// The port follows the package's functions one for one (checkOp, normalize,
// apply, transform, compose, transformPosition); ot/testdata/oracle runs the
// npm package itself and the tests compare the two fixture by fixture. Where
// this port is stricter than the package it says so on the function.
package ot

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Kind is what a component does.
type Kind uint8

// The three component kinds.
const (
	KindRetain Kind = iota + 1
	KindInsert
	KindDelete
)

// Component is one step of an operation. N is the length in code points
// (for an insert, the code points of Text).
type Component struct {
	Kind Kind
	N    int
	Text string
}

// Op is an operation: components applied in order from the document's start.
type Op []Component

// Retain keeps n code points.
func Retain(n int) Component { return Component{Kind: KindRetain, N: n} }

// Insert inserts s at the current position.
func Insert(s string) Component {
	return Component{Kind: KindInsert, N: utf8.RuneCountInString(s), Text: s}
}

// Delete deletes n code points at the current position.
func Delete(n int) Component { return Component{Kind: KindDelete, N: n} }

// Errors of Check and the functions that check their input first (the
// package's checkOp messages).
var (
	ErrEmptyInsert    = errors.New("ot: inserts cannot be empty")
	ErrEmptyDelete    = errors.New("ot: deletes must not be empty")
	ErrBadRetain      = errors.New("ot: skip components must be > 0")
	ErrAdjacentRetain = errors.New("ot: adjacent skip components should be combined")
	ErrTrailingRetain = errors.New("ot: op has a trailing skip")
	ErrBadComponent   = errors.New("ot: unknown component")
	// ErrTooLong is Apply's answer to an op that reaches past the end of
	// the document.
	ErrTooLong = errors.New("ot: the op is too long for this document")
)

// Check reports whether op is valid as the package's checkOp does: positive
// skips, never two in a row nor one at the end, non-empty inserts and deletes.
// Like the package it allows adjacent inserts or deletes (Normalize merges them).
func Check(op Op) error {
	var last Kind
	for i, c := range op {
		switch c.Kind {
		case KindDelete:
			if c.N <= 0 {
				return fmt.Errorf("component %d: %w", i, ErrEmptyDelete)
			}
		case KindInsert:
			if c.Text == "" {
				return fmt.Errorf("component %d: %w", i, ErrEmptyInsert)
			}
			if c.N != utf8.RuneCountInString(c.Text) {
				return fmt.Errorf("component %d: insert length %d is not its %d code points: %w", i, c.N, utf8.RuneCountInString(c.Text), ErrBadComponent)
			}
		case KindRetain:
			if c.N <= 0 {
				return fmt.Errorf("component %d: %w", i, ErrBadRetain)
			}
			if last == KindRetain {
				return fmt.Errorf("component %d: %w", i, ErrAdjacentRetain)
			}
		default:
			return fmt.Errorf("component %d: %w", i, ErrBadComponent)
		}
		last = c.Kind
	}
	if last == KindRetain {
		return ErrTrailingRetain
	}
	return nil
}

// Normalize drops no-op components, merges neighbours of one kind and
// drops a trailing skip (the package's normalize). It does not validate.
func Normalize(op Op) Op {
	out := make(Op, 0, len(op))
	for _, c := range op {
		out = appendComponent(out, c)
	}
	return trim(out)
}

// IsNoop reports whether op changes nothing.
func IsNoop(op Op) bool { return len(op) == 0 }

// BaseLen is how many code points a document needs for op to apply: its
// skips and deletes.
func BaseLen(op Op) int {
	n := 0
	for _, c := range op {
		if c.Kind != KindInsert {
			n += c.N
		}
	}
	return n
}

// appendComponent is the package's makeAppend: it ignores empty components
// and merges a component into the last one when they are of one kind.
func appendComponent(op Op, c Component) Op {
	if c.N == 0 && c.Text == "" {
		return op
	}
	if n := len(op); n > 0 && op[n-1].Kind == c.Kind {
		last := &op[n-1]
		last.N += c.N
		if c.Kind == KindInsert {
			last.Text += c.Text
		}
		return op
	}
	return append(op, c)
}

// trim drops a trailing skip: keeping the rest of the document is implied.
func trim(op Op) Op {
	if n := len(op); n > 0 && op[n-1].Kind == KindRetain {
		return op[:n-1]
	}
	return op
}
