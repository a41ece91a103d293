package live

import (
	"context"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"inkwell/cache/cachetest"
)

// savedPosts stands in for the posts table behind Loader and Saver (the
// posts package implements both when wired); it keeps the highest revision
// as the Saver contract asks.
type savedPosts struct {
	mu    sync.Mutex
	text  map[int64]string
	rev   map[int64]int64
	saves int
	saved chan int64 // each save's revision, when not nil
}

func newSavedPosts() *savedPosts {
	return &savedPosts{text: map[int64]string{}, rev: map[int64]int64{}}
}

func (s *savedPosts) LoadLiveText(_ context.Context, postID int64) (string, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.text[postID], s.rev[postID], nil
}

func (s *savedPosts) SaveLiveText(_ context.Context, postID int64, text string, rev int64) error {
	s.mu.Lock()
	if rev > s.rev[postID] {
		s.text[postID], s.rev[postID] = text, rev
	}
	s.saves++
	ch := s.saved
	s.mu.Unlock()
	if ch != nil {
		ch <- rev
	}
	return nil
}

func (s *savedPosts) get(postID int64) (string, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.text[postID], s.rev[postID]
}

// replicas are two sequencers sharing one backend's state, as two app
// replicas share one Redis (for Memory: one process, the only supported
// case without Redis).
type replicas struct {
	name string
	a, b *Sequencer
}

// eachBackend runs fn on the in-process backend and on Redis (two
// backends, each with its own connections, under one fresh key prefix).
func eachBackend(t *testing.T, posts *savedPosts, fn func(t *testing.T, r replicas)) {
	t.Run("memory", func(t *testing.T) {
		m := NewMemory()
		fn(t, replicas{name: "memory", a: NewSequencer(m, posts), b: NewSequencer(m, posts)})
	})
	t.Run("redis", func(t *testing.T) {
		url := cachetest.RedisURL(t)
		prefix := cachetest.Prefix()
		cachetest.DeleteAfter(t, url, prefix)
		newBackend := func() *Redis {
			opts, err := redis.ParseURL(url)
			require.NoError(t, err)
			client := redis.NewClient(opts)
			t.Cleanup(func() { _ = client.Close() })
			r := NewRedis(client, prefix, nil)
			t.Cleanup(func() { require.NoError(t, r.Close()) })
			return r
		}
		fn(t, replicas{name: "redis", a: NewSequencer(newBackend(), posts), b: NewSequencer(newBackend(), posts)})
	})
}
