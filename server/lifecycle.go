package server

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Lifecycle lets the readiness probe report that the process is about to
// stop. A load balancer only learns a replica is going away from its health
// checks, so the replica must fail them for a while before it stops
// accepting connections; otherwise requests race the closing listener.
type Lifecycle struct {
	draining atomic.Bool
}

// Draining reports whether shutdown has begun; a nil Lifecycle never drains.
func (l *Lifecycle) Draining() bool { return l != nil && l.draining.Load() }

// StopAfterDrain returns a context for Serve that is cancelled delay after
// ctx is. In between, Draining reports true (so /readyz answers 503) while
// the server keeps serving normally.
func (l *Lifecycle) StopAfterDrain(ctx context.Context, log *slog.Logger, delay time.Duration) context.Context {
	serveCtx, cancel := context.WithCancel(context.Background())
	go func() {
		<-ctx.Done()
		l.draining.Store(true)
		if delay > 0 {
			log.Info("shutting down: failing readiness before closing the listener", "drain_delay", delay.String())
			time.Sleep(delay)
		}
		cancel()
	}()
	return serveCtx
}
