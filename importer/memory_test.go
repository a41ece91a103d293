package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/importer"
)

// generatedSource is one file of n copies of a line, produced as it is
// read, so a test can stream far more bytes than it could hold.
type generatedSource struct {
	line []byte
	n    int
}

func (g generatedSource) Location() string { return "generated://memory-test" }

func (g generatedSource) List(context.Context) ([]importer.File, error) {
	return []importer.File{{Name: "big.jsonl", Version: "1", Size: int64(len(g.line)+1) * int64(g.n)}}, nil
}

func (g generatedSource) Open(context.Context, importer.File) (io.ReadCloser, error) {
	return io.NopCloser(&repeatReader{line: append(append([]byte(nil), g.line...), '\n'), left: g.n}), nil
}

type repeatReader struct {
	line []byte
	pos  int
	left int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:], r.line[r.pos:])
		n += c
		r.pos += c
		if r.pos == len(r.line) {
			r.pos, r.left = 0, r.left-1
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// peakHeap samples the heap in use until stop is called and returns its peak.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// A file far larger than memory is read in flat memory, whether its lines
// are short or megabytes long: a batch ends at 1,000 lines or 8 MiB of
// them. The lines lack required fields, so every one is read, hashed,
// looked up and decoded, and none is written. (On SQLite only: this is
// about the reading side, which is the same for both databases.)
func TestImport_StreamsLargeFilesInFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 600 MB")
	}
	func(t *testing.T, db *database.DB) {
		for _, tt := range []struct {
			name      string
			lineBytes int
			lines     int
		}{
			{"short lines", 500, 600_000}, // 300 MB
			{"3 MB lines", 3 << 20, 100},  // 300 MB
		} {
			t.Run(tt.name, func(t *testing.T) {
				body := strings.Repeat("x", tt.lineBytes-60)
				line := []byte(fmt.Sprintf(`{"external_id":"same-id","author_email":"a@example.com","title":%q}`, body))
				runtime.GC()
				stop := peakHeap()
				sum, err := importer.Run(context.Background(), db.Orm(), generatedSource{line: line, n: tt.lines},
					importer.Options{Workers: 1})
				peak := stop()
				require.NoError(t, err)
				assert.Equal(t, int64(tt.lines), sum.Read)
				assert.Equal(t, int64(tt.lines), sum.Rejected)
				input := int64(len(line)+1) * int64(tt.lines)
				t.Logf("%d MB read, peak heap in use %d MB", input>>20, peak>>20)
				assert.Less(t, peak, uint64(96<<20), "peak heap %d MB for %d MB of input", peak>>20, input>>20)
				assert.True(t, bytes.Contains([]byte(sum.Rejections[0].Reason), []byte("missing required field(s): body_markdown")), sum.Rejections[0].Reason)
			})
		}
	}(t, dbtest.Open(t, "sqlite", true))
}
