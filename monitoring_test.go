package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"inkwell/auth/authtest"
	"inkwell/cache"
	"inkwell/database/dbtest"
	"inkwell/metrics"
	"inkwell/testsupport/testapp"
)

// promqlExprs returns every PromQL expression of the Grafana dashboard and
// the alert rules in k8s/monitoring.
func promqlExprs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	raw, err := os.ReadFile("k8s/monitoring/grafana-dashboard.json")
	require.NoError(t, err)
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &dash), "the dashboard is JSON")
	for _, p := range dash.Panels {
		for i, tg := range p.Targets {
			require.NotEmpty(t, tg.Expr, "panel %q target %d", p.Title, i)
			out["panel "+p.Title+" #"+string(rune('A'+i))] = tg.Expr
		}
	}
	raw, err = os.ReadFile("k8s/monitoring/prometheus-rules.yaml")
	require.NoError(t, err)
	var rules struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Groups []struct {
				Rules []struct {
					Alert       string            `yaml:"alert"`
					Expr        string            `yaml:"expr"`
					For         string            `yaml:"for"`
					Labels      map[string]string `yaml:"labels"`
					Annotations map[string]string `yaml:"annotations"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		} `yaml:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &rules), "the rules are YAML")
	assert.Equal(t, "PrometheusRule", rules.Kind)
	n := 0
	for _, g := range rules.Spec.Groups {
		for _, r := range g.Rules {
			n++
			require.NotEmpty(t, r.Alert)
			require.NotEmpty(t, r.Expr, r.Alert)
			assert.NotEmpty(t, r.For, r.Alert)
			assert.Contains(t, []string{"page", "ticket"}, r.Labels["severity"], r.Alert)
			assert.NotEmpty(t, r.Annotations["summary"], r.Alert)
			out["alert "+r.Alert] = r.Expr
		}
	}
	assert.GreaterOrEqual(t, n, 4, "error rate, p99, readiness, database pool")
	return out
}

var (
	// Label matchers, ranges and strings hold no metric names; the
	// grouping clauses hold label names.
	promqlNoise    = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]|"[^"]*"|\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|\boffset\s+[0-9smhdwy]+`)
	promqlToken    = regexp.MustCompile(`\d+(\.\d+)?([eE][+-]?\d+)?|[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promqlKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true}
)

// metricNames lists the metric names expr selects (identifiers that are
// neither numbers, functions, aggregations nor keywords).
func metricNames(expr string) []string {
	var names []string
	for _, tok := range promqlToken.FindAllString(promqlNoise.ReplaceAllString(expr, " "), -1) {
		if tok[0] >= '0' && tok[0] <= '9' || strings.HasSuffix(tok, "(") || promqlKeywords[tok] {
			continue
		}
		names = append(names, tok)
	}
	return names
}

func TestMetricNames(t *testing.T) {
	got := metricNames(`histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{route!~"x|y"}[5m]))) / b > 1e6 and on (pod) c offset 10m`)
	assert.Equal(t, []string{"a_bucket", "b", "c"}, got)
}

// Every metric the dashboard and the alerts use is one the app exports:
// the registry serve.go builds (newMetrics) is scraped after a few
// requests and its families, with their histogram and summary series
// names, are what the expressions may name. `up` is Prometheus's own.
func TestMonitoring_EveryQueriedMetricExists(t *testing.T) {
	db := dbtest.Open(t, "sqlite", true)
	m := newMetrics(db)
	google := authtest.NewProvider(t)
	app := testapp.Start(t, db, google, testapp.Options{Metrics: m, PostCache: m.Cache(cache.NewMemory(1 << 20))})
	auth := testapp.Bearer(google.Token(t, "sub-mon", "mon@example.com", "Mon"))
	resp, body := app.Do(t, http.MethodPost, "/api/v1/posts", auth, strings.NewReader(`{"title":"watched","status":"published"}`))
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	resp, body = app.Do(t, http.MethodGet, resp.Header.Get("Location"), auth, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	// The rate limiter lives on another branch; its counters appear once used.
	metrics.RateLimited("monitoring_test")
	metrics.RateLimitFailedOpen("monitoring_test")

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", http.NoBody))
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(rec.Body)
	require.NoError(t, err)
	exported := map[string]bool{"up": true}
	for name, f := range fams {
		exported[name] = true
		switch f.GetType().String() {
		case "HISTOGRAM":
			exported[name+"_bucket"], exported[name+"_sum"], exported[name+"_count"] = true, true, true
		case "SUMMARY":
			exported[name+"_sum"], exported[name+"_count"] = true, true
		}
	}

	exprs := promqlExprs(t)
	used := map[string]bool{}
	for where, expr := range exprs {
		names := metricNames(expr)
		assert.NotEmpty(t, names, "%s selects no metric: %s", where, expr)
		for _, n := range names {
			used[n] = true
			assert.True(t, exported[n], "%s uses %s, which the app does not export", where, n)
		}
	}
	var list []string
	for n := range used {
		list = append(list, n)
	}
	sort.Strings(list)
	t.Logf("%d expressions use %d metrics: %s", len(exprs), len(list), strings.Join(list, " "))
}
