package ratelimit

import (
	"context"
	"math"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// DefaultMemoryKeys bounds the in-process store: beyond it the least
// recently seen key is forgotten (and starts again with a full bucket), so
// a flood of fresh addresses costs bounded memory.
const DefaultMemoryKeys = 100_000

// Memory keeps token buckets in this process: right for one replica.
type Memory struct {
	buckets *lru.Cache[string, *rate.Limiter]
}

// NewMemory returns a store remembering at most maxKeys buckets.
func NewMemory(maxKeys int) *Memory {
	c, err := lru.New[string, *rate.Limiter](maxKeys)
	if err != nil {
		panic(err) // only for maxKeys <= 0, a programming error
	}
	return &Memory{buckets: c}
}

// Allow implements Store.
func (m *Memory) Allow(_ context.Context, key string, l Limit) (Result, error) {
	k := l.Name + ":" + key
	b, ok := m.buckets.Get(k)
	if !ok {
		fresh := rate.NewLimiter(rate.Every(l.Interval()), l.Capacity())
		if prev, found, _ := m.buckets.PeekOrAdd(k, fresh); found {
			b = prev
		} else {
			b = fresh
		}
	}
	now := time.Now()
	res := b.ReserveN(now, 1)
	if !res.OK() {
		return Result{Allowed: false, RetryAfter: l.Period}, nil
	}
	if delay := res.DelayFrom(now); delay > 0 {
		res.CancelAt(now)
		return Result{Allowed: false, RetryAfter: delay, ResetAfter: resetAfter(b, l, now)}, nil
	}
	tokens := b.TokensAt(now)
	return Result{Allowed: true, Remaining: int(math.Floor(tokens)), ResetAfter: resetAfter(b, l, now)}, nil
}

func resetAfter(b *rate.Limiter, l Limit, now time.Time) time.Duration {
	missing := float64(l.Capacity()) - b.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing * float64(l.Interval()))
}

// Close implements Store.
func (m *Memory) Close() error { return nil }
