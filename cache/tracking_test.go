package cache_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/cache"
	"inkwell/cache/cachetest"
)

// replicas opens n caches on one Redis under one prefix, as n app
// replicas sharing a deployment's Redis would.
func replicas(t *testing.T, url string, n int) []*cache.Redis {
	t.Helper()
	prefix := cachetest.Prefix()
	out := make([]*cache.Redis, n)
	for i := range out {
		r, err := cache.NewRedis(context.Background(), url, prefix)
		require.NoError(t, err)
		t.Cleanup(func() { r.Close() })
		out[i] = r
	}
	return out
}

// Entries under a version token are read from the replica's memory once
// it holds them: a versioned read costs one command (the token) whatever
// it reads under the token.
func TestRedis_HotEntriesAreServedFromLocalMemory(t *testing.T) {
	srv := cachetest.StartServer(t)
	r := replicas(t, srv.URL, 1)[0]
	ctx := context.Background()
	body := []byte(strings.Repeat("x", 4096))
	require.NoError(t, r.Set(ctx, "post:1:v", []byte("tok"), time.Minute))
	require.NoError(t, r.Set(ctx, "post:1:tok", body, time.Minute))
	require.NoError(t, r.Set(ctx, "post:1:tok:liked:5", []byte("1"), time.Minute))
	_, _, err := r.GetVersioned(ctx, "post:1:v", "post:1:", "", ":liked:5")
	require.NoError(t, err)

	before := srv.CommandsProcessed(t)
	for range 1000 {
		tok, vals, err := r.GetVersioned(ctx, "post:1:v", "post:1:", "", ":liked:5")
		require.NoError(t, err)
		require.Equal(t, "tok", tok)
		require.Equal(t, [][]byte{body, []byte("1")}, vals)
	}
	n := srv.CommandsProcessed(t) - before
	assert.GreaterOrEqual(t, n, int64(1000))
	assert.Less(t, n, int64(1010), "entries under the token went to Redis")
}

// A replica reads its own writes at once, also keys it had read before
// (Redis sends a connection the invalidation of its own write only after
// the write's reply, so a locally held copy would be read old).
func TestRedis_ReadsItsOwnWrites(t *testing.T) {
	r := replicas(t, cachetest.RedisURL(t), 1)[0]
	ctx := context.Background()
	for i := range 500 {
		v := []byte(strconv.Itoa(i))
		require.NoError(t, r.Set(ctx, "k", v, time.Minute))
		got, err := r.Get(ctx, "k")
		require.NoError(t, err)
		require.Equal(t, string(v), string(got[0]), "round %d", i)
		require.NoError(t, r.Delete(ctx, "k"))
		got, err = r.Get(ctx, "k")
		require.NoError(t, err)
		require.Nil(t, got[0], "round %d", i)
		added, err := r.Add(ctx, "k", v, time.Minute)
		require.NoError(t, err)
		require.True(t, added, "round %d", i)
		tok, _, err := r.GetVersioned(ctx, "k", "e:", "")
		require.NoError(t, err)
		require.Equal(t, string(v), tok, "round %d", i)
	}
}

// A write through one replica is never read as the old value by another
// once the write has returned: Redis pushes the invalidation to the other
// replica's connection before that connection's next command is answered.
func TestRedis_WriteOnOneReplicaIsReadFreshOnTheOthers(t *testing.T) {
	url := cachetest.RedisURL(t)
	rs := replicas(t, url, 3)
	writer, readers := rs[0], rs[1:]
	ctx := context.Background()
	for i := range 300 {
		want := strconv.Itoa(i)
		// The post cache's write: replace the version token after commit.
		require.NoError(t, writer.Set(ctx, "post:7:v", []byte("t"+want), time.Minute))
		require.NoError(t, writer.Set(ctx, "post:7:t"+want, []byte("body "+want), time.Minute))
		for _, r := range readers {
			for range 3 { // the second and third reads come from local memory
				tok, vals, err := r.GetVersioned(ctx, "post:7:v", "post:7:", "")
				require.NoError(t, err)
				require.Equal(t, "t"+want, tok, "round %d", i)
				require.Equal(t, "body "+want, string(vals[0]), "round %d", i)
			}
		}
	}
	// Deletes invalidate as well.
	require.NoError(t, writer.Delete(ctx, "post:7:v"))
	for _, r := range readers {
		tok, vals, err := r.GetVersioned(ctx, "post:7:v", "post:7:", "")
		require.NoError(t, err)
		assert.Empty(t, tok)
		assert.Nil(t, vals)
	}
}

// After Redis restarts (its data gone, its invalidations for our
// connections lost), no replica serves what it held before.
func TestRedis_RestartFlushesLocalCopies(t *testing.T) {
	srv := cachetest.StartServer(t)
	rs := replicas(t, srv.URL, 2)
	writer, reader := rs[0], rs[1]
	ctx := context.Background()
	require.NoError(t, writer.Set(ctx, "gone", []byte("old"), time.Hour))
	require.NoError(t, writer.Set(ctx, "changed", []byte("old"), time.Hour))
	got, err := reader.Get(ctx, "gone", "changed")
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("old"), []byte("old")}, got)

	srv.Stop(t)
	srv.Start(t)

	// The writer's first command after the restart may fail on the dead
	// connection; it reconnects and the next one goes through.
	require.Eventually(t, func() bool {
		return writer.Set(ctx, "changed", []byte("new"), time.Hour) == nil
	}, 10*time.Second, 20*time.Millisecond)
	for range 200 {
		got, err := reader.Get(ctx, "gone", "changed")
		if err != nil {
			continue // the reader's own reconnect; never an old value
		}
		require.Nil(t, got[0], "a key that is gone from Redis was served from local memory")
		require.Equal(t, "new", string(got[1]), "a stale local copy survived the restart")
	}
}
