// Package tracing is Inkwell's OpenTelemetry tracing, off unless
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set. Off means off: no SDK, no exporter goroutine, no wrapped handler,
// driver or Redis client — a nil *Tracing, whose methods hand back what
// they were given.
//
// On, spans are exported over OTLP/HTTP (protobuf); the exporter and the
// batch processor read the standard OTEL_* variables themselves
// (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, OTEL_BSP_*, OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES…). The sampler is parentbased_traceidratio at
// 0.1 unless OTEL_TRACES_SAMPLER says otherwise; W3C traceparent and
// baggage are read from requests and written to outgoing ones.
package tracing

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"inkwell/server"
)

// DefaultRatio is the share of new traces kept when OTEL_TRACES_SAMPLER
// is not set: enough to see every route under load, cheap enough to leave on.
const DefaultRatio = 0.1

// Tracing is a running tracer provider; nil is tracing switched off.
type Tracing struct {
	tp         *sdktrace.TracerProvider
	propagator propagation.TextMapPropagator
}

// Build names the running binary on every span (service.version).
type Build struct{ Version, Commit string }

// Enabled reports whether the environment asks for tracing: an OTLP
// endpoint is set and neither OTEL_SDK_DISABLED=true nor
// OTEL_TRACES_EXPORTER=none says no.
func Enabled(getenv func(string) string) bool {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || getenv("OTEL_TRACES_EXPORTER") == "none" {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Start starts tracing when the environment enables it (see Enabled) and
// returns nil, nil when it does not.
func Start(ctx context.Context, b Build) (*Tracing, error) {
	if !Enabled(os.Getenv) {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	sampler, err := SamplerFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	return New(b, sdktrace.WithBatcher(exp), sampler), nil
}

// New builds a tracer provider exporting through proc (tests pass an
// in-memory syncer). A nil sampler leaves the choice to the SDK, which
// reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG.
func New(b Build, proc sdktrace.TracerProviderOption, sampler sdktrace.Sampler) *Tracing {
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.version", b.Version),
		attribute.String("vcs.ref.head.revision", b.Commit),
	))
	if err != nil {
		// Only conflicting schema URLs fail, and ours has none.
		res = resource.Default()
	}
	opts := []sdktrace.TracerProviderOption{proc, sdktrace.WithResource(res)}
	if sampler != nil {
		opts = append(opts, sdktrace.WithSampler(sampler))
	}
	t := &Tracing{
		tp:         sdktrace.NewTracerProvider(opts...),
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}
	// Libraries that take the globals (and anything added later) see the
	// same provider and propagator.
	otel.SetTracerProvider(t.tp)
	otel.SetTextMapPropagator(t.propagator)
	return t
}

// SamplerFromEnv is Inkwell's default sampler, parentbased_traceidratio at
// OTEL_TRACES_SAMPLER_ARG (default 0.1), unless OTEL_TRACES_SAMPLER names
// one: then it returns nil and the SDK applies that variable itself.
func SamplerFromEnv(getenv func(string) string) (sdktrace.Sampler, error) {
	if getenv("OTEL_TRACES_SAMPLER") != "" {
		return nil, nil
	}
	ratio := DefaultRatio
	if arg := getenv("OTEL_TRACES_SAMPLER_ARG"); arg != "" {
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return nil, fmt.Errorf("tracing: OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, got %q", arg)
		}
		ratio = r
	}
	return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio)), nil
}

// Provider is the tracer provider, or nil when tracing is off (the
// database and cache constructors then leave their clients unwrapped).
func (t *Tracing) Provider() trace.TracerProvider {
	if t == nil {
		return nil
	}
	return t.tp
}

// Shutdown exports the spans still buffered and stops the provider,
// waiting at most timeout.
func (t *Tracing) Shutdown(timeout time.Duration) error {
	if t == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := t.tp.Shutdown(ctx); err != nil {
		return fmt.Errorf("tracing: flush spans: %w", err)
	}
	return nil
}

// Handler starts a server span for every request next serves (joining
// the caller's trace when it sends a traceparent). The span is named by
// the method until the router names its route (SetRoute). Health probes
// are not traced: they arrive every few seconds and say nothing.
//
// This is a few lines rather than otelhttp.NewHandler because of what an
// unsampled request costs: otelhttp builds every request's attributes and
// wraps its writer before knowing whether the span records (and records
// OTel metrics even into a no-op provider), which measured 36 allocations
// and ~4 KB per request with nothing kept (BenchmarkObservedPostRead,
// docs/operations.md). Here a request whose trace is not sampled gets a
// non-recording span (its ids still reach the logs and outgoing calls)
// and nothing else; attributes and the status are gathered only for the
// spans that are kept. Names and attributes follow the OTel HTTP
// semantic conventions, as otelhttp's do.
func (t *Tracing) Handler(next http.Handler) http.Handler {
	if t == nil {
		return next
	}
	tracer := t.tp.Tracer("inkwell/tracing")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := t.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, method(r.Method), trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		if !span.IsRecording() {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		span.SetAttributes(requestAttributes(r)...)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			if status >= 500 {
				span.SetStatus(codes.Error, "")
			}
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// requestAttributes describes a kept request (never its query string,
// which may carry secrets).
func requestAttributes(r *http.Request) []attribute.KeyValue {
	scheme, client := "http", r.RemoteAddr
	if r.TLS != nil {
		scheme = "https"
	}
	if c, ok := server.ClientFrom(r.Context()); ok {
		scheme, client = c.Scheme, c.IP
	} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		client = host
	}
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", method(r.Method)),
		attribute.String("url.path", r.URL.Path),
		attribute.String("url.scheme", scheme),
		attribute.String("server.address", r.Host),
		attribute.String("client.address", client),
		attribute.String("network.protocol.version", fmt.Sprintf("%d.%d", r.ProtoMajor, r.ProtoMinor)),
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, attribute.String("user_agent.original", ua))
	}
	return attrs
}

// statusWriter remembers the status for a kept span, keeping the
// writer's optional interfaces reachable (streaming, upgrades).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("tracing: response writer cannot be hijacked")
	}
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// SetRoute names the request's server span "METHOD pattern" and records
// http.route, once the router has matched pattern (Beego's, e.g.
// /api/v1/posts/:id). Spans stay named by pattern, never by raw path, so a
// trace backend can group them. Nothing happens when the request is not
// traced or not sampled.
func SetRoute(ctx context.Context, httpMethod, pattern string) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.SetName(method(httpMethod) + " " + pattern)
	span.SetAttributes(attribute.String("http.route", pattern))
}

// method keeps span names to the methods HTTP defines.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "HTTP"
}
