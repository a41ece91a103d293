package ot

import (
	"strings"
	"unicode/utf8"
)

// Apply returns doc with op applied. Stricter than the package, which
// silently deletes only up to the end of the document when a delete reaches
// past it: here any op longer than the document (BaseLen(op) > code points of
// doc) fails with ErrTooLong, as a skip past the end fails there.
func Apply(doc string, op Op) (string, error) {
	if err := Check(op); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(doc) + insertedBytes(op))
	rest := doc
	for _, c := range op {
		switch c.Kind {
		case KindRetain:
			n, ok := byteOffset(rest, c.N)
			if !ok {
				return "", ErrTooLong
			}
			b.WriteString(rest[:n])
			rest = rest[n:]
		case KindInsert:
			b.WriteString(c.Text)
		case KindDelete:
			n, ok := byteOffset(rest, c.N)
			if !ok {
				return "", ErrTooLong
			}
			rest = rest[n:]
		}
	}
	b.WriteString(rest)
	return b.String(), nil
}

// byteOffset is the byte offset of code point n in s; ok is false when s has
// fewer than n code points.
func byteOffset(s string, n int) (int, bool) {
	off := 0
	for ; n > 0; n-- {
		if off >= len(s) {
			return 0, false
		}
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off, true
}

func insertedBytes(op Op) int {
	n := 0
	for _, c := range op {
		if c.Kind == KindInsert {
			n += len(c.Text)
		}
	}
	return n
}

// TransformPosition moves a cursor (a code point offset) past op, as the
// package's transformPosition: an insert at the cursor pushes it right.
func TransformPosition(cursor int, op Op) int {
	pos := 0
	for i := 0; i < len(op) && cursor > pos; i++ {
		c := op[i]
		switch c.Kind {
		case KindRetain:
			pos += c.N
		case KindInsert:
			pos += c.N
			cursor += c.N
		case KindDelete:
			cursor -= min(c.N, cursor-pos)
		}
	}
	return cursor
}
