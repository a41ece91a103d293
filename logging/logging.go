// Package logging sets up Inkwell's structured (JSON) logs and carries the
// request id that ties a request's log lines together.
package logging

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
)

type requestIDKey struct{}

// New returns a JSON logger; debug lines are kept outside prod.
func New(w io.Writer, runMode string) *slog.Logger {
	level := slog.LevelDebug
	if runMode == "prod" {
		level = slog.LevelInfo
	}
	out := &lineWriter{w: w}
	return slog.New(traceHandler{Handler: slog.NewJSONHandler(out, &slog.HandlerOptions{Level: level}), out: out})
}

// lineWriter serialises whole lines onto w, for the JSON handler and the
// access log's own encoder alike.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lineWriter) write(p []byte) { _, _ = l.Write(p) }

// WithTraceIDs adds trace_id and span_id to every record logged with a
// context that carries a span (tracing on: OTEL_EXPORTER_OTLP_ENDPOINT),
// so a log line leads to its trace and a trace to its lines. trace_sampled
// says whether the trace was kept: only sampled traces reach the backend,
// but the ids of the others still tie a request's lines to its caller's.
func WithTraceIDs(h slog.Handler) slog.Handler { return traceHandler{Handler: h} }

type traceHandler struct {
	slog.Handler
	// out is set on the logger New makes (not on ones derived with
	// attributes or groups): LogAccess then writes its line there itself.
	out *lineWriter
}

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()),
			slog.Bool("trace_sampled", sc.IsSampled()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceHandler{Handler: h.Handler.WithAttrs(attrs)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{Handler: h.Handler.WithGroup(name)}
}

// WithRequestID stores id in ctx.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id stored in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestIDPrefix makes ids from different processes (replicas) differ.
var requestIDPrefix = func() [4]byte {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return b
}()

var requestIDCounter atomic.Uint32

// NewRequestID returns 16 hex characters: this process's random prefix and
// a counter. Ids must be unique, not secret, and a per-request read of the
// system's random source showed up in the hot path's profile.
func NewRequestID() string {
	var b [8]byte
	copy(b[:4], requestIDPrefix[:])
	binary.BigEndian.PutUint32(b[4:], requestIDCounter.Add(1))
	return hex.EncodeToString(b[:])
}

// ValidRequestID accepts a caller's X-Request-Id only when it is short and
// made of safe characters, so it cannot forge log lines or bloat them.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}
