package live

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/ot"
)

func TestDiffOp_TurnsOneTextIntoTheOther(t *testing.T) {
	for _, c := range [][2]string{
		{"hello world", "hello there"}, {"", "new"}, {"gone", ""}, {"same", "same"},
		{"a😅b", "a😂b"}, {"e\u0301x", "e\u0301\u0301x"}, {"👩‍👩‍👧", "👩‍👩‍👦"}, {"aaa", "aa"},
	} {
		op := DiffOp(c[0], c[1])
		require.NoError(t, ot.Check(op), "%q → %q", c[0], c[1])
		got, err := ot.Apply(c[0], op)
		require.NoError(t, err)
		assert.Equal(t, c[1], got, "%q → %q: %v", c[0], c[1], op)
	}
	assert.Empty(t, DiffOp("same", "same"))
	assert.Equal(t, ot.Op{ot.Retain(1), ot.Delete(1), ot.Insert("😂")}, DiffOp("a😅b", "a😂b"), "code points, not bytes")
}
