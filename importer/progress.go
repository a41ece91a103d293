package importer

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Bar draws a progress bar on a terminal: bytes of the source read, files
// done, records and records per second, and the time left.
type Bar struct {
	Out io.Writer

	bar  *progressbar.ProgressBar
	stop chan struct{}
	wg   sync.WaitGroup
}

// Start implements Progress.
func (b *Bar) Start(files int, totalBytes int64, c *Counters) {
	b.bar = progressbar.NewOptions64(totalBytes,
		progressbar.OptionSetWriter(b.Out),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionFullWidth(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowDescriptionAtLineEnd(),
	)
	b.stop = make(chan struct{})
	started := time.Now()
	update := func() {
		read := c.Read.Load()
		_ = b.bar.Set64(c.BytesRead.Load())
		b.bar.Describe(fmt.Sprintf("files %d/%d  records %d  %.0f/s", c.FilesDone.Load(), files, read,
			float64(read)/max(time.Since(started).Seconds(), 0.001)))
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				update()
			case <-b.stop:
				update()
				_ = b.bar.Finish()
				fmt.Fprintln(b.Out)
				return
			}
		}
	}()
}

// Stop implements Progress.
func (b *Bar) Stop() {
	close(b.stop)
	b.wg.Wait()
}

// LogLines writes a plain progress line every Every, for logs (a Job's
// output is not a terminal).
type LogLines struct {
	Out   io.Writer
	Every time.Duration

	stop chan struct{}
	wg   sync.WaitGroup
}

// Start implements Progress.
func (l *LogLines) Start(files int, totalBytes int64, c *Counters) {
	l.stop = make(chan struct{})
	every := l.Every
	if every <= 0 {
		every = 10 * time.Second
	}
	started := time.Now()
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				elapsed := time.Since(started)
				read := c.Read.Load()
				done := c.BytesRead.Load()
				eta := "unknown"
				if done > 0 && totalBytes > done {
					eta = (time.Duration(float64(elapsed) * float64(totalBytes-done) / float64(done))).Round(time.Second).String()
				}
				fmt.Fprintf(l.Out, "import: files %d/%d, %.1f%% of %d bytes, read %d, inserted %d, updated %d, unchanged %d, rejected %d, %.0f records/s, eta %s\n",
					c.FilesDone.Load(), files, 100*float64(done)/float64(max(totalBytes, 1)), totalBytes, read,
					c.Inserted.Load(), c.Updated.Load(), c.Unchanged.Load(), c.Rejected.Load(),
					float64(read)/elapsed.Seconds(), eta)
			case <-l.stop:
				return
			}
		}
	}()
}

// Stop implements Progress.
func (l *LogLines) Stop() {
	close(l.stop)
	l.wg.Wait()
}
