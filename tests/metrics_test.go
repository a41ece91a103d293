package tests

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/cache"
	"inkwell/database/dbtest"
	"inkwell/metrics"
	"inkwell/tests/apptest"
	"inkwell/testsupport/testapp"
)

// scrape reads the registry the way Prometheus does and returns its
// families by name.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*ioFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	require.NoError(t, err)
	out := map[string]*ioFamily{}
	for name, f := range fams {
		fam := &ioFamily{}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
			fam.series = append(fam.series, ioSeries{labels: labels, value: v})
		}
		out[name] = fam
	}
	return out
}

type ioSeries struct {
	labels map[string]string
	value  float64
}

type ioFamily struct{ series []ioSeries }

// value sums the series whose labels include want.
func (f *ioFamily) value(want map[string]string) (float64, int) {
	if f == nil {
		return 0, 0
	}
	var sum float64
	n := 0
	for _, s := range f.series {
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
			}
		}
		if match {
			sum += s.value
			n++
		}
	}
	return sum, n
}

// Requests are labelled by the route pattern that served them, never by
// the raw path: a thousand unknown paths make one series, and reading a
// thousand different posts makes one too.
func TestMetrics_RequestsAreLabelledByRoutePatternWithBoundedCardinality(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	m := metrics.New(metrics.Build{Version: "test", Commit: "abc"})
	app := testapp.Start(t, db, google, testapp.Options{Metrics: m, PostCache: m.Cache(cache.NewMemory(1 << 20))})
	auth := testapp.Bearer(google.Token(t, "sub-m", "m@example.com", "M"))

	resp, body := app.Do(t, http.MethodPost, "/api/v1/posts", auth, strings.NewReader(`{"title":"counted","status":"published"}`))
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	loc := resp.Header.Get("Location")
	for range 3 {
		resp, body = app.Do(t, http.MethodGet, loc, auth, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
	}
	for i := range 200 {
		resp, _ = app.Do(t, http.MethodGet, fmt.Sprintf("/api/v1/posts/%d", 1000+i), auth, nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
	}
	for i := range 1000 {
		resp, _ = app.Do(t, http.MethodGet, fmt.Sprintf("/no/such/page/%d", i), "", nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
	}
	resp, _ = app.Do(t, http.MethodGet, "/api/v1/me", "", nil) // refused before routing
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	// Every kind of route is labelled by its pattern: a public page and a
	// static file (controllers) and the API explorer (a plain handler).
	for _, path := range []string{"/", "/posts/1", "/swagger/", "/swagger/swagger.json"} {
		resp, body = app.Do(t, http.MethodGet, path, "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, body)
	}

	fams := scrape(t, m)
	reqs := fams["inkwell_http_requests_total"]
	require.NotNil(t, reqs)
	n, series := reqs.value(map[string]string{"route": "/api/v1/posts/:id", "method": "GET", "code": "200"})
	assert.EqualValues(t, 3, n)
	assert.Equal(t, 1, series)
	n, series = reqs.value(map[string]string{"route": "/api/v1/posts/:id", "method": "GET", "code": "404"})
	assert.EqualValues(t, 200, n, "a missing post is still the post route")
	assert.Equal(t, 1, series)
	n, series = reqs.value(map[string]string{"route": metrics.Unmatched, "method": "GET", "code": "404"})
	assert.EqualValues(t, 1000, n)
	assert.Equal(t, 1, series, "unknown paths share one series")
	n, _ = reqs.value(map[string]string{"route": metrics.Unmatched, "code": "401"})
	assert.EqualValues(t, 1, n)
	n, _ = reqs.value(map[string]string{"route": "/api/v1/posts/", "method": "POST", "code": "201"})
	assert.EqualValues(t, 1, n, "series: %v", reqs.series)
	for route, want := range map[string]float64{"/": 1, "/posts/:id([0-9]+)": 1, "/swagger": 2} {
		n, _ = reqs.value(map[string]string{"route": route, "method": "GET", "code": "200"})
		assert.EqualValues(t, want, n, "route %s; series: %v", route, reqs.series)
	}
	assert.LessOrEqual(t, len(reqs.series), 11, "series: %v", reqs.series)

	hist := fams["inkwell_http_request_duration_seconds"]
	n, _ = hist.value(map[string]string{"route": "/api/v1/posts/:id", "method": "GET"})
	assert.EqualValues(t, 203, n)

	// The post cache: the first read missed, the next two hit.
	hits, _ := fams["inkwell_cache_reads_total"].value(map[string]string{"family": "post", "result": "hit"})
	misses, _ := fams["inkwell_cache_reads_total"].value(map[string]string{"family": "post", "result": "miss"})
	assert.GreaterOrEqual(t, hits, 2.0)
	assert.GreaterOrEqual(t, misses, 1.0)

	build, _ := fams["inkwell_build_info"].value(map[string]string{"version": "test", "commit": "abc"})
	assert.EqualValues(t, 1, build)
	assert.Contains(t, fams, "go_goroutines")
	assert.Contains(t, fams, "process_resident_memory_bytes")
}

// The binary serves /metrics on METRICS_ADDR, a listener of its own, and
// not on the public port (HAProxy routes only that one).
func TestMetrics_ServedOnTheirOwnListenerOnly(t *testing.T) {
	t.Parallel()
	cfg := dbtest.Config(t, "sqlite")
	app := apptest.Start(t, dbtest.Env(cfg)...)
	resp, err := http.Get(app.URL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()

	resp, err = http.Get(app.MetricsURL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `inkwell_http_requests_total{code="200",method="GET",route="/healthz"} `)
	assert.Contains(t, string(body), `go_sql_open_connections{db_name="sqlite"}`)
	assert.Contains(t, string(body), "inkwell_build_info{")

	resp, err = http.Get(app.URL + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// Go's profiler is on the private listener too, and only there.
	pprofURL := strings.TrimSuffix(app.MetricsURL, "/metrics") + "/debug/pprof/goroutine?debug=1"
	resp, err = http.Get(pprofURL)
	require.NoError(t, err)
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "goroutine profile:")
	resp, err = http.Get(app.URL + "/debug/pprof/goroutine?debug=1")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
