package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Process-wide counters for packages that only need to say that something
// happened (the rate limiter): they call a function here instead of each
// holding a registry. New registers them with every registry it builds.
var (
	rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "inkwell_ratelimit_refused_total",
		Help: "Requests refused with 429 rate_limited, by limited action.",
	}, []string{"action"})
	rateLimitFailOpen = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "inkwell_ratelimit_fail_open_total",
		Help: "Requests let through unchecked because the shared limiter (Redis) failed, by action.",
	}, []string{"action"})
	actions = &boundedLabel{max: maxActions}
)

// maxActions bounds the action label: the limiter has a handful of
// actions (writes, sign-in, live ops…); more distinct values than this
// means a caller passes something that is not a constant.
const maxActions = 32

// RateLimited counts a request the rate limiter refused. action names
// the limit (a constant in code: "write", "dev_login"…), never anything a
// user sent.
func RateLimited(action string) { rateLimited.WithLabelValues(actions.value(action)).Inc() }

// RateLimitFailedOpen counts a request allowed without a decision because
// the shared limiter could not be asked (Redis down: fail open).
func RateLimitFailedOpen(action string) {
	rateLimitFailOpen.WithLabelValues(actions.value(action)).Inc()
}

// boundedLabel passes label values through until max distinct ones have
// been seen, then maps every new one to "other", so a mistake cannot
// create series without end.
type boundedLabel struct {
	mu   sync.Mutex
	seen map[string]struct{}
	max  int
}

func (b *boundedLabel) value(v string) string {
	if v == "" || len(v) > 64 {
		return "other"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.seen[v]; ok {
		return v
	}
	if len(b.seen) >= b.max {
		return "other"
	}
	if b.seen == nil {
		b.seen = map[string]struct{}{}
	}
	b.seen[v] = struct{}{}
	return v
}

// Counters adds one counter family whose series are read from fn at each
// scrape, one per value of label: how a domain package's tallies by
// outcome (ledger transfers by result, import records by result) are
// exported without the package knowing about Prometheus. values is the
// fixed list of label values, so the series exist (at 0) from the start.
func (m *Metrics) Counters(name, help, label string, values []string, fn func(value string) float64) {
	m.Registry.MustRegister(&funcCounters{desc: prometheus.NewDesc(name, help, []string{label}, nil), values: values, fn: fn})
}

type funcCounters struct {
	desc   *prometheus.Desc
	values []string
	fn     func(string) float64
}

func (c *funcCounters) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *funcCounters) Collect(ch chan<- prometheus.Metric) {
	for _, v := range c.values {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, c.fn(v), v)
	}
}
