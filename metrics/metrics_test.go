package metrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/metrics"
)

func TestBuildInfo(t *testing.T) {
	m := metrics.New(metrics.Build{Version: "1.2.3", Commit: "abc"})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", http.NoBody))
	body, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	var line string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "inkwell_build_info{") {
			line = l
		}
	}
	assert.Contains(t, line, `version="1.2.3"`)
	assert.Contains(t, line, `commit="abc"`)
	assert.True(t, strings.HasSuffix(line, " 1"), line)
}

func scrapeText(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", http.NoBody))
	return rec.Body.String()
}

// The rate limiter's counters: one series per action, and no more than a
// bounded number of actions whatever callers pass.
func TestRateLimited_CountsByActionWithBoundedCardinality(t *testing.T) {
	m := metrics.New(metrics.Build{})
	metrics.RateLimited("test_write")
	metrics.RateLimited("test_write")
	metrics.RateLimitFailedOpen("test_write")
	body := scrapeText(t, m)
	assert.Contains(t, body, `inkwell_ratelimit_refused_total{action="test_write"} 2`)
	assert.Contains(t, body, `inkwell_ratelimit_fail_open_total{action="test_write"} 1`)

	for i := range 1000 {
		metrics.RateLimited(fmt.Sprintf("not_a_constant_%d", i))
	}
	metrics.RateLimited(strings.Repeat("x", 65))
	series := 0
	for _, l := range strings.Split(scrapeText(t, m), "\n") {
		if strings.HasPrefix(l, "inkwell_ratelimit_refused_total{") {
			series++
		}
	}
	assert.LessOrEqual(t, series, 33, "at most 32 actions and other")
	assert.Contains(t, scrapeText(t, m), `inkwell_ratelimit_refused_total{action="other"}`)
}

// Counters exports a tally by outcome; every listed value is a series
// from the start.
func TestCounters_ReadsTalliesAtScrape(t *testing.T) {
	m := metrics.New(metrics.Build{})
	tally := map[string]float64{"made": 3}
	m.Counters("test_transfers_total", "Test.", "result", []string{"made", "replayed"}, func(r string) float64 { return tally[r] })
	body := scrapeText(t, m)
	assert.Contains(t, body, `test_transfers_total{result="made"} 3`)
	assert.Contains(t, body, `test_transfers_total{result="replayed"} 0`)
	assert.Contains(t, body, "# TYPE test_transfers_total counter")
	tally["made"] = 5
	assert.Contains(t, scrapeText(t, m), `test_transfers_total{result="made"} 5`)
}
