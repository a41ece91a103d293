package logging

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Access is the one log line written for every request.
type Access struct {
	RequestID, Method, Path string
	Status                  int
	Duration                time.Duration
	Bytes                   int64
	Remote                  string
	// ClientIP and Scheme are the client as the trusted proxy reported it
	// ("" when there is none).
	ClientIP, Scheme string
}

// attrs is the line as slog attributes (the general path).
func (a *Access) attrs() []slog.Attr {
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs, slog.String("request_id", a.RequestID), slog.String("method", a.Method),
		slog.String("path", a.Path), slog.Int("status", a.Status),
		slog.Float64("duration_ms", durationMS(a.Duration)),
		slog.Int64("bytes", a.Bytes), slog.String("remote", a.Remote))
	if a.ClientIP != "" || a.Scheme != "" {
		attrs = append(attrs, slog.String("client_ip", a.ClientIP), slog.String("scheme", a.Scheme))
	}
	return attrs
}

func durationMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

var accessBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// LogAccess writes a's line at level through log. For a logger made by New
// it encodes the line itself (the same JSON object the handler would
// write, trace ids included) into a pooled buffer and writes it in one
// call: written through slog's JSON handler this line cost about a sixth of
// a cached read's CPU. Any other logger gets the line through slog.
func LogAccess(ctx context.Context, log *slog.Logger, level slog.Level, a *Access) {
	h, ok := log.Handler().(traceHandler)
	if !ok || h.out == nil {
		log.LogAttrs(ctx, level, "request", a.attrs()...)
		return
	}
	if !h.Enabled(ctx, level) {
		return
	}
	bp := accessBuffers.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, `{"time":"`...)
	b = time.Now().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":`...)
	b = appendJSONString(b, level.String())
	b = append(b, `,"msg":"request","request_id":`...)
	b = appendJSONString(b, a.RequestID)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, a.Method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, a.Path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(a.Status), 10)
	b = append(b, `,"duration_ms":`...)
	b = strconv.AppendFloat(b, durationMS(a.Duration), 'f', -1, 64)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, a.Bytes, 10)
	b = append(b, `,"remote":`...)
	b = appendJSONString(b, a.Remote)
	if a.ClientIP != "" || a.Scheme != "" {
		b = append(b, `,"client_ip":`...)
		b = appendJSONString(b, a.ClientIP)
		b = append(b, `,"scheme":`...)
		b = appendJSONString(b, a.Scheme)
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		b = append(b, `,"trace_id":"`...)
		tid, sid := sc.TraceID(), sc.SpanID()
		b = hex.AppendEncode(b, tid[:])
		b = append(b, `","span_id":"`...)
		b = hex.AppendEncode(b, sid[:])
		b = append(b, `","trace_sampled":`...)
		b = strconv.AppendBool(b, sc.IsSampled())
	}
	b = append(b, "}\n"...)
	h.out.write(b)
	*bp = b
	accessBuffers.Put(bp)
}

// appendJSONString appends s as a JSON string: printable ASCII as is, and
// anything else (quotes, controls, non-ASCII, invalid UTF-8) as
// encoding/json escapes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
