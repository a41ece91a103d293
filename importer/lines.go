package importer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
)

// lineReader yields a stream's lines one at a time in a buffer of at most
// maxLine bytes, so a file of any size is read in flat memory. A longer
// line is skipped to its end and reported, never held.
type lineReader struct {
	r      *bufio.Reader
	number int64
	max    int
	// consumed, when set, counts the bytes of the lines handed out (the
	// reader's buffer runs megabytes ahead of them).
	consumed *atomic.Int64
}

func newLineReader(r io.Reader, maxLine int) *lineReader {
	// Room for the line ending, so a line of exactly maxLine bytes fits.
	return &lineReader{r: bufio.NewReaderSize(r, maxLine+2), max: maxLine}
}

// errLineTooLong is the reason a skipped over-long line is rejected.
type errLineTooLong struct{ max int }

func (e errLineTooLong) Error() string { return fmt.Sprintf("line is longer than %d bytes", e.max) }

// next returns the next line without its line ending, valid until the next
// call, and its 1-based number. At the end of the stream it returns io.EOF;
// an over-long line comes back as errLineTooLong with its number, after
// which reading goes on with the following line.
func (l *lineReader) next() ([]byte, int64, error) {
	line, err := l.r.ReadSlice('\n')
	l.count(len(line))
	if len(line) == 0 && err == io.EOF {
		return nil, l.number, io.EOF
	}
	l.number++
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = l.r.ReadSlice('\n')
			l.count(len(line))
		}
		if err != nil && err != io.EOF {
			return nil, l.number, err
		}
		return nil, l.number, errLineTooLong{max: l.max}
	}
	if err != nil && err != io.EOF {
		return nil, l.number, err
	}
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	if n > l.max {
		return nil, l.number, errLineTooLong{max: l.max}
	}
	return line[:n], l.number, nil
}

func (l *lineReader) count(n int) {
	if l.consumed != nil {
		l.consumed.Add(int64(n))
	}
}

// skip reads past the first n lines (a resumed file's committed part).
func (l *lineReader) skip(n int64) error {
	for l.number < n {
		_, _, err := l.next()
		var tooLong errLineTooLong
		if err != nil && !errors.As(err, &tooLong) {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("file has %d lines, fewer than the %d its checkpoint says were committed", l.number, n)
			}
			return err
		}
	}
	return nil
}
