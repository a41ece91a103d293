package tests

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"inkwell/auth/authtest"
	"inkwell/cache/cachetest"
	"inkwell/tests/apptest"
)

// otlpReceiver is an OTLP/HTTP trace endpoint (protobuf) that keeps every
// span it is sent, with the instrumentation scope that made it.
type otlpReceiver struct {
	mu    sync.Mutex
	spans []receivedSpan
}

type receivedSpan struct {
	scope string
	span  *tracepb.Span
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "want protobuf on /v1/traces", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req collectortrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				o.spans = append(o.spans, receivedSpan{scope: ss.GetScope().GetName(), span: s})
			}
		}
	}
	o.mu.Unlock()
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (o *otlpReceiver) all() []receivedSpan {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]receivedSpan(nil), o.spans...)
}

func spanAttr(s *tracepb.Span, key string) string {
	for _, kv := range s.GetAttributes() {
		if kv.GetKey() == key {
			if v, ok := kv.GetValue().GetValue().(*commonpb.AnyValue_IntValue); ok {
				return strconv.FormatInt(v.IntValue, 10)
			}
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

// With OTEL_EXPORTER_OTLP_ENDPOINT set, the binary exports the span tree
// of GET /api/v1/posts/{id} over OTLP/HTTP: the server span joins the
// caller's trace (traceparent), is named by the route pattern, and
// parents the request's database statements and, with REDIS_URL, its
// Redis commands; the access log line carries the trace id. The exit
// flushes what is buffered.
func TestBinary_TracesAPostReadToItsDatabaseAndCache(t *testing.T) {
	t.Parallel()
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	defer collector.Close()

	google := authtest.NewProvider(t)
	env := append(google.Env(), "RUNMODE=dev", "SQLITE_PATH="+filepath.Join(t.TempDir(), "t.db"),
		"OTEL_EXPORTER_OTLP_ENDPOINT="+collector.URL, "OTEL_BSP_SCHEDULE_DELAY=100", "OTEL_SERVICE_NAME=inkwell-test")
	withRedis := false
	if url := cachetestURL(t); url != "" {
		prefix := cachetest.Prefix()
		cachetest.DeleteAfter(t, url, prefix)
		env = append(env, "REDIS_URL="+url, "CACHE_KEY_PREFIX="+prefix)
		withRedis = true
	}
	app := apptest.Start(t, env...)

	author := bearer(google.Token(t, "tr-author", "author@example.com", "Author"))
	req, err := http.NewRequest(http.MethodPost, app.URL+"/api/v1/posts", strings.NewReader(`{"title":"traced","status":"published"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", author)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	loc := resp.Header.Get("Location")

	// A reader never seen before: signing them in is part of this request.
	// The caller's trace is sampled, so the default parent-based sampler
	// keeps this one whatever its ratio.
	const traceID, callerSpan = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	req, err = http.NewRequest(http.MethodGet, app.URL+loc, http.NoBody)
	require.NoError(t, err)
	req.Header.Set("Authorization", bearer(google.Token(t, "tr-reader", "reader@example.com", "Reader")))
	req.Header.Set("traceparent", "00-"+traceID+"-"+callerSpan+"-01")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	require.Equal(t, 0, app.Stop(t), "exit code")

	var server *tracepb.Span
	var children []receivedSpan
	var orphanSQL []string
	spans := recv.all()
	for _, s := range spans {
		if hex.EncodeToString(s.span.GetTraceId()) == traceID && s.span.GetKind() == tracepb.Span_SPAN_KIND_SERVER {
			server = s.span
		}
		if strings.Contains(s.scope, "otelsql") && len(s.span.GetParentSpanId()) == 0 {
			orphanSQL = append(orphanSQL, s.span.GetName())
		}
	}
	require.NotNil(t, server, "no server span in trace %s among %d spans", traceID, len(spans))
	assert.Equal(t, "GET /api/v1/posts/:id", server.GetName())
	assert.Equal(t, callerSpan, hex.EncodeToString(server.GetParentSpanId()))
	assert.Equal(t, "/api/v1/posts/:id", spanAttr(server, "http.route"))
	for _, s := range spans {
		if string(s.span.GetParentSpanId()) == string(server.GetSpanId()) {
			children = append(children, s)
		}
	}
	var sqlStatements, redisCommands []string
	for _, c := range children {
		switch {
		case strings.Contains(c.scope, "otelsql"):
			sqlStatements = append(sqlStatements, spanAttr(c.span, "db.query.text"))
		case strings.Contains(c.scope, "rueidis"):
			redisCommands = append(redisCommands, c.span.GetName())
		}
	}
	t.Logf("children of %q: SQL %q; Redis %q", server.GetName(), sqlStatements, redisCommands)
	// Signing in the new reader looks them up (and stores them) by issuer.
	require.NotEmpty(t, sqlStatements, "children: %v", children)
	assert.Contains(t, strings.Join(sqlStatements, "\n"), "users")
	if withRedis {
		assert.Contains(t, redisCommands, "GET", "the post cache's reads")
	} else {
		assert.Empty(t, redisCommands)
	}
	assert.Empty(t, orphanSQL, "statements made without a request's span make no trace of their own")

	var accessLine string
	for _, l := range strings.Split(app.Logs(), "\n") {
		if strings.Contains(l, `"msg":"request"`) && strings.Contains(l, `"method":"GET"`) && strings.Contains(l, loc+`"`) {
			accessLine = l
		}
	}
	assert.Contains(t, accessLine, `"trace_id":"`+traceID+`"`)
	assert.Contains(t, accessLine, `"span_id":"`+hex.EncodeToString(server.GetSpanId())+`"`)
}

// Without an OTLP endpoint nothing is exported and no log line names a
// trace: tracing is off.
func TestBinary_TracingIsOffByDefault(t *testing.T) {
	t.Parallel()
	app := apptest.Start(t, "SQLITE_PATH="+filepath.Join(t.TempDir(), "t.db"))
	req, err := http.NewRequest(http.MethodGet, app.URL+"/auth/config", http.NoBody)
	require.NoError(t, err)
	req.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	app.Stop(t)
	assert.Contains(t, app.Logs(), `"msg":"request"`)
	assert.NotContains(t, app.Logs(), "trace_id")
	assert.NotContains(t, app.Logs(), "tracing on")
}

// cachetestURL is TEST_REDIS_URL, or "" (the test then runs without Redis).
func cachetestURL(t *testing.T) string {
	t.Helper()
	if os.Getenv("TEST_REDIS_URL") == "" {
		return ""
	}
	return cachetest.RedisURL(t)
}
