package cache_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
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

// A versioned read is answered from the replica's memory once it holds
// the token and the entries under it: no command reaches Redis.
func TestRedis_HotEntriesAreServedFromLocalMemory(t *testing.T) {
	srv := cachetest.StartServer(t)
	r := replicas(t, srv.URL, 1)[0]
	ctx := context.Background()
	body := []byte(strings.Repeat("x", 4096))
	require.NoError(t, r.ReplaceToken(ctx, "post:1:v", []byte("tok"), time.Minute))
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
	// The replica's lease echo (one script call each 100 ms, while the
	// loop runs) is all Redis may see.
	assert.Less(t, n, int64(20), "a hot versioned read went to Redis")
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

// A token replaced through one replica is never read as the old one by
// another once ReplaceToken has returned, though every replica holds the
// token in its own memory between writes.
func TestRedis_WriteOnOneReplicaIsReadFreshOnTheOthers(t *testing.T) {
	url := cachetest.RedisURL(t)
	rs := replicas(t, url, 3)
	writer, readers := rs[0], rs[1:]
	ctx := context.Background()
	for i := range 300 {
		want := strconv.Itoa(i)
		// The post cache's write: replace the version token after commit.
		require.NoError(t, writer.Set(ctx, "post:7:t"+want, []byte("body "+want), time.Minute))
		require.NoError(t, writer.ReplaceToken(ctx, "post:7:v", []byte("t"+want), time.Minute))
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
	require.NoError(t, writer.ReplaceToken(ctx, "post:7:v", nil, time.Minute))
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

// A replica that stops hearing invalidations without its connection
// closing (a silent partition) cannot acknowledge a write: the writer waits
// until that replica's lease has run out, and the replica, no longer
// renewing it, reads the token from Redis again. Never the old one.
func TestRedis_ASilentReplicaIsFencedByItsLease(t *testing.T) {
	rs := replicas(t, cachetest.RedisURL(t), 2)
	writer, silent := rs[0], rs[1]
	ctx := context.Background()
	require.NoError(t, writer.ReplaceToken(ctx, "post:9:v", []byte("t0"), time.Minute))
	// The silent replica takes its lease and holds t0 in memory.
	require.Eventually(t, func() bool {
		tok, _, err := silent.GetVersioned(ctx, "post:9:v", "post:9:", "")
		return err == nil && tok == "t0"
	}, 5*time.Second, 10*time.Millisecond)

	cache.Deafen(silent, true)
	for i := 1; i <= 3; i++ {
		want := "t" + strconv.Itoa(i)
		require.NoError(t, writer.ReplaceToken(ctx, "post:9:v", []byte(want), time.Minute))
		tok, _, err := silent.GetVersioned(ctx, "post:9:v", "post:9:", "")
		require.NoError(t, err)
		require.Equal(t, want, tok, "round %d: a replica that missed the invalidation served the old token", i)
	}
	assert.Equal(t, int64(3), cache.WaitedOut(writer), "the writer answered without the silent replica's acknowledgement or its lease running out")

	// Hearing again, it acknowledges, and writes stop waiting.
	cache.Deafen(silent, false)
	require.Eventually(t, func() bool {
		before := cache.WaitedOut(writer)
		require.NoError(t, writer.ReplaceToken(ctx, "post:9:v", []byte("t9"), time.Minute))
		return cache.WaitedOut(writer) == before
	}, 5*time.Second, 10*time.Millisecond)
}

// Many writers replacing tokens on every replica at once while readers
// read: a read that starts after a replacement has returned shows that
// token or a later one.
func TestRedis_ConcurrentReplacementsNeverReadBack(t *testing.T) {
	rs := replicas(t, cachetest.RedisURL(t), 3)
	ctx := context.Background()
	const keys, rounds = 4, 60
	var wg sync.WaitGroup
	for k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "post:" + strconv.Itoa(100+k) + ":v"
			for i := 1; i <= rounds; i++ {
				w := rs[(i+k)%len(rs)]
				want := strconv.Itoa(i)
				if err := w.ReplaceToken(ctx, key, []byte(want), time.Minute); err != nil {
					t.Error(err)
					return
				}
				for _, r := range rs {
					tok, _, err := r.GetVersioned(ctx, key, "p:", "")
					if err != nil {
						t.Error(err)
						return
					}
					if n, _ := strconv.Atoi(tok); n < i {
						t.Errorf("%s: read %q after %q had been written", key, tok, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// GetStable answers a key this replica has read from its own memory, and
// drops that copy when another replica changes the key (Redis's
// invalidation, which arrives a moment after the write).
func TestRedis_GetStableIsLocalUntilInvalidated(t *testing.T) {
	srv := cachetest.StartServer(t)
	rs := replicas(t, srv.URL, 2)
	writer, reader := rs[0], rs[1]
	ctx := context.Background()
	require.NoError(t, writer.Set(ctx, "preview:a", []byte("one"), time.Minute))
	got, err := reader.GetStable(ctx, "preview:a", "preview:absent")
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("one"), nil}, got)

	before := srv.CommandsProcessed(t)
	for range 1000 {
		got, err := reader.GetStable(ctx, "preview:a", "preview:absent")
		require.NoError(t, err)
		require.Equal(t, [][]byte{[]byte("one"), nil}, got)
	}
	assert.Less(t, srv.CommandsProcessed(t)-before, int64(20), "a held key went to Redis")

	require.NoError(t, writer.Set(ctx, "preview:a", []byte("two"), time.Minute))
	require.NoError(t, writer.Set(ctx, "preview:absent", []byte("now"), time.Minute))
	require.Eventually(t, func() bool {
		got, err := reader.GetStable(ctx, "preview:a", "preview:absent")
		return err == nil && string(got[0]) == "two" && string(got[1]) == "now"
	}, 5*time.Second, time.Millisecond)
}
