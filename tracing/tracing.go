// Package tracing is Inkwell's OpenTelemetry tracing, off unless
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set. Off means off: no SDK, no exporter goroutine, no span per request,
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
	tracer     trace.Tracer // the server spans'
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
	t.tracer = t.tp.Tracer("inkwell/tracing")
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

// serverSpan is the one option every request span is started with, built
// once (a variadic option would cost an allocation per request).
var serverSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}

// StartRequest starts a server span for r (joining the caller's trace
// when it sends a traceparent) and returns ctx carrying it, named by the
// method; EndRequest names it by the route the router matched.
// server.MiddlewareWith calls it, and EndRequest once r is answered.
// Health probes are not traced: they arrive every few seconds and say
// nothing. A nil Tracing traces nothing.
//
// This is a few lines rather than otelhttp.NewHandler because of what an
// unsampled request costs: otelhttp builds every request's attributes and
// wraps its writer before knowing whether the span records (and records
// OTel metrics even into a no-op provider), which measured 36 allocations
// and ~4 KB per request with nothing kept (BenchmarkObservedPostRead,
// docs/operations.md). Here a request whose trace is not sampled gets a
// non-recording span (its ids still reach the logs and outgoing calls)
// and nothing else; attributes and the status are set only on the spans
// that are kept. Names and attributes follow the OTel HTTP semantic
// conventions, as otelhttp's do.
func (t *Tracing) StartRequest(ctx context.Context, r *http.Request) context.Context {
	if t == nil || isProbe(r) {
		return ctx
	}
	// Looked up by their canonical keys first: Extract asks for
	// "traceparent" and "baggage", which http.Header canonicalizes into a
	// new string on every call (two allocations per request for nothing
	// when, as mostly, the caller sends neither).
	if r.Header["Traceparent"] != nil || r.Header["Baggage"] != nil {
		ctx = t.propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
	}
	ctx, span := t.tracer.Start(ctx, method(r.Method), serverSpan...)
	if span.IsRecording() {
		span.SetAttributes(requestAttributes(r)...)
	}
	return ctx
}

// EndRequest ends the span StartRequest put in r's context. A kept span
// is named "METHOD pattern" by the route the router matched
// (server.RouteOf, e.g. GET /api/v1/posts/:id; never the raw path, so a
// trace backend can group them) with http.route, and gets the answer's
// status (a 5xx marks it an error; 0 is a request abandoned before any
// answer).
func (t *Tracing) EndRequest(r *http.Request, status int) {
	if t == nil || isProbe(r) {
		return
	}
	span := trace.SpanFromContext(r.Context())
	if span.IsRecording() {
		if pattern := server.RouteOf(r.Context()); pattern != "" {
			span.SetName(method(r.Method) + " " + pattern)
			span.SetAttributes(attribute.String("http.route", pattern))
		}
		if status != 0 {
			span.SetAttributes(attribute.Int("http.response.status_code", status))
		}
		if status >= 500 || status == 0 {
			span.SetStatus(codes.Error, "")
		}
	}
	span.End()
}

// protocolVersion is HTTP's version as OTel names it: "1.1", "2".
func protocolVersion(r *http.Request) string {
	switch {
	case r.ProtoMajor == 1 && r.ProtoMinor == 1:
		return "1.1"
	case r.ProtoMajor == 2:
		return "2"
	}
	return fmt.Sprintf("%d.%d", r.ProtoMajor, r.ProtoMinor)
}

func isProbe(r *http.Request) bool { return r.URL.Path == "/healthz" || r.URL.Path == "/readyz" }

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
		attribute.String("network.protocol.version", protocolVersion(r)),
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, attribute.String("user_agent.original", ua))
	}
	return attrs
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
