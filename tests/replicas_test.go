package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/cache/cachetest"
	"inkwell/database/dbtest"
	"inkwell/tests/apptest"
)

// TestReplicas_ReadsNeverSeeAWriteUndoneAfterItAnswered runs three inkwell
// processes on one database and one Redis (of the test's own, so it can be
// restarted), as three Kubernetes replicas. One client edits a post through
// the replicas in turn; readers hammer the other replicas all the while. A
// read that starts after an edit has answered must show that edit or a
// later one, through every replica, also across a Redis restart (which
// loses the cache's data and the replicas' tracking of it).
func TestReplicas_ReadsNeverSeeAWriteUndoneAfterItAnswered(t *testing.T) {
	redis := cachetest.StartServer(t)
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			google := authtest.NewProvider(t)
			cfg := dbtest.Config(t, driver)
			env := append(dbtest.Env(cfg), google.Env()...)
			// One author edits 120 times in seconds: this test is about the
			// cache, so the write budget (its own tests: ratelimit) is off.
			env = append(env, "REDIS_URL="+redis.URL, "CACHE_KEY_PREFIX="+cachetest.Prefix(), "RATE_LIMIT_WRITES=off")
			if driver == "mysql" {
				out, code := apptest.Run(t, env, "migrate", "up")
				require.Equal(t, 0, code, out)
			}
			replicas := []*apptest.App{apptest.Start(t, env...), apptest.Start(t, env...), apptest.Start(t, env...)}
			alice := "Bearer " + google.Token(t, "sub-alice", "alice@example.com", "alice")
			bob := "Bearer " + google.Token(t, "sub-bob", "bob@example.com", "bob")

			code, body := call(t, replicas[0].URL, http.MethodPost, "/api/v1/posts", alice, `{"title":"v0","status":"published"}`)
			require.Equal(t, http.StatusCreated, code, body)
			var p struct{ ID int64 }
			require.NoError(t, json.Unmarshal([]byte(body), &p))
			path := fmt.Sprintf("/api/v1/posts/%d", p.ID)

			const edits = 120
			var acked atomic.Int64 // the last edit that has answered 200
			var reads, stale atomic.Int64
			ctx, stop := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for r := range replicas {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						floor := acked.Load()
						code, body := tryCall(replicas[r].URL, http.MethodGet, path, bob, "")
						if code != http.StatusOK {
							continue // a replica reconnecting to Redis may answer from the database or fail; never stale
						}
						var got struct{ Title string }
						if json.Unmarshal([]byte(body), &got) != nil {
							continue
						}
						n, _ := strconv.ParseInt(strings.TrimPrefix(got.Title, "v"), 10, 64)
						reads.Add(1)
						if n < floor {
							stale.Add(1)
							t.Errorf("replica %d served v%d after v%d had answered", r, n, floor)
						}
					}
				}()
			}
			for i := int64(1); i <= edits; i++ {
				if i == edits/2 {
					redis.Stop(t)
					redis.Start(t)
				}
				writer := replicas[i%3]
				// A write whose cache invalidation could not reach Redis is
				// saved but answers 503; it is sent again until it answers.
				require.Eventually(t, func() bool {
					code, _ := tryCall(writer.URL, http.MethodPatch, path, alice, fmt.Sprintf(`{"title":"v%d"}`, i))
					return code == http.StatusOK
				}, 20*time.Second, 10*time.Millisecond, "edit %d", i)
				acked.Store(i)
				// Each replica, read right after the answer.
				for _, r := range replicas {
					code, body := call(t, r.URL, http.MethodGet, path, bob, "")
					if code == http.StatusOK {
						assert.Contains(t, body, fmt.Sprintf(`"title":"v%d"`, i))
					}
				}
			}
			stop()
			wg.Wait()
			assert.Zero(t, stale.Load())
			assert.Greater(t, reads.Load(), int64(edits), "the readers ran")
			t.Logf("%d concurrent reads through 3 replicas, %d stale", reads.Load(), stale.Load())
		})
	}
}

// call sends one request and returns its status and body.
func call(t *testing.T, base, method, path, auth, body string) (int, string) {
	t.Helper()
	code, out := tryCall(base, method, path, auth, body)
	require.NotZero(t, code, "%s %s: %s", method, path, out)
	return code, out
}

// tryCall is call for goroutines: 0 and the error's text when the request
// could not be sent.
func tryCall(base, method, path, auth, body string) (int, string) {
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Authorization", auth)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
