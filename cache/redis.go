package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/rueidis"
	"github.com/redis/rueidis/rueidisotel"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
)

// Redis is a cache shared by every replica pointing at the same server,
// with each replica keeping what it reads hot in its own memory.
//
// Entries under a version token (GetVersioned) use Redis's server-assisted
// client-side caching (RESP3 CLIENT TRACKING, through rueidis): the first
// read of one goes to Redis, which remembers that this connection holds it;
// later reads are answered from process memory without a round trip. Those
// entries never change once written (a write replaces the token instead),
// so a local copy is never stale; Redis's invalidations only free memory
// when one is deleted or expires. A broken connection drops every local
// copy it held (rueidis closes the connection's cache). The tokens
// themselves are held in memory too, under a write fence (redis_tokens.go):
// ReplaceToken returns only once every replica has dropped the old one, so
// a hot versioned read makes no round trip and is still never stale. Every
// other key is read from Redis each time, and writes always go to Redis.
type Redis struct {
	client rueidis.Client
	// prefix namespaces every key, so deployments (or test runs) sharing
	// one Redis never read each other's entries.
	prefix string
	// fence holds this replica's version tokens (see redis_tokens.go).
	fence *tokenFence
}

const (
	// localTTL caps how long a replica keeps a key in memory; Redis caps it
	// further at the key's own TTL. Invalidations, not this, keep reads
	// fresh: it only bounds memory held by keys nobody reads any more.
	localTTL = 10 * time.Minute
	// localBytesPerConn bounds each connection's local cache (rueidis keeps
	// one per connection; a replica has a few).
	localBytesPerConn = 32 << 20
)

// NewRedis connects to url (redis://[user:password@]host:port/db) and
// checks that the server answers; keys are stored under prefix.
func NewRedis(ctx context.Context, url, prefix string, with ...Option) (*Redis, error) {
	var o options
	for _, f := range with {
		f(&o)
	}
	opts, err := rueidis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: parse REDIS_URL: %w", err)
	}
	opts.CacheSizeEachConn = localBytesPerConn
	// One connection: a versioned read's keys then go out as one batch
	// (with several, rueidis splits a batch across connections with a
	// goroutine each, which cost more than the read itself), and the
	// invalidation subscription shares the order of everything else.
	opts.PipelineMultiplex = -1
	// Commands fail fast rather than hold a request when Redis is
	// unreachable (reads then use the database).
	opts.Dialer.Timeout = 2 * time.Second
	opts.ConnWriteTimeout = time.Second
	// One retry covers a dropped connection; more would make every read
	// wait through backoffs while Redis is down (reads then use the
	// database). rueidis retries read-only commands until the context ends
	// by default, and a request's context may have no deadline.
	opts.RetryDelay = func(attempts int, _ rueidis.Completed, _ error) time.Duration {
		if attempts >= 1 {
			return -1
		}
		return 0
	}
	var client rueidis.Client
	if o.tracer != nil {
		client, err = rueidisotel.NewClient(opts, rueidisotel.WithTracerProvider(o.tracer),
			rueidisotel.WithMeterProvider(metricnoop.NewMeterProvider()))
	} else {
		client, err = rueidis.NewClient(opts)
	}
	if err != nil {
		return nil, fmt.Errorf("redis: %v does not answer: %w", opts.InitAddress, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := client.Do(pingCtx, client.B().Ping().Build()).Error(); err != nil {
		client.Close() // the ping failed: that is the error to report
		return nil, fmt.Errorf("redis: %v does not answer: %w", opts.InitAddress, err)
	}
	return &Redis{client: client, prefix: prefix, fence: newTokenFence(client, prefix)}, nil
}

// Get implements Cache with one MGET: a key that may change is always
// read from Redis. (Held locally, a replica's own write could be followed
// by its own read of the old copy: Redis sends a connection the
// invalidation of its own write after the write's reply.)
func (r *Redis) Get(ctx context.Context, keys ...string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	vals, err := r.client.Do(ctx, r.client.B().Mget().Key(r.keys(keys)...).Build()).ToArray()
	if err != nil {
		return nil, fmt.Errorf("redis: get %d keys: %w", len(keys), err)
	}
	for i, v := range vals {
		if b, err := v.AsBytes(); err == nil {
			out[i] = b
		} else if !rueidis.IsRedisNil(err) {
			return nil, fmt.Errorf("redis: get %s: %w", keys[i], err)
		}
	}
	return out, nil
}

// GetStable implements Cache with client-side caching: a key this replica
// has read is answered from its memory until Redis invalidates it.
func (r *Redis) GetStable(ctx context.Context, keys ...string) ([][]byte, error) {
	return r.getHeld(ctx, keys...)
}

// getHeld reads keys whose values never change once written (entries under
// a version token) from this replica's memory when it holds them, the rest
// from Redis in one pipelined batch.
func (r *Redis) getHeld(ctx context.Context, keys ...string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	cmds := make([]rueidis.CacheableTTL, len(keys))
	for i, k := range keys {
		cmds[i] = rueidis.CT(r.client.B().Get().Key(r.prefix+k).Cache(), localTTL)
	}
	for i, res := range r.client.DoMultiCache(ctx, cmds...) {
		v, err := value(res)
		if err != nil {
			return nil, fmt.Errorf("redis: get %s: %w", keys[i], err)
		}
		out[i] = v
	}
	return out, nil
}

// GetVersioned implements Cache. The token comes from this replica's
// memory while it holds it (redis_tokens.go explains why that is never
// stale once a ReplaceToken has returned), else from Redis; the entries
// under it from local memory when held (they never change), else from
// Redis. A hot read makes no round trip at all.
func (r *Redis) GetVersioned(ctx context.Context, versionKey, prefix string, suffixes ...string) (string, [][]byte, error) {
	full := r.prefix + versionKey
	tok, held := r.fence.get(full)
	if !held {
		gen := r.fence.gen.Load()
		v, err := value(r.client.Do(ctx, r.client.B().Get().Key(full).Build()))
		if err != nil {
			return "", nil, fmt.Errorf("redis: versioned get %s: %w", versionKey, err)
		}
		if v == nil {
			return "", nil, nil
		}
		tok = string(v)
		r.fence.store(full, tok, gen)
	}
	keys := make([]string, len(suffixes))
	for i, s := range suffixes {
		keys[i] = prefix + tok + s
	}
	vals, err := r.getHeld(ctx, keys...)
	if err != nil {
		return "", nil, err
	}
	return tok, vals, nil
}

// ReplaceToken implements Cache: it returns once every replica has dropped
// its copy of the old token (or can no longer serve it).
func (r *Redis) ReplaceToken(ctx context.Context, versionKey string, token []byte, ttl time.Duration) error {
	if err := r.fence.replace(ctx, r.prefix+versionKey, token, ttl); err != nil {
		return fmt.Errorf("redis: replace token %s: %w", versionKey, err)
	}
	return nil
}

// Set implements Cache.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	// Other replicas learn of a changed version key only from
	// ReplaceToken; this one at least reads its own writes. (Entries are
	// set on every cache miss: only a key held as a token costs anything.)
	r.fence.dropHeld(r.prefix + key)
	cmd := r.client.B().Set().Key(r.prefix + key).Value(rueidis.BinaryString(value)).Px(ttl).Build()
	if err := r.client.Do(ctx, cmd).Error(); err != nil {
		return fmt.Errorf("redis: set %s: %w", key, err)
	}
	return nil
}

// Add implements Cache with SET NX.
func (r *Redis) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	// Add creates a missing token (cache.Token); a copy still held here of
	// one that expired in Redis must not outlive it.
	r.fence.invalidate(r.prefix + key)
	cmd := r.client.B().Set().Key(r.prefix + key).Value(rueidis.BinaryString(value)).Nx().Px(ttl).Build()
	err := r.client.Do(ctx, cmd).Error()
	if rueidis.IsRedisNil(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("redis: add %s: %w", key, err)
	}
	return true, nil
}

// Delete implements Cache.
func (r *Redis) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	for _, k := range keys {
		r.fence.dropHeld(r.prefix + k)
	}
	if err := r.client.Do(ctx, r.client.B().Del().Key(r.keys(keys)...).Build()).Error(); err != nil {
		return fmt.Errorf("redis: delete %d keys: %w", len(keys), err)
	}
	return nil
}

// Close implements Cache.
func (r *Redis) Close() error {
	r.fence.close()
	r.client.Close()
	return nil
}

func (r *Redis) keys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = r.prefix + k
	}
	return out
}

// value is a GET's answer: the bytes, or nil for an absent key.
func value(res rueidis.RedisResult) ([]byte, error) {
	v, err := res.AsBytes()
	if rueidis.IsRedisNil(err) {
		return nil, nil
	}
	return v, err
}
