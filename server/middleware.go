package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"inkwell/logging"
)

// Observer sees every request the middleware serves (metrics): Done runs
// once the answer is written, with its status and the time it took (the
// route the request matched is RouteOf its context).
type Observer interface {
	Done(r *http.Request, status int, elapsed time.Duration)
}

// Tracer opens a span around every request the middleware serves
// (tracing.Tracing). StartRequest returns the request's context carrying
// its span, or ctx itself for a request it does not trace; EndRequest ends
// that span, given the request as served (its context: RouteOf names the
// route it matched) and its status.
//
// It runs inside the middleware rather than as a handler around it: one
// request copy and one stack frame fewer. Each request's stack peaks just
// under a goroutine's first 8 KiB (Beego's router recursion is most of it);
// a wrapper's frame pushed it over, so every keep-alive connection's stack
// was doubled, then halved again by the next GC, which measured about 8 %
// more CPU per cached read (docs/operations.md, "Cost").
type Tracer interface {
	StartRequest(ctx context.Context, r *http.Request) context.Context
	EndRequest(r *http.Request, status int)
}

// Hooks are what MiddlewareWith runs for every request besides its own
// work; each may be nil. Context adds the app's own values to the
// request's context, in the same single copy of the request.
type Hooks struct {
	Observer Observer
	Tracer   Tracer
	Context  func(context.Context) context.Context
}

// Middleware gives every request an id (a valid incoming X-Request-Id is
// kept, so a proxy's id follows the request), caps its body at
// maxBodyBytes, logs one line when it ends, and turns a panic that escaped
// Beego into a JSON 500.
func Middleware(log *slog.Logger, maxBodyBytes int64, next http.Handler) http.Handler {
	return MiddlewareWith(log, BodyLimits{Default: maxBodyBytes}, Hooks{}, next)
}

// BodyLimits is how many body bytes a request may send: Default, or the
// limit of its exact method and path in Routes (the media upload alone
// takes more than MAX_BODY_BYTES). Every body limit lives here, so a route
// cannot raise its own by mistake.
type BodyLimits struct {
	Default int64
	// Routes maps "METHOD /path" (no query) to its limit.
	Routes map[string]int64
}

// For is r's body limit.
func (l BodyLimits) For(r *http.Request) int64 {
	if n, ok := l.Routes[r.Method+" "+r.URL.Path]; ok {
		return n
	}
	return l.Default
}

// MiddlewareWith is Middleware with per-route body limits and hooks: the
// observer is told of every request from the same status and clock as the
// access log, and the tracer's span covers the whole request (its ids are
// on the access line, which is written just after the span ends).
func MiddlewareWith(log *slog.Logger, limits BodyLimits, hooks Hooks, next http.Handler) http.Handler {
	obs, tracer, withValues := hooks.Observer, hooks.Tracer, hooks.Context
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		maxBodyBytes := limits.For(r)
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !logging.ValidRequestID(id) {
			id = logging.NewRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := r.Context()
		if tracer != nil {
			ctx = tracer.StartRequest(ctx, r)
		}
		ctx = logging.WithRequestID(ctx, id)
		if obs != nil || tracer != nil {
			ctx = withRoute(ctx)
		}
		if withValues != nil {
			ctx = withValues(ctx)
		}
		r = r.WithContext(ctx) // one copy of the request for all
		rec := &statusRecorder{ResponseWriter: w, beforeHeader: func(h http.Header) { secureHeaders(h, r) }}
		defer func() {
			if p := recover(); p != nil {
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					if tracer != nil {
						tracer.EndRequest(r, rec.status)
					}
					panic(p)
				}
				log.Error("panic", "request_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeRawError(rec, http.StatusInternalServerError, "internal", "internal error (request id "+id+")")
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			if obs != nil {
				obs.Done(r, status, elapsed)
			}
			if tracer != nil {
				tracer.EndRequest(r, status)
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			line := logging.Access{RequestID: id, Method: r.Method, Path: r.URL.Path, Status: status,
				Duration: elapsed, Bytes: rec.bytes, Remote: r.RemoteAddr}
			if c, ok := ClientFrom(r.Context()); ok {
				line.ClientIP, line.Scheme = c.IP, c.Scheme
			}
			logging.LogAccess(r.Context(), log, level, &line)
		}()
		if r.ContentLength > maxBodyBytes {
			writeRawError(rec, http.StatusRequestEntityTooLarge, "too_large",
				fmt.Sprintf("the body is larger than %d bytes", maxBodyBytes))
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(rec, r.Body, maxBodyBytes)
		}
		next.ServeHTTP(rec, r)
		if rec.status == 0 && !rec.hijacked {
			// Nothing was written: net/http would send a bare 200 without
			// the headers above.
			rec.WriteHeader(http.StatusOK)
		}
	})
}

func writeRawError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, message)
}

// statusRecorder remembers the status and size for the access log while
// keeping the writer's optional interfaces reachable (streaming, upgrades).
// beforeHeader runs once, just before the header is written.
type statusRecorder struct {
	http.ResponseWriter
	status       int
	bytes        int64
	hijacked     bool
	beforeHeader func(http.Header)
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 && code >= 200 { // 1xx answers come before the real one
		s.status = code
		if s.beforeHeader != nil {
			s.beforeHeader(s.Header())
		}
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.WriteHeader(http.StatusOK)
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("server: response writer cannot be hijacked")
	}
	s.hijacked = true
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
