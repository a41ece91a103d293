package tests

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/cache"
	"inkwell/cache/cachetest"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/posts"
	"inkwell/tests/apptest"
	"inkwell/testsupport/testapp"
)

// TestPostCache_TwoReplicasSharingRedisNeverServeStaleData runs two inkwell
// processes on one database and one Redis, as two Kubernetes replicas
// would: whatever is written through one is read fresh through the other
// the moment the write has answered.
func TestPostCache_TwoReplicasSharingRedisNeverServeStaleData(t *testing.T) {
	redisURL := cachetest.RedisURL(t)
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			google := authtest.NewProvider(t)
			cfg := dbtest.Config(t, driver)
			prefix := cachetest.Prefix()
			cachetest.DeleteAfter(t, redisURL, prefix)
			env := append(dbtest.Env(cfg), google.Env()...)
			env = append(env, "REDIS_URL="+redisURL, "CACHE_KEY_PREFIX="+prefix)
			if driver == "mysql" {
				out, code := apptest.Run(t, env, "migrate", "up")
				require.Equal(t, 0, code, out)
			}
			replicaA, replicaB := apptest.Start(t, env...), apptest.Start(t, env...)
			on := func(app *apptest.App, c *postsClient) *postsClient {
				return &postsClient{app: &authApp{App: &testapp.App{URL: app.URL}}, token: c.token, ID: c.ID}
			}
			alice := &postsClient{token: google.Token(t, "sub-alice", "alice@example.com", "alice")}
			bob := &postsClient{token: google.Token(t, "sub-bob", "bob@example.com", "bob")}

			var p posts.Post
			code, body := on(replicaA, alice).json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "v0", "status": "published"}, &p)
			require.Equal(t, http.StatusCreated, code, string(body))
			read := func(app *apptest.App, c *postsClient) posts.Post {
				t.Helper()
				var got posts.Post
				code, body := on(app, c).json(t, http.MethodGet, postPath(p.ID), nil, &got)
				require.Equal(t, http.StatusOK, code, string(body))
				return got
			}
			assert.Equal(t, "v0", read(replicaB, bob).Title)

			// The read was cached in Redis, under this run's prefix…
			rdbOpts, err := redis.ParseURL(redisURL)
			require.NoError(t, err)
			rdb := redis.NewClient(rdbOpts)
			defer func() { _ = rdb.Close() }()
			keys, err := rdb.Keys(ctx, prefix+fmt.Sprintf("post:%d:*", p.ID)).Result()
			require.NoError(t, err)
			assert.NotEmpty(t, keys)

			// …and both replicas answer from it: a change made behind the
			// application's back is not seen until a write invalidates.
			db, err := database.Open(ctx, cfg, "cache_test_"+driver+prefix)
			require.NoError(t, err)
			defer db.Close()
			_, err = db.SQL.ExecContext(ctx, "UPDATE posts SET title = 'behind its back' WHERE id = ?", p.ID)
			require.NoError(t, err)
			assert.Equal(t, "v0", read(replicaB, bob).Title, "B serves the cached copy")
			assert.Equal(t, "v0", read(replicaA, alice).Title, "A shares B's cache")

			// Edits through one replica are read at once through the other.
			replicas := []*apptest.App{replicaA, replicaB}
			for i := 1; i <= 6; i++ {
				writer, reader := replicas[i%2], replicas[(i+1)%2]
				title := fmt.Sprintf("v%d", i)
				code, body := on(writer, alice).json(t, http.MethodPatch, postPath(p.ID), map[string]any{"title": title}, nil)
				require.Equal(t, http.StatusOK, code, string(body))
				assert.Equal(t, title, read(reader, bob).Title, "write on %d, read on the other", i%2)
				assert.Equal(t, title, read(writer, bob).Title)
			}

			// Likes: the count and each reader's liked_by_me follow at once.
			assert.False(t, read(replicaA, bob).LikedByMe) // cache bob's flag on A
			code, body = on(replicaB, bob).json(t, http.MethodPut, postPath(p.ID)+"/like", nil, nil)
			require.Equal(t, http.StatusOK, code, string(body))
			got := read(replicaA, bob)
			assert.True(t, got.LikedByMe)
			assert.EqualValues(t, 1, got.LikeCount)
			got = read(replicaA, alice)
			assert.False(t, got.LikedByMe, "liked_by_me is the reader's own")
			assert.EqualValues(t, 1, got.LikeCount)
			code, body = on(replicaA, bob).json(t, http.MethodDelete, postPath(p.ID)+"/like", nil, nil)
			require.Equal(t, http.StatusOK, code, string(body))
			got = read(replicaB, bob)
			assert.False(t, got.LikedByMe)
			assert.EqualValues(t, 0, got.LikeCount)

			// A deletion is seen at once too.
			code, _ = on(replicaB, alice).json(t, http.MethodDelete, postPath(p.ID), nil, nil)
			require.Equal(t, http.StatusNoContent, code)
			code, _ = on(replicaA, bob).json(t, http.MethodGet, postPath(p.ID), nil, nil)
			assert.Equal(t, http.StatusNotFound, code)
		})
	}
}

// TestPostCache_WhenRedisGoesAwayReadsUseTheDatabaseAndWritesSay503 cuts
// the connection to Redis under a running app: reads keep answering, fresh,
// from the database; a write is saved but answers 503, because its
// invalidation could not reach the replicas' shared cache.
func TestPostCache_WhenRedisGoesAwayReadsUseTheDatabaseAndWritesSay503(t *testing.T) {
	t.Parallel()
	redisURL := cachetest.RedisURL(t)
	opts, err := redis.ParseURL(redisURL)
	require.NoError(t, err)
	relay := newRelay(t, "127.0.0.1:0", opts.Addr)
	prefix := cachetest.Prefix()
	cachetest.DeleteAfter(t, redisURL, prefix)
	viaRelay := fmt.Sprintf("redis://%s/%d", relay.ln.Addr(), opts.DB)
	shared, err := cache.NewRedis(context.Background(), viaRelay, prefix)
	require.NoError(t, err)
	t.Cleanup(func() { _ = shared.Close() })

	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthAppWith(t, db, google, testapp.Options{PostCache: shared})
	alice := signIn(t, app, google, "alice")
	var p posts.Post
	code, body := alice.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "before", "status": "published"}, &p)
	require.Equal(t, http.StatusCreated, code, string(body))

	relay.Close() // Redis is gone
	var got posts.Post
	code, body = alice.json(t, http.MethodGet, postPath(p.ID), nil, &got)
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, "before", got.Title)

	code, body = alice.json(t, http.MethodPatch, postPath(p.ID), map[string]any{"title": "after"}, nil)
	assert.Equal(t, http.StatusServiceUnavailable, code, string(body))
	assert.Equal(t, "unavailable", decodeError(t, body).Error.Code)
	code, body = alice.json(t, http.MethodGet, postPath(p.ID), nil, &got)
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, "after", got.Title, "the change was saved, and reads come from the database")
}
