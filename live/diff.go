package live

import (
	"inkwell/ot"
)

// DiffOp is an op turning before into after: one replacement between
// their common prefix and suffix, in code points (collab.js's diffOp).
func DiffOp(before, after string) ot.Op {
	b, a := []rune(before), []rune(after)
	start := 0
	for start < len(b) && start < len(a) && b[start] == a[start] {
		start++
	}
	end := 0
	for end < len(b)-start && end < len(a)-start && b[len(b)-1-end] == a[len(a)-1-end] {
		end++
	}
	op := ot.Op{ot.Retain(start), ot.Delete(len(b) - start - end)}
	if ins := string(a[start : len(a)-end]); ins != "" {
		op = append(op, ot.Insert(ins))
	}
	return ot.Normalize(op)
}
