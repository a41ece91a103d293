package deploy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// operation is one kind of request the load sends and what counts as
// success for it. Reads and writes of posts plug in here (with a signed-in
// client) once those routes exist; a write op then records what it created
// so the test can check that nothing was lost.
type operation struct {
	name       string
	newRequest func(base string, n int64) (*http.Request, error)
	wantStatus int
	// check, if set, validates a successful response further.
	check func(resp *http.Response, body []byte) error
}

// load runs workers that each send operations in turn until stopped or
// until maxRequests in total; every unexpected status or transport error
// is a failure.
type load struct {
	client      *http.Client
	base        string
	ops         []operation
	workers     int
	maxRequests int64
	pause       time.Duration

	sent     atomic.Int64
	mu       sync.Mutex
	failures []string
}

func (l *load) run(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for w := 0; w < l.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n := l.sent.Add(1)
				if n > l.maxRequests {
					return
				}
				op := l.ops[int(n)%len(l.ops)]
				if err := l.do(op, n); err != nil {
					l.mu.Lock()
					l.failures = append(l.failures, fmt.Sprintf("%s #%d: %v", op.name, n, err))
					l.mu.Unlock()
				}
				time.Sleep(l.pause)
			}
		}()
	}
	return wg.Wait
}

func (l *load) do(op operation, n int64) error {
	req, err := op.newRequest(l.base, n)
	if err != nil {
		return err
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode != op.wantStatus {
		return fmt.Errorf("status %d, want %d: %s", resp.StatusCode, op.wantStatus, body)
	}
	if op.check != nil {
		return op.check(resp, body)
	}
	return nil
}

func (l *load) total() int64 {
	if n := l.sent.Load(); n < l.maxRequests {
		return n
	}
	return l.maxRequests
}
