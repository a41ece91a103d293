package outbound

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/sony/gobreaker/v2"
)

// host is what the client remembers about one remote host: its breaker,
// when it asked us to come back (Retry-After), and its in-flight slots.
type host struct {
	name    string
	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]
	// openUntil and waitUntil are UnixNano instants; zero means none. They
	// let an open breaker answer with how long is left, which gobreaker
	// does not expose.
	openUntil atomic.Int64
	waitUntil atomic.Int64
	slots     chan struct{}
}

// hostTable holds the per-host state in a bounded LRU. An evicted host
// loses its breaker and limits; requests already holding its slots finish
// normally. Breakers stay per replica (PHASE2-NOTES.md decision 4).
type hostTable struct {
	policy Policy
	// mu makes get-or-create atomic, so two first calls to a host share
	// one breaker.
	mu    sync.Mutex
	hosts *lru.Cache[string, *host]
}

func newHostTable(p Policy) *hostTable {
	hosts, err := lru.New[string, *host](p.Hosts)
	if err != nil {
		panic(err) // only for a non-positive size, which withDefaults rules out
	}
	return &hostTable{policy: p, hosts: hosts}
}

func (t *hostTable) get(name string) *host {
	if h, ok := t.hosts.Get(name); ok {
		return h // the common case takes only the LRU's own lock
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if h, ok := t.hosts.Get(name); ok {
		return h
	}
	h := &host{name: name, slots: make(chan struct{}, t.policy.PerHostConcurrency)}
	openFor := t.policy.BreakerOpenFor
	failures := t.policy.BreakerFailures
	h.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		MaxRequests: 1,
		Timeout:     openFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		OnStateChange: func(_ string, _, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				h.openUntil.Store(time.Now().Add(openFor).UnixNano())
			}
		},
		// A refused destination says nothing about the host's health, and
		// a caller giving up is the caller's business.
		IsExcluded: func(err error) bool {
			var blocked *BlockedError
			return errors.As(err, &blocked) || errors.Is(err, context.Canceled)
		},
	})
	t.hosts.Add(name, h)
	return h
}

// refuseEarly answers without touching the network when the host asked us
// to wait or its breaker is open: the fast path under attack or outage.
func (h *host) refuseEarly(now time.Time) error {
	if until := h.waitUntil.Load(); until != 0 && now.UnixNano() < until {
		return &UnavailableError{Host: h.name, RetryAfter: time.Duration(until - now.UnixNano()),
			Reason: "the host asked us to retry later"}
	}
	if h.breaker.State() == gobreaker.StateOpen {
		return h.openError(now)
	}
	return nil
}

func (h *host) openError(now time.Time) error {
	left := time.Duration(h.openUntil.Load() - now.UnixNano())
	if left < time.Second {
		left = time.Second // half-open lets one probe through; the rest wait a moment
	}
	return &UnavailableError{Host: h.name, RetryAfter: left, Reason: "the host keeps failing (circuit breaker open)"}
}

// acquire takes one of the host's in-flight slots, waiting at most as long
// as ctx allows.
func (h *host) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *host) release() { <-h.slots }

// noteRetryAfter remembers a 429/503's Retry-After (seconds or HTTP date),
// capped, so later calls wait instead of hammering the host.
func (h *host) noteRetryAfter(resp *http.Response, limit time.Duration, now time.Time) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return
	}
	d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now)
	if !ok || d <= 0 {
		return
	}
	if d > limit {
		d = limit
	}
	h.waitUntil.Store(now.Add(d).UnixNano())
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 || secs > 1<<31 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now), true
	}
	return 0, false
}
