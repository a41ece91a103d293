package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis keeps GCRA state in Redis: one EVALSHA per decision, timed by the
// server's TIME, so every replica shares each key's budget exactly.
type Redis struct {
	client  *redis.Client
	limiter *redis_rate.Limiter
	// prefix namespaces our keys inside redis_rate's fixed "rate:" prefix,
	// so deployments (and test runs) sharing a Redis never share budgets.
	prefix string
}

// NewRedis connects to url and checks that the server answers.
func NewRedis(ctx context.Context, url, keyPrefix string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: parse REDIS_URL: %w", err)
	}
	// A limiter must answer fast or not at all (it then fails open):
	// short timeouts, no retries with backoff.
	opts.DialTimeout = time.Second
	opts.ReadTimeout = StoreTimeout
	opts.WriteTimeout = StoreTimeout
	opts.PoolTimeout = StoreTimeout
	opts.MaxRetries = -1
	client := redis.NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		_ = client.Close() // the ping error is the one worth reporting
		return nil, fmt.Errorf("ratelimit: redis %s does not answer: %w", opts.Addr, err)
	}
	return &Redis{client: client, limiter: redis_rate.NewLimiter(client), prefix: keyPrefix}, nil
}

// Key is the Redis key holding key's state under l ("rate:" comes first,
// added by redis_rate).
func (r *Redis) Key(key string, l Limit) string { return r.prefix + l.Name + ":" + key }

// Allow implements Store.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	res, err := r.limiter.Allow(ctx, r.Key(key, l), redis_rate.Limit{Rate: l.Rate, Period: l.Period, Burst: l.Capacity()})
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: redis: %w", err)
	}
	out := Result{Allowed: res.Allowed > 0, Remaining: res.Remaining, ResetAfter: res.ResetAfter}
	if !out.Allowed {
		out.RetryAfter = res.RetryAfter
	}
	return out, nil
}

// Close implements Store.
func (r *Redis) Close() error { return r.client.Close() }
