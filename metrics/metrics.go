// Package metrics is Inkwell's Prometheus instrumentation: one registry per
// process, served on its own listener (METRICS_ADDR) so HAProxy never
// routes the public there. It uses client_golang directly rather than
// Beego's prometheus filter, which records Summaries (their quantiles
// cannot be added up across replicas) and starts a goroutine per request.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"inkwell/server"
)

// Unmatched labels requests that never reached a route: unknown paths, and
// requests ended before routing (a refused token, a body over the limit).
// Labelling them by their raw path would let anyone create series.
const Unmatched = "unmatched"

// Metrics holds the registry and the HTTP instruments of one process.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// series holds each (route, method, code)'s counter and histogram
	// once resolved: a label lookup hashes every value under a lock, and
	// this runs for every request. Bounded as the labels are.
	series sync.Map // seriesKey → httpSeries
}

type seriesKey struct {
	route, method string
	code          int
}

type httpSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// Build describes the running binary for the inkwell_build_info series.
type Build struct {
	Version, Commit string
}

// New returns a registry with the Go runtime and process collectors, the
// build info series and the HTTP instruments.
func New(b Build) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "inkwell_build_info",
		Help:        "Always 1; the labels say which build is running.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "goversion": runtime.Version()},
	})
	build.Set(1)
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inkwell_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "inkwell_http_request_duration_seconds",
			Help: "Time from the request's arrival to the end of its answer, by route pattern and method.",
			// From a cached read (well under a millisecond) to the request
			// deadline; an upload or a slow database fills the top buckets.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(build, m.requests, m.duration, rateLimited, rateLimitFailOpen)
	return m
}

// Done counts a finished request.
func (m *Metrics) Done(r *http.Request, status int, elapsed time.Duration) {
	pattern := server.RouteOf(r.Context())
	if pattern == "" {
		pattern = Unmatched
	}
	k := seriesKey{route: pattern, method: normalMethod(r.Method), code: status}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, httpSeries{
			requests: m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(status)),
			duration: m.duration.WithLabelValues(k.route, k.method),
		})
	}
	s := v.(httpSeries)
	s.requests.Inc()
	s.duration.Observe(elapsed.Seconds())
}

// normalMethod keeps the method label to the methods HTTP defines.
func normalMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// DB adds the connection pool's statistics (open, in use, idle, waits,
// wait time) of the database named name.
func (m *Metrics) DB(db *sql.DB, name string) {
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// Counter adds a counter whose value is read from fn at each scrape: how
// the domain packages' own tallies (ledger transfers, transaction retries)
// are exported without those packages knowing about Prometheus.
func (m *Metrics) Counter(name, help string, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, fn))
}

// Gauge adds a gauge whose value is read from fn at each scrape.
func (m *Metrics) Gauge(name, help string, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Serve answers /metrics on addr until ctx ends. It is a listener of its
// own, so the scrape port can stay private while the app port is public.
func (m *Metrics) Serve(ctx context.Context, log *slog.Logger, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	// Go's profiler on the same private listener: operators (and the
	// benchmarks) profile a live replica without exposing it publicly.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 70 * time.Second}
	if ready != nil {
		ready(ln.Addr())
	}
	log.Info("metrics listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("metrics: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("metrics: shutdown: %w", err)
	}
	return nil
}
