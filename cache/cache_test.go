package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/cache"
	"inkwell/cache/cachetest"
)

// eachCache runs fn on the in-process cache and, when TEST_REDIS_URL is set
// (always in CI), on Redis.
func eachCache(t *testing.T, fn func(t *testing.T, c cache.Cache)) {
	t.Run("memory", func(t *testing.T) { fn(t, cache.NewMemory(1<<20)) })
	t.Run("redis", func(t *testing.T) { fn(t, cachetest.Redis(t)) })
}

func TestCache_SetGetDelete(t *testing.T) {
	eachCache(t, func(t *testing.T, c cache.Cache) {
		ctx := context.Background()
		require.NoError(t, c.Set(ctx, "a", []byte("1"), time.Minute))
		require.NoError(t, c.Set(ctx, "b", []byte("2"), time.Minute))
		got, err := c.Get(ctx, "a", "missing", "b")
		require.NoError(t, err)
		assert.Equal(t, [][]byte{[]byte("1"), nil, []byte("2")}, got)

		require.NoError(t, c.Delete(ctx, "a", "never-there"))
		got, err = c.Get(ctx, "a", "b")
		require.NoError(t, err)
		assert.Equal(t, [][]byte{nil, []byte("2")}, got)
	})
}

func TestCache_AddOnlyWhenAbsent(t *testing.T) {
	eachCache(t, func(t *testing.T, c cache.Cache) {
		ctx := context.Background()
		added, err := c.Add(ctx, "k", []byte("first"), time.Minute)
		require.NoError(t, err)
		assert.True(t, added)
		added, err = c.Add(ctx, "k", []byte("second"), time.Minute)
		require.NoError(t, err)
		assert.False(t, added)
		got, err := c.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "first", string(got[0]))
	})
}

func TestCache_EntriesExpire(t *testing.T) {
	m := cache.NewMemory(1 << 20)
	now := time.Unix(1000, 0)
	cache.SetClock(m, func() time.Time { return now })
	ctx := context.Background()
	require.NoError(t, m.Set(ctx, "k", []byte("v"), time.Second))
	now = now.Add(time.Second)
	got, err := m.Get(ctx, "k")
	require.NoError(t, err)
	assert.Nil(t, got[0])
	added, err := m.Add(ctx, "k", []byte("w"), time.Second)
	require.NoError(t, err)
	assert.True(t, added, "an expired key counts as absent")
}

func TestMemory_EvictsLeastRecentlyUsedWithinItsBound(t *testing.T) {
	m := cache.NewMemory(30) // room for three 10-byte entries
	ctx := context.Background()
	for _, k := range []string{"k1", "k2", "k3"} {
		require.NoError(t, m.Set(ctx, k, []byte("12345678"), time.Minute))
	}
	_, _ = m.Get(ctx, "k1") // k2 is now the least recently used
	require.NoError(t, m.Set(ctx, "k4", []byte("12345678"), time.Minute))
	got, _ := m.Get(ctx, "k1", "k2", "k3", "k4")
	assert.NotNil(t, got[0])
	assert.Nil(t, got[1], "k2 was evicted")
	assert.NotNil(t, got[2])
	assert.NotNil(t, got[3])
	assert.Equal(t, 3, m.Len())
	assert.LessOrEqual(t, cache.Bytes(m), 30)

	require.NoError(t, m.Set(ctx, "huge", make([]byte, 100), time.Minute))
	got, _ = m.Get(ctx, "huge")
	assert.Nil(t, got[0], "a value larger than the whole cache is not kept")
}

func TestRedis_PrefixSeparatesNamespaces(t *testing.T) {
	url := cachetest.RedisURL(t)
	ctx := context.Background()
	prefixA := cachetest.Prefix()
	cachetest.DeleteAfter(t, url, prefixA)
	a, err := cache.NewRedis(ctx, url, prefixA)
	require.NoError(t, err)
	defer func() { _ = a.Close() }()
	b, err := cache.NewRedis(ctx, url, cachetest.Prefix())
	require.NoError(t, err)
	defer func() { _ = b.Close() }()
	require.NoError(t, a.Set(ctx, "k", []byte("a"), time.Minute))
	got, err := b.Get(ctx, "k")
	require.NoError(t, err)
	assert.Nil(t, got[0])
}

func TestNew_FailsWhenRedisDoesNotAnswer(t *testing.T) {
	_, err := cache.New(context.Background(), "redis://127.0.0.1:1/0", "x:")
	require.Error(t, err)
}

func TestCache_GetVersionedReadsTheTokenAndTheKeysUnderIt(t *testing.T) {
	eachCache(t, func(t *testing.T, c cache.Cache) {
		ctx := context.Background()
		token, vals, err := c.GetVersioned(ctx, "p:1:v", "p:1:", "", ":x")
		require.NoError(t, err)
		assert.Empty(t, token, "no token yet")
		assert.Nil(t, vals)

		require.NoError(t, c.Set(ctx, "p:1:v", []byte("t1"), time.Minute))
		require.NoError(t, c.Set(ctx, "p:1:t1", []byte("body"), time.Minute))
		require.NoError(t, c.Set(ctx, "p:1:t0:x", []byte("old"), time.Minute))
		token, vals, err = c.GetVersioned(ctx, "p:1:v", "p:1:", "", ":x")
		require.NoError(t, err)
		assert.Equal(t, "t1", token)
		assert.Equal(t, [][]byte{[]byte("body"), nil}, vals, "only keys under the current token")

		require.NoError(t, c.Set(ctx, "p:1:v", []byte("t2"), time.Minute))
		token, vals, err = c.GetVersioned(ctx, "p:1:v", "p:1:", "", ":x")
		require.NoError(t, err)
		assert.Equal(t, "t2", token)
		assert.Equal(t, [][]byte{nil, nil}, vals, "a new token retires everything under the old one")
	})
}
