package importer

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAll collects what a lineReader yields: each line's text, or its error.
func readAll(t *testing.T, input string, maxLine int) []string {
	t.Helper()
	lr := newLineReader(strings.NewReader(input), maxLine)
	var out []string
	for {
		line, n, err := lr.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		var tooLong errLineTooLong
		if errors.As(err, &tooLong) {
			out = append(out, "too long @"+string(rune('0'+n)))
			continue
		}
		require.NoError(t, err)
		out = append(out, string(line))
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		max   int
		want  []string
	}{
		{"plain lines", "a\nbb\nccc\n", 16, []string{"a", "bb", "ccc"}},
		{"last line without newline", "a\nbb", 16, []string{"a", "bb"}},
		{"CRLF endings", "a\r\nbb\r\n", 16, []string{"a", "bb"}},
		{"blank lines are yielded", "a\n\nb\n", 16, []string{"a", "", "b"}},
		{"exactly max bytes fits", "12345678\nx\n", 8, []string{"12345678", "x"}},
		{"one byte over is rejected and skipped", "123456789\nx\n", 8, []string{"too long @1", "x"}},
		{"far longer than the buffer", strings.Repeat("y", 100) + "\nok\n" + strings.Repeat("z", 50), 16, []string{"too long @1", "ok", "too long @3"}},
		{"empty input", "", 16, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, readAll(t, tt.input, tt.max))
		})
	}
}

func TestLineReader_SkipResumesAfterCommittedLines(t *testing.T) {
	lr := newLineReader(strings.NewReader("1\n"+strings.Repeat("x", 40)+"\n3\n4\n"), 16)
	require.NoError(t, lr.skip(2))
	line, n, err := lr.next()
	require.NoError(t, err)
	assert.Equal(t, "3", string(line))
	assert.Equal(t, int64(3), n)

	short := newLineReader(strings.NewReader("1\n2\n"), 16)
	assert.ErrorContains(t, short.skip(5), "fewer than the 5")
}
