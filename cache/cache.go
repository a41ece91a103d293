// Package cache is Inkwell's shared look-aside cache: in-process by default
// (one replica only), Redis when REDIS_URL is set (any number of replicas
// share it, so an invalidation on one is seen by all), with each replica
// holding hot entries in its own memory (Redis client-side caching).
package cache

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Option adjusts the Redis client New and NewRedis build.
type Option func(*options)

type options struct{ tracer trace.TracerProvider }

// WithTracerProvider makes every Redis command a span, child of the span
// in its context (rueidisotel); a nil tp leaves the client bare. Reads a
// replica answers from its own memory are spans too, marked as cache hits.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracer = tp }
}

// Cache stores byte values under string keys for a limited time.
type Cache interface {
	// Get returns the value of each key, nil where the key is absent.
	// With Redis a replica may answer from its own copy for a moment after
	// another replica changed the key (until Redis's invalidation arrives):
	// anything that must be fresh the moment a write has answered is read
	// through GetVersioned.
	Get(ctx context.Context, keys ...string) ([][]byte, error)
	// GetStable is Get for keys whose values seldom change and where a read
	// a moment old does no harm (link previews): with Redis a replica
	// answers from its own copy, which Redis's invalidation drops
	// milliseconds after a change (client-side caching), so a hot read
	// makes no round trip. Anything that must be fresh once a write has
	// answered is read with Get or GetVersioned.
	GetStable(ctx context.Context, keys ...string) ([][]byte, error)
	// Set stores value under key for ttl.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Add stores value under key for ttl only when key is absent, and
	// reports whether it did; it lets concurrent callers agree on one value.
	Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// GetVersioned reads, in one step, the token stored at versionKey and
	// then the keys prefix+token+suffix, one per suffix (nil where absent).
	// An absent token gives "" and no values. The token is always current:
	// once a ReplaceToken has returned, no replica reads the old one.
	GetVersioned(ctx context.Context, versionKey, prefix string, suffixes ...string) (string, [][]byte, error)
	// ReplaceToken stores token at versionKey for ttl (a nil token deletes
	// it). Version keys change only through it (and through Add, which
	// creates an absent one): with Redis, replicas hold tokens in their own
	// memory, and ReplaceToken returns only once every replica has dropped
	// its copy of the old one.
	ReplaceToken(ctx context.Context, versionKey string, token []byte, ttl time.Duration) error
	// Delete removes keys; absent keys are not an error.
	Delete(ctx context.Context, keys ...string) error
	// Close releases connections.
	Close() error
}

// DefaultMemoryBytes bounds the in-process cache.
const DefaultMemoryBytes = 64 << 20

// New returns a Redis cache when redisURL is set (checking that Redis
// answers; keys under keyPrefix), else a bounded in-process cache.
func New(ctx context.Context, redisURL, keyPrefix string, opts ...Option) (Cache, error) {
	if redisURL == "" {
		return NewMemory(DefaultMemoryBytes), nil
	}
	c, err := NewRedis(ctx, redisURL, keyPrefix, opts...)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return c, nil
}
