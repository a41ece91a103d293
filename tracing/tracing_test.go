package tracing_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	_ "modernc.org/sqlite"

	"inkwell/server"
	"inkwell/tracing"
)

// newTracing records every span in memory, synchronously.
func newTracing(t *testing.T) (*tracing.Tracing, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tr := tracing.New(tracing.Build{Version: "v-test", Commit: "c0ffee"}, sdktrace.WithSyncer(exp), sdktrace.AlwaysSample())
	t.Cleanup(func() { _ = tr.Shutdown(0) })
	return tr, exp
}

// serve puts h behind the request middleware with tr as its tracer, as
// routers.App.Handler does.
func serve(tr *tracing.Tracing, h http.Handler) http.Handler {
	return server.MiddlewareWith(slog.New(slog.DiscardHandler), server.BodyLimits{Default: 1 << 20},
		server.Hooks{Tracer: tr}, h)
}

func byName(spans tracetest.SpanStubs, name string) *tracetest.SpanStub {
	for i := range spans {
		if spans[i].Name == name {
			return &spans[i]
		}
	}
	return nil
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// The server span joins the caller's trace (W3C traceparent), is renamed
// by the route pattern the router matched, and parents the spans made
// with the request's context.
func TestHandler_JoinsTheCallersTraceAndIsNamedByRoute(t *testing.T) {
	tr, exp := newTracing(t)
	h := serve(tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.SetRoute(r.Context(), "/api/v1/posts/:id")
		_, child := tr.Provider().Tracer("test").Start(r.Context(), "work")
		child.End()
		w.WriteHeader(http.StatusTeapot)
	}))
	req := httptest.NewRequest(http.MethodGet, "/api/v1/posts/42", http.NoBody)
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	h.ServeHTTP(httptest.NewRecorder(), req)

	spans := exp.GetSpans()
	srv := byName(spans, "GET /api/v1/posts/:id")
	require.NotNil(t, srv, "spans: %v", names(spans))
	assert.Equal(t, trace.SpanKindServer, srv.SpanKind)
	assert.Equal(t, traceID, srv.SpanContext.TraceID().String())
	assert.Equal(t, parentID, srv.Parent.SpanID().String())
	assert.True(t, srv.Parent.IsRemote())
	attrs := map[string]string{}
	for _, a := range srv.Attributes {
		attrs[string(a.Key)] = a.Value.String()
	}
	assert.Equal(t, "/api/v1/posts/:id", attrs["http.route"])
	assert.Equal(t, "418", attrs["http.response.status_code"])
	work := byName(spans, "work")
	require.NotNil(t, work)
	assert.Equal(t, srv.SpanContext.SpanID(), work.Parent.SpanID())
	assert.Equal(t, "v-test", resourceAttr(srv, "service.version"))
}

func resourceAttr(s *tracetest.SpanStub, key string) string {
	for _, a := range s.Resource.Attributes() {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

// A request no route matched keeps the method as its name: never the raw
// path, which would make one span name per URL.
func TestHandler_UnroutedRequestIsNamedByMethodOnly(t *testing.T) {
	tr, exp := newTracing(t)
	h := serve(tr, http.NotFoundHandler())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/no/such/page/1", http.NoBody))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/x", http.NoBody))
	assert.Equal(t, []string{"GET", "HTTP"}, names(exp.GetSpans()))
}

func TestHandler_HealthProbesAreNotTraced(t *testing.T) {
	tr, exp := newTracing(t)
	var sawSpan bool
	h := serve(tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawSpan = trace.SpanContextFromContext(r.Context()).IsValid()
	}))
	for _, p := range []string{"/healthz", "/readyz"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, http.NoBody))
		assert.False(t, sawSpan, p)
	}
	assert.Empty(t, exp.GetSpans())
}

type ctxKey struct{}

// Off, everything is handed back as given: no span, no provider.
func TestOff_IsNil(t *testing.T) {
	var tr *tracing.Tracing
	req := httptest.NewRequest(http.MethodGet, "/p", http.NoBody)
	ctx := context.WithValue(context.Background(), ctxKey{}, 1)
	assert.Equal(t, ctx, tr.StartRequest(ctx, req))
	tr.EndRequest(req.WithContext(ctx), http.StatusOK)
	assert.Nil(t, tr.Provider())
	assert.NoError(t, tr.Shutdown(0))
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	started, err := tracing.Start(context.Background(), tracing.Build{})
	require.NoError(t, err)
	assert.Nil(t, started)
}

func TestEnabled(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "TRUE"}, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, tracing.Enabled(func(k string) string { return c.env[k] }), "%v", c.env)
	}
}

func TestSamplerFromEnv(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	s, err := tracing.SamplerFromEnv(get)
	require.NoError(t, err)
	assert.Equal(t, "ParentBased{root:TraceIDRatioBased{0.1},remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}", s.Description())

	env["OTEL_TRACES_SAMPLER_ARG"] = "0.25"
	s, err = tracing.SamplerFromEnv(get)
	require.NoError(t, err)
	assert.Contains(t, s.Description(), "TraceIDRatioBased{0.25}")

	env["OTEL_TRACES_SAMPLER_ARG"] = "1.5"
	_, err = tracing.SamplerFromEnv(get)
	assert.ErrorContains(t, err, "OTEL_TRACES_SAMPLER_ARG")

	env["OTEL_TRACES_SAMPLER"] = "always_on" // the SDK reads it itself
	s, err = tracing.SamplerFromEnv(get)
	require.NoError(t, err)
	assert.Nil(t, s)
}

// At the default ratio about a tenth of new traces are kept, and a
// caller's decision is followed either way.
func TestDefaultSampler_KeepsATenthAndFollowsTheParent(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	s, err := tracing.SamplerFromEnv(func(string) string { return "" })
	require.NoError(t, err)
	tr := tracing.New(tracing.Build{}, sdktrace.WithSyncer(exp), s)
	h := serve(tr, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for range 2000 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/p", http.NoBody))
	}
	kept := len(exp.GetSpans())
	// Trace ids are random: 200 expected; 5 standard deviations each side.
	assert.InDelta(t, 200, kept, 70)

	exp.Reset()
	for _, flags := range []string{"01", "00"} {
		req := httptest.NewRequest(http.MethodGet, "/p", http.NoBody)
		req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-"+flags)
		for range 20 {
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
	}
	assert.Len(t, exp.GetSpans(), 20, "sampled parents are all kept, unsampled ones never")
}

// Statements made with a traced context are child spans; statements
// without a span in their context make none (they would each be a trace).
func TestOpenSQL_StatementsAreChildSpans(t *testing.T) {
	tr, exp := newTracing(t)
	db, err := tracing.OpenSQL(tr.Provider(), "sqlite", "file:"+filepath.Join(t.TempDir(), "t.db"), "sqlite")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("CREATE TABLE t (id INTEGER)")
	require.NoError(t, err)
	require.Empty(t, exp.GetSpans(), "no parent, no span: %v", names(exp.GetSpans()))

	ctx, parent := tr.Provider().Tracer("test").Start(context.Background(), "request")
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM t WHERE id > ?", 3).Scan(&n))
	parent.End()

	spans := exp.GetSpans()
	q := byName(spans, "sql.conn.query")
	require.NotNil(t, q, "spans: %v", names(spans))
	assert.Equal(t, parent.SpanContext().SpanID(), q.Parent.SpanID())
	attrs := map[string]string{}
	for _, a := range q.Attributes {
		attrs[string(a.Key)] = a.Value.String()
	}
	assert.Equal(t, "SELECT COUNT(*) FROM t WHERE id > ?", attrs["db.query.text"], "placeholders, not values")
	assert.Equal(t, "sqlite", attrs["db.system.name"])
}

// A request whose trace is not kept still carries valid ids (for the logs
// and outgoing calls) but records nothing: no attributes are gathered.
func TestHandler_UnsampledRequestGetsIDsAndRecordsNothing(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr := tracing.New(tracing.Build{}, sdktrace.WithSyncer(exp), sdktrace.ParentBased(sdktrace.NeverSample()))
	var span trace.Span
	serve(tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		span = trace.SpanFromContext(r.Context())
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/p", http.NoBody))
	require.NotNil(t, span)
	assert.True(t, span.SpanContext().IsValid())
	assert.False(t, span.SpanContext().IsSampled())
	assert.False(t, span.IsRecording())
	assert.Empty(t, exp.GetSpans())
}

// A kept request answered 5xx is an error span, with its status code.
func TestHandler_ServerErrorMarksTheSpan(t *testing.T) {
	tr, exp := newTracing(t)
	serve(tr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/x?token=secret", http.NoBody))
	spans := exp.GetSpans()
	require.Len(t, spans, 1)
	assert.Equal(t, "Error", spans[0].Status.Code.String())
	attrs := map[string]string{}
	for _, a := range spans[0].Attributes {
		attrs[string(a.Key)] = a.Value.String()
	}
	assert.Equal(t, "503", attrs["http.response.status_code"])
	assert.Equal(t, "/x", attrs["url.path"], "never the query string")
	assert.Equal(t, "POST", attrs["http.request.method"])
}

// A handler that panics still ends its span: a plain panic answers 500
// (an error span), and an aborted request (http.ErrAbortHandler, which the
// middleware passes on to net/http) is an error span with no status.
func TestHandler_PanicsEndTheSpan(t *testing.T) {
	tr, exp := newTracing(t)
	rec := httptest.NewRecorder()
	serve(tr, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", http.NoBody))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	spans := exp.GetSpans()
	require.Len(t, spans, 1)
	assert.Equal(t, "Error", spans[0].Status.Code.String())
	assert.Contains(t, spans[0].Attributes, attribute.Int("http.response.status_code", 500))

	exp.Reset()
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		serve(tr, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })).
			ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/y", http.NoBody))
	})
	spans = exp.GetSpans()
	require.Len(t, spans, 1, "the aborted request's span is ended")
	assert.Equal(t, "Error", spans[0].Status.Code.String())
	for _, a := range spans[0].Attributes {
		assert.NotEqual(t, "http.response.status_code", string(a.Key))
	}
}
