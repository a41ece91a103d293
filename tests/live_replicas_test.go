package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/cache/cachetest"
	"inkwell/database/dbtest"
	"inkwell/tests/apptest"
	"inkwell/testsupport/liveclient"
)

// liveCluster is inkwell replicas on one database and one Redis, and
// dialers that open a post's socket on a live replica.
type liveCluster struct {
	replicas []*apptest.App
	dead     []atomic.Bool
	google   *authtest.Provider
}

func startLiveCluster(t *testing.T, n int, driver string) *liveCluster {
	t.Helper()
	google := authtest.NewProvider(t)
	cfg := dbtest.Config(t, driver)
	redisURL, prefix := cachetest.RedisURL(t), cachetest.Prefix()
	cachetest.DeleteAfter(t, redisURL, prefix)
	env := append(dbtest.Env(cfg), google.Env()...)
	// Two users type in 10 editors as fast as they can: above the default
	// live budget (50 ops/s per user), which would only slow the test.
	env = append(env, "REDIS_URL="+redisURL, "CACHE_KEY_PREFIX="+prefix, "LIVE_SAVE_IDLE=200ms", "RATE_LIMIT_LIVE_EDITS=2000/1s")
	if driver == "mysql" {
		out, code := apptest.Run(t, env, "migrate", "up")
		require.Equal(t, 0, code, out)
	}
	c := &liveCluster{google: google, dead: make([]atomic.Bool, n)}
	for range n {
		c.replicas = append(c.replicas, apptest.Start(t, env...))
	}
	return c
}

// dialer opens sockets for auth on post, on replica home while it lives,
// else on the next live one (as a load balancer would after a death).
func (c *liveCluster) dialer(auth string, post int64, home int) liveclient.Dial {
	return func(ctx context.Context, since int64) (*websocket.Conn, error) {
		var lastErr error
		for k := range c.replicas {
			r := (home + k) % len(c.replicas)
			if c.dead[r].Load() {
				continue
			}
			base := c.replicas[r].URL
			code, body := tryCall(base, http.MethodPost, fmt.Sprintf("/api/v1/posts/%d/live/ticket", post), auth, "")
			if code != http.StatusCreated {
				lastErr = fmt.Errorf("ticket on replica %d: %d %s", r, code, body)
				continue
			}
			var tk struct{ Ticket string }
			if err := json.Unmarshal([]byte(body), &tk); err != nil {
				return nil, err
			}
			u := fmt.Sprintf("ws%s/api/v1/posts/%d/live?ticket=%s&since=%d", strings.TrimPrefix(base, "http"), post, tk.Ticket, since)
			dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			conn, _, err := websocket.Dial(dctx, u, nil)
			cancel()
			if err == nil {
				return conn, nil
			}
			lastErr = err
		}
		return nil, lastErr
	}
}

// TestLiveReplicas_EditorsOnTwoReplicasConverge: 10 editors split between
// two inkwell processes on one Redis, 500 random edits each with random
// pauses, connections dropped at random; halfway one replica is killed
// with SIGKILL and its editors reconnect to the other. Every editor checks
// that it sees each client's ops once each, in order, without gaps.
// Afterwards every editor's text is the server's and the saved post's.
func TestLiveReplicas_EditorsOnTwoReplicasConverge(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers and makes 5,000 edits")
	}
	drivers := dbtest.Drivers(t)
	driver := drivers[len(drivers)-1] // MariaDB when configured
	c := startLiveCluster(t, 2, driver)
	const editors, opsEach = 10, 500
	auths := []string{"Bearer " + c.google.Token(t, "sub-alice", "alice@example.com", "alice"),
		"Bearer " + c.google.Token(t, "sub-bob", "bob@example.com", "bob")}
	code, body := call(t, c.replicas[0].URL, http.MethodGet, "/api/v1/me", auths[1], "")
	require.Equal(t, http.StatusOK, code, body)
	var bob struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(body), &bob))
	code, body = call(t, c.replicas[0].URL, http.MethodPost, "/api/v1/posts", auths[0], `{"title":"Live","body_markdown":"Start 😅 e\u0301"}`)
	require.Equal(t, http.StatusCreated, code, body)
	var p struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	code, body = call(t, c.replicas[1].URL, http.MethodPut, fmt.Sprintf("/api/v1/posts/%d/collaborators/%d", p.ID, bob.ID), auths[0], "")
	require.Equal(t, http.StatusNoContent, code, body)
	code, body = call(t, c.replicas[1].URL, http.MethodGet, fmt.Sprintf("/api/v1/posts/%d/live/state", p.ID), auths[1], "")
	require.Equal(t, http.StatusOK, code, body)
	var start struct {
		Rev  int64
		Text string
	}
	require.NoError(t, json.Unmarshal([]byte(body), &start))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var made atomic.Int64
	var killOnce sync.Once
	heads := make(chan int64, editors)
	var generated, finished sync.WaitGroup
	eds := make([]*liveclient.Editor, editors)
	errs := make([]error, editors)
	for i := range editors {
		ed := liveclient.New(fmt.Sprintf("ed-%d", i), start.Rev, start.Text, c.dialer(auths[i%2], p.ID, i%2))
		require.NoError(t, ed.Connect(ctx))
		eds[i] = ed
		generated.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			r := rand.New(rand.NewPCG(uint64(i), 2026))
			n, reported := 0, false
			defer func() {
				if !reported {
					generated.Done()
				}
				ed.Close()
			}()
			head := int64(-1)
			var headC <-chan int64
			for {
				if !reported && n == opsEach && ed.Idle() {
					reported, headC = true, heads
					generated.Done()
				}
				if head >= 0 && ed.Rev == head {
					return
				}
				var tick <-chan time.Time
				if n < opsEach {
					tick = time.After(time.Duration(r.IntN(20000)) * time.Microsecond)
				}
				select {
				case m, ok := <-ed.C:
					if !ok { // the replica died or dropped us
						if errs[i] = ed.Reconnect(ctx); errs[i] != nil {
							return
						}
						continue
					}
					if errs[i] = ed.Receive(ctx, m); errs[i] != nil {
						return
					}
				case <-tick:
					if errs[i] = ed.Edit(ctx, ed.RandomEdit(r)); errs[i] != nil {
						return
					}
					n++
					if made.Add(1) == editors*opsEach/2 {
						killOnce.Do(func() {
							c.dead[1].Store(true)
							require.NoError(t, c.replicas[1].Signal(syscall.SIGKILL))
						})
					}
					if r.IntN(50) == 0 {
						if errs[i] = ed.Drop(ctx); errs[i] != nil {
							return
						}
					}
				case head = <-headC:
					headC = nil
				case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
					errs[i] = fmt.Errorf("editor %d stuck at rev %d after %d edits (idle %v)", i, ed.Rev, n, ed.Idle())
					return
				}
			}
		}()
	}
	generated.Wait()
	for i, err := range errs {
		require.NoError(t, err, "editor %d", i)
	}
	code, body = call(t, c.replicas[0].URL, http.MethodGet, fmt.Sprintf("/api/v1/posts/%d/live/state", p.ID), auths[0], "")
	require.Equal(t, http.StatusOK, code, body)
	var final struct {
		Rev  int64
		Text string
	}
	require.NoError(t, json.Unmarshal([]byte(body), &final))
	for range editors {
		heads <- final.Rev
	}
	finished.Wait()
	var total int64
	reconnects := 0
	for i, ed := range eds {
		require.NoError(t, errs[i], "editor %d", i)
		assert.Equal(t, final.Text, ed.Doc, "editor %d", i)
		total += ed.Sent()
		reconnects += ed.Reconnects
	}
	assert.Equal(t, start.Rev+total, final.Rev, "every op sent was applied exactly once")
	assert.True(t, c.dead[1].Load(), "the replica was killed mid-run")
	require.Eventually(t, func() bool {
		code, body := tryCall(c.replicas[0].URL, http.MethodGet, fmt.Sprintf("/api/v1/posts/%d", p.ID), auths[0], "")
		var got struct {
			BodyMarkdown string `json:"body_markdown"`
		}
		return code == http.StatusOK && json.Unmarshal([]byte(body), &got) == nil && got.BodyMarkdown == final.Text
	}, 20*time.Second, 50*time.Millisecond, "the saved post is the live text")
	t.Logf("%s: %d editors × %d edits → %d ops, head %d, %d reconnects; one replica killed after %d edits",
		driver, editors, opsEach, total, final.Rev, reconnects, editors*opsEach/2)
}
