package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a cache shared by every replica pointing at the same server.
type Redis struct {
	client *redis.Client
	// prefix namespaces every key, so deployments (or test runs) sharing
	// one Redis never read each other's entries.
	prefix string
}

// NewRedis connects to url (redis://[user:password@]host:port/db) and
// checks that the server answers; keys are stored under prefix.
func NewRedis(ctx context.Context, url, prefix string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: parse REDIS_URL: %w", err)
	}
	// Enough connections for a busy replica; commands fail fast rather than
	// hold a request when Redis is unreachable.
	opts.PoolSize = 64
	opts.DialTimeout = 2 * time.Second
	opts.ReadTimeout = time.Second
	opts.WriteTimeout = time.Second
	// One retry covers a dropped connection; more would make every read
	// wait through backoffs while Redis is down (reads then use the database).
	opts.MaxRetries = 1
	client := redis.NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		_ = client.Close() // the ping failed: that is the error to report
		return nil, fmt.Errorf("redis: %s does not answer: %w", opts.Addr, err)
	}
	return &Redis{client: client, prefix: prefix}, nil
}

// Get implements Cache with one MGET.
func (r *Redis) Get(ctx context.Context, keys ...string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	vals, err := r.client.MGet(ctx, r.keys(keys)...).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: get %d keys: %w", len(keys), err)
	}
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[i] = []byte(s)
		}
	}
	return out, nil
}

// getVersioned reads the token and the keys under it on the server, so a
// versioned read costs one round trip instead of two.
var getVersioned = redis.NewScript(`
local token = redis.call('GET', KEYS[1])
if not token then return {false} end
local out = {token}
for i = 2, #ARGV do
  out[i] = redis.call('GET', ARGV[1] .. token .. ARGV[i])
end
return out
`)

// GetVersioned implements Cache with one script call (EVALSHA).
func (r *Redis) GetVersioned(ctx context.Context, versionKey, prefix string, suffixes ...string) (string, [][]byte, error) {
	args := make([]any, 0, 1+len(suffixes))
	args = append(args, r.prefix+prefix)
	for _, s := range suffixes {
		args = append(args, s)
	}
	res, err := getVersioned.Run(ctx, r.client, []string{r.prefix + versionKey}, args...).Slice()
	if err != nil {
		return "", nil, fmt.Errorf("redis: versioned get %s: %w", versionKey, err)
	}
	token, ok := res[0].(string)
	if !ok {
		return "", nil, nil
	}
	out := make([][]byte, len(suffixes))
	for i := range suffixes {
		if i+1 < len(res) {
			if v, ok := res[i+1].(string); ok {
				out[i] = []byte(v)
			}
		}
	}
	return token, out, nil
}

// Set implements Cache.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := r.client.Set(ctx, r.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("redis: set %s: %w", key, err)
	}
	return nil
}

// Add implements Cache with SET NX.
func (r *Redis) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	err := r.client.SetArgs(ctx, r.prefix+key, value, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
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
	if err := r.client.Del(ctx, r.keys(keys)...).Err(); err != nil {
		return fmt.Errorf("redis: delete %d keys: %w", len(keys), err)
	}
	return nil
}

// Close implements Cache.
func (r *Redis) Close() error { return r.client.Close() }

func (r *Redis) keys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = r.prefix + k
	}
	return out
}
