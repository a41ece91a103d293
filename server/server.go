// Package server runs the HTTP server around Beego's router: request ids,
// one structured log line per request, the body limit, a last-resort panic
// guard, and graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve listens on addr and serves h until ctx is cancelled, then stops
// accepting connections and waits up to drain for in-flight requests.
// ready, if not nil, receives the bound address once listening.
func Serve(ctx context.Context, log *slog.Logger, addr string, h http.Handler, drain time.Duration, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", addr, err)
	}
	return ServeListener(ctx, log, ln, h, drain, ready)
}

// ServeListener is Serve on a listener already open. It stops without
// losing a request (drain.go): connections already queued on a TCP
// listener when ctx ends are served, not reset.
func ServeListener(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler, drain time.Duration, ready func(net.Addr)) error {
	tcp, draining := ln.(*net.TCPListener)
	var queue *drainListener
	if draining {
		queue = newDrainListener(tcp)
		ln = queue
	}
	conns := newConnTracker()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnState:         conns.hook,
	}
	if ready != nil {
		ready(ln.Addr())
	}
	log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if draining {
		// Stopping before Serve has taken the listener would leave the
		// queue to be reset.
		select {
		case <-queue.accepting:
		case err := <-errc:
			return fmt.Errorf("server: %w", err)
		}
	}
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", drain.String())
	srv.SetKeepAlivesEnabled(false)
	if draining {
		select {
		case <-queue.drain():
		case err := <-errc: // Serve had stopped: nothing is accepting
			errc <- err
			_ = queue.Close()
		}
		conns.waitRead(newConnWait)
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("server: %w", err)
	}
	log.Info("stopped")
	return nil
}
