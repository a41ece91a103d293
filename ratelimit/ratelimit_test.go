package ratelimit_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/cache/cachetest"
	"inkwell/ratelimit"
)

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]ratelimit.Limit{
		"60/1m":   {Name: "x", Rate: 60, Period: time.Minute},
		"10/1m+5": {Name: "x", Rate: 10, Period: time.Minute, Burst: 5},
		"30/1h":   {Name: "x", Rate: 30, Period: time.Hour},
		"off":     {Name: "x"},
	} {
		got, err := ratelimit.ParseLimit("x", in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, in, got.String())
	}
	for _, bad := range []string{"", "60", "60/", "x/1m", "0/1m", "60/1m+", "60/1m+-1", "-1/1m", "60/-1m"} {
		_, err := ratelimit.ParseLimit("x", bad)
		assert.Error(t, err, bad)
	}
}

func TestIPKey_GroupsIPv6By64(t *testing.T) {
	assert.Equal(t, "ip:203.0.113.7", ratelimit.IPKey("203.0.113.7"))
	assert.Equal(t, "ip:203.0.113.7", ratelimit.IPKey("::ffff:203.0.113.7"))
	assert.Equal(t, ratelimit.IPKey("2001:db8:1:2::1"), ratelimit.IPKey("2001:db8:1:2:ffff:ffff:ffff:ffff"))
	assert.NotEqual(t, ratelimit.IPKey("2001:db8:1:2::1"), ratelimit.IPKey("2001:db8:1:3::1"))
	assert.Equal(t, "ip:2001:db8:1:2::/64", ratelimit.IPKey("2001:db8:1:2::1"))
}

func TestRules_PickTheActionsLimitElseWritesForUnsafeMethods(t *testing.T) {
	writes := ratelimit.Limit{Name: "writes", Rate: 60, Period: time.Minute}
	previews := ratelimit.Limit{Name: "previews", Rate: 30, Period: time.Minute}
	votes := ratelimit.Limit{Name: "votes", Rate: 120, Period: time.Minute}
	rs := ratelimit.Rules{Default: writes, Rules: []ratelimit.Rule{
		{Method: http.MethodGet, Path: regexpOf(`^/api/v1/previews$`), Limit: previews},
		{Method: http.MethodPut, Path: regexpOf(`^/api/v1/comments/[0-9]+/vote$`), Limit: votes},
	}}
	for _, c := range []struct {
		method, path string
		want         string
	}{
		{"GET", "/api/v1/posts/1", ""},
		{"HEAD", "/api/v1/posts/1", ""},
		{"GET", "/api/v1/previews", "previews"},
		{"POST", "/api/v1/posts", "writes"},
		{"PATCH", "/api/v1/posts/1", "writes"},
		{"DELETE", "/api/v1/posts/1/like", "writes"},
		{"PUT", "/api/v1/comments/9/vote", "votes"},
		{"POST", "/api/v1/comments/9/vote", "writes"},
	} {
		l, ok := rs.For(c.method, c.path)
		assert.Equal(t, c.want != "", ok, "%s %s", c.method, c.path)
		assert.Equal(t, c.want, l.Name, "%s %s", c.method, c.path)
	}
	off := ratelimit.Rules{}
	_, ok := off.For("POST", "/api/v1/posts")
	assert.False(t, ok, "a zero default limits nothing")
}

// Both stores give a quiet key Rate+Burst events at once, then refuse with
// the time until the next event is allowed.
func TestStores_CapacityThenRetryAfter(t *testing.T) {
	l := ratelimit.Limit{Name: "t", Rate: 4, Period: time.Hour, Burst: 2} // one event per 15 min
	stores := map[string]ratelimit.Store{"memory": ratelimit.NewMemory(10)}
	if url := os.Getenv("TEST_REDIS_URL"); url != "" || os.Getenv("CI") == "true" {
		url = cachetest.RedisURL(t)
		prefix := cachetest.Prefix()
		cachetest.DeleteAfter(t, url, "rate:"+prefix)
		r, err := ratelimit.NewRedis(context.Background(), url, prefix)
		require.NoError(t, err)
		t.Cleanup(func() { _ = r.Close() }) // a test store: nothing to do about a failed close
		stores["redis"] = r

		// The key carries our prefix inside redis_rate's fixed one.
		_, err = r.Allow(context.Background(), "u:1", l)
		require.NoError(t, err)
		opts, _ := redis.ParseURL(url)
		rdb := redis.NewClient(opts)
		defer func() { _ = rdb.Close() }() // a test client: nothing to do about a failed close
		n, err := rdb.Exists(context.Background(), "rate:"+prefix+"t:u:1").Result()
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
	}
	for name, s := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for i := range 6 {
				r, err := s.Allow(ctx, "u:7", l)
				require.NoError(t, err)
				require.True(t, r.Allowed, "event %d", i)
				assert.Equal(t, 5-i, r.Remaining, "event %d", i)
			}
			r, err := s.Allow(ctx, "u:7", l)
			require.NoError(t, err)
			assert.False(t, r.Allowed)
			assert.InDelta(t, (15 * time.Minute).Seconds(), r.RetryAfter.Seconds(), 5)
			other, err := s.Allow(ctx, "u:8", l)
			require.NoError(t, err)
			assert.True(t, other.Allowed, "keys do not share budgets")
		})
	}
}

func TestMemory_IsBoundedByKeys(t *testing.T) {
	m := ratelimit.NewMemory(2)
	l := ratelimit.Limit{Name: "t", Rate: 1, Period: time.Hour}
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		r, _ := m.Allow(ctx, k, l)
		require.True(t, r.Allowed)
	}
	r, _ := m.Allow(ctx, "c", l)
	assert.False(t, r.Allowed, "a recent key is remembered")
	r, _ = m.Allow(ctx, "a", l)
	assert.True(t, r.Allowed, "the oldest key was forgotten, so memory stays bounded")
}

type brokenStore struct{}

func (brokenStore) Allow(context.Context, string, ratelimit.Limit) (ratelimit.Result, error) {
	return ratelimit.Result{}, errors.New("connection refused")
}
func (brokenStore) Close() error { return nil }

func TestLimiter_FailsOpenAndCounts(t *testing.T) {
	var logs syncWriter
	lim := ratelimit.NewLimiter(brokenStore{}, slog.New(slog.NewTextHandler(&logs, nil)))
	l := ratelimit.Limit{Name: "writes", Rate: 1, Period: time.Hour}
	for range 5 {
		assert.True(t, lim.Allow(context.Background(), "u:1", l).Allowed)
	}
	assert.EqualValues(t, 5, lim.Stats().FailedOpen())
	assert.Equal(t, 1, logs.lines, "one log line per interval, not one per request")
	assert.True(t, lim.Allow(context.Background(), "u:1", ratelimit.Limit{}).Allowed, "an off limit asks no store")
	assert.EqualValues(t, 5, lim.Stats().FailedOpen())
}

type syncWriter struct{ lines int }

func (w *syncWriter) Write(p []byte) (int, error) { w.lines++; return len(p), nil }

var _ io.Writer = (*syncWriter)(nil)
