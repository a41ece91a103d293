package metrics

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"inkwell/cache"
)

// Cache wraps c so that every read counts its hits and misses, and every
// failed call its error, labelled by the key's family (the part before the
// first ':' — post, comments, media…), which code, not users, decides.
func (m *Metrics) Cache(c cache.Cache) cache.Cache {
	ic := &instrumentedCache{Cache: c,
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inkwell_cache_reads_total",
			Help: "Cache entries read, by key family and result (hit or miss).",
		}, []string{"family", "result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "inkwell_cache_errors_total",
			Help: "Cache calls that failed (Redis unreachable…), by operation.",
		}, []string{"op"}),
	}
	// Every operation's error series exists from the start at 0, so an
	// alert on its rate has something to compare with before the first
	// failure.
	for _, op := range []string{"get", "set", "add", "delete"} {
		ic.errors.WithLabelValues(op)
	}
	m.Registry.MustRegister(ic.reads, ic.errors)
	return ic
}

type instrumentedCache struct {
	cache.Cache
	reads  *prometheus.CounterVec
	errors *prometheus.CounterVec
	// families holds each family's hit and miss counters once resolved
	// (every cached read counts; a label lookup locks and hashes).
	families sync.Map // family → *[2]prometheus.Counter
}

func family(key string) string {
	if i := strings.IndexByte(key, ':'); i > 0 {
		return key[:i]
	}
	return "other"
}

func (c *instrumentedCache) count(key string, vals [][]byte) {
	hits, misses := 0, 0
	for _, v := range vals {
		if v != nil {
			hits++
		} else {
			misses++
		}
	}
	f := family(key)
	v, ok := c.families.Load(f)
	if !ok {
		v, _ = c.families.LoadOrStore(f, &[2]prometheus.Counter{
			c.reads.WithLabelValues(f, "hit"), c.reads.WithLabelValues(f, "miss")})
	}
	counters := v.(*[2]prometheus.Counter)
	if hits > 0 {
		counters[0].Add(float64(hits))
	}
	if misses > 0 {
		counters[1].Add(float64(misses))
	}
}

func (c *instrumentedCache) failed(op string, err error) error {
	if err != nil {
		c.errors.WithLabelValues(op).Inc()
	}
	return err
}

func (c *instrumentedCache) Get(ctx context.Context, keys ...string) ([][]byte, error) {
	vals, err := c.Cache.Get(ctx, keys...)
	if err != nil {
		return nil, c.failed("get", err)
	}
	if len(keys) > 0 {
		c.count(keys[0], vals)
	}
	return vals, nil
}

func (c *instrumentedCache) GetStable(ctx context.Context, keys ...string) ([][]byte, error) {
	vals, err := c.Cache.GetStable(ctx, keys...)
	if err != nil {
		return nil, c.failed("get", err)
	}
	if len(keys) > 0 {
		c.count(keys[0], vals)
	}
	return vals, nil
}

func (c *instrumentedCache) GetVersioned(ctx context.Context, versionKey, prefix string, suffixes ...string) (string, [][]byte, error) {
	tok, vals, err := c.Cache.GetVersioned(ctx, versionKey, prefix, suffixes...)
	if err != nil {
		return "", nil, c.failed("get", err)
	}
	if tok == "" {
		// No token: every entry asked for is a miss.
		c.count(versionKey, make([][]byte, len(suffixes)))
	} else {
		c.count(versionKey, vals)
	}
	return tok, vals, nil
}

func (c *instrumentedCache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return c.failed("set", c.Cache.Set(ctx, key, value, ttl))
}

func (c *instrumentedCache) ReplaceToken(ctx context.Context, versionKey string, token []byte, ttl time.Duration) error {
	return c.failed("set", c.Cache.ReplaceToken(ctx, versionKey, token, ttl))
}

func (c *instrumentedCache) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	ok, err := c.Cache.Add(ctx, key, value, ttl)
	return ok, c.failed("add", err)
}

func (c *instrumentedCache) Delete(ctx context.Context, keys ...string) error {
	return c.failed("delete", c.Cache.Delete(ctx, keys...))
}
