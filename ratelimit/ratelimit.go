// Package ratelimit decides whether one more request may happen under a
// named limit for a key (a user, a client address). With REDIS_URL the
// decision is shared by every replica (GCRA in Redis, clocked by Redis's own
// TIME, so replicas' clocks never disagree); without it each process keeps
// its own token buckets, which is right for the one-replica deployment.
package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"inkwell/metrics"
)

// Limit is a named budget: Rate events per Period, sustained, plus Burst
// extra events a quiet key may spend at once. A key that has been idle
// for a Period may therefore make Rate+Burst requests back to back, then
// one every Period/Rate. The zero Limit (Rate 0) means "no limit".
type Limit struct {
	// Name keeps each limit's buckets apart ("writes", "dev_login", …).
	Name   string
	Rate   int
	Period time.Duration
	Burst  int
}

// Off reports whether l limits nothing.
func (l Limit) Off() bool { return l.Rate <= 0 || l.Period <= 0 }

// Capacity is how many events an idle key may make at once.
func (l Limit) Capacity() int { return l.Rate + l.Burst }

// Interval is the time one event's allowance takes to come back.
func (l Limit) Interval() time.Duration { return l.Period / time.Duration(l.Rate) }

// String renders l in the form ParseLimit reads ("60/1m", "10/1m+5").
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	s := strconv.Itoa(l.Rate) + "/" + shortDuration(l.Period)
	if l.Burst > 0 {
		s += "+" + strconv.Itoa(l.Burst)
	}
	return s
}

func shortDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	s = strings.TrimSuffix(s, "0m")
	if s == "" {
		return "0s"
	}
	return s
}

// ParseLimit reads "RATE/PERIOD[+BURST]" ("60/1m", "30/1h", "10/1m+5") or
// "off" into a Limit called name.
func ParseLimit(name, s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Limit{Name: name}, nil
	}
	bad := fmt.Errorf("want RATE/PERIOD[+BURST] such as 60/1m or 10/1m+5, or off; got %q", s)
	ratePart, rest, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, bad
	}
	periodPart, burstPart, hasBurst := strings.Cut(rest, "+")
	rate, err := strconv.Atoi(ratePart)
	if err != nil || rate < 1 {
		return Limit{}, bad
	}
	period, err := time.ParseDuration(periodPart)
	if err != nil || period < time.Millisecond {
		return Limit{}, bad
	}
	burst := 0
	if hasBurst {
		if burst, err = strconv.Atoi(burstPart); err != nil || burst < 0 {
			return Limit{}, bad
		}
	}
	return Limit{Name: name, Rate: rate, Period: period, Burst: burst}, nil
}

// Result is one decision.
type Result struct {
	Allowed bool
	// Remaining is how many more events would be allowed right now.
	Remaining int
	// RetryAfter is, when denied, how long until one more is allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the key is back to full capacity.
	ResetAfter time.Duration
}

// Store keeps the buckets: Redis (shared by every replica) or process
// memory. Allow spends one event of l for key when it is allowed.
type Store interface {
	Allow(ctx context.Context, key string, l Limit) (Result, error)
	Close() error
}

// Limiter is what the HTTP layer asks. It fails open: when the store
// cannot answer (Redis down or slow), the event is allowed, a log line is
// written (at most one per logEvery) and FailedOpen grows; a limiter
// outage must not become a site outage.
type Limiter struct {
	store   Store
	log     *slog.Logger
	timeout time.Duration
	stats   Stats
	lastLog atomic.Int64 // unix nanos of the last fail-open log line
}

// logEvery bounds fail-open log lines while the store is down: every
// request would otherwise write one.
const logEvery = 10 * time.Second

// StoreTimeout bounds one decision by a remote store: past it, the event
// is allowed rather than holding the request.
const StoreTimeout = 250 * time.Millisecond

// New returns a Limiter on Redis when redisURL is set (keys start with
// "rate:" + keyPrefix, the library's fixed prefix before our own), in
// process memory otherwise.
func New(ctx context.Context, redisURL, keyPrefix string, log *slog.Logger) (*Limiter, error) {
	if redisURL == "" {
		return NewLimiter(NewMemory(DefaultMemoryKeys), log), nil
	}
	store, err := NewRedis(ctx, redisURL, keyPrefix)
	if err != nil {
		return nil, err
	}
	return NewLimiter(store, log), nil
}

// NewLimiter wraps store.
func NewLimiter(store Store, log *slog.Logger) *Limiter {
	if log == nil {
		log = slog.Default()
	}
	return &Limiter{store: store, log: log, timeout: StoreTimeout}
}

// Allow decides whether key may make one more event under l. An Off limit
// always allows and touches no store.
func (g *Limiter) Allow(ctx context.Context, key string, l Limit) Result {
	if l.Off() {
		return Result{Allowed: true, Remaining: -1}
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	r, err := g.store.Allow(ctx, key, l)
	g.stats.record(r, err)
	if err != nil {
		metrics.RateLimitFailedOpen(l.Name)
		now := time.Now().UnixNano()
		last := g.lastLog.Load()
		if now-last >= int64(logEvery) && g.lastLog.CompareAndSwap(last, now) {
			g.log.Warn("rate limiter store failed: allowing requests unlimited (fail open)",
				"limit", l.Name, "error", err.Error(), "failed_open_total", g.stats.FailedOpen())
		}
		return Result{Allowed: true, Remaining: -1}
	}
	return r
}

// Stats are the decision counters (a hook for /metrics).
func (g *Limiter) Stats() *Stats { return &g.stats }

// Close releases the store's connections.
func (g *Limiter) Close() error { return g.store.Close() }

// UserKey is the key of a signed-in user.
func UserKey(id int64) string { return "u:" + strconv.FormatInt(id, 10) }

// IPKey is the key of a client address. IPv6 clients are grouped by their
// /64, the smallest block one subscriber is usually given: otherwise one
// host could mint 2^64 fresh keys.
func IPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}

// Stats counts decisions (a hook for /metrics).
type Stats struct {
	allowed, denied, failedOpen atomic.Int64
}

// Allowed is how many events were allowed by the store.
func (s *Stats) Allowed() int64 { return s.allowed.Load() }

// Denied is how many events were refused.
func (s *Stats) Denied() int64 { return s.denied.Load() }

// FailedOpen is how many events were allowed because the store failed.
func (s *Stats) FailedOpen() int64 { return s.failedOpen.Load() }

func (s *Stats) record(r Result, err error) {
	switch {
	case err != nil:
		s.failedOpen.Add(1)
	case r.Allowed:
		s.allowed.Add(1)
	default:
		s.denied.Add(1)
	}
}
