package tests

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/beego/beego/v2/server/web"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/cache/cachetest"
	"inkwell/config"
	"inkwell/controllers"
	"inkwell/database/dbtest"
	"inkwell/posts"
	"inkwell/ratelimit"
	"inkwell/tests/apptest"
	"inkwell/testsupport/testapp"
)

// TestRateLimits_TwoReplicasShareOneBudget runs two inkwell processes on one
// database and one Redis. 200 concurrent likes by one user, spread over
// both, against writes = 10 per hour with a burst of 5: exactly 15 pass in
// total, every other answer is 429 rate_limited with the Retry-After the
// GCRA gives (one emission interval, 360 s, minus the few seconds the run
// took).
func TestRateLimits_TwoReplicasShareOneBudget(t *testing.T) {
	redisURL := cachetest.RedisURL(t)
	google := authtest.NewProvider(t)
	cfg := dbtest.Config(t, "sqlite")
	prefix := cachetest.Prefix()
	cachetest.DeleteAfter(t, redisURL, prefix)
	cachetest.DeleteAfter(t, redisURL, "rate:"+prefix)
	env := append(dbtest.Env(cfg), google.Env()...)
	env = append(env, "REDIS_URL="+redisURL, "CACHE_KEY_PREFIX="+prefix, "RATE_LIMIT_WRITES=10/1h+5")
	replicas := []*apptest.App{apptest.Start(t, env...), apptest.Start(t, env...)}
	on := func(app *apptest.App, token string) *postsClient {
		return &postsClient{app: &authApp{App: &testapp.App{URL: app.URL}}, token: token}
	}
	bobToken := google.Token(t, "sub-bob", "bob@example.com", "bob")
	aliceToken := google.Token(t, "sub-alice", "alice@example.com", "alice")
	var p posts.Post
	code, body := on(replicas[0], bobToken).json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "likeable", "status": "published"}, &p)
	require.Equal(t, http.StatusCreated, code, string(body))
	code, body = on(replicas[1], aliceToken).json(t, http.MethodGet, "/api/v1/me", nil, nil)
	require.Equal(t, http.StatusOK, code, string(body))

	const n = 200
	type answer struct {
		status     int
		retryAfter string
		remaining  string
		code       string
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, _ := http.NewRequest(http.MethodPut, replicas[i%2].URL+postPath(p.ID)+"/like", http.NoBody)
			req.Header.Set("Authorization", "Bearer "+aliceToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				answers[i] = answer{status: -1, code: err.Error()}
				return
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), remaining: resp.Header.Get("RateLimit-Remaining")}
			if resp.StatusCode >= 400 {
				a.code = decodeError(t, b.Bytes()).Error.Code
			}
			answers[i] = a
		}()
	}
	close(start)
	wg.Wait()

	ok, limited := 0, 0
	for i, a := range answers {
		switch a.status {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
			assert.Equal(t, "rate_limited", a.code, "answer %d", i)
			assert.Equal(t, "0", a.remaining, "answer %d", i)
			secs, err := strconv.Atoi(a.retryAfter)
			if assert.NoError(t, err, "answer %d: Retry-After %q", i, a.retryAfter) {
				assert.LessOrEqual(t, secs, 360, "answer %d: one emission interval at most", i)
				assert.Greater(t, secs, 300, "answer %d: the interval minus the run's few seconds", i)
			}
		default:
			t.Errorf("answer %d: status %d (%s)", i, a.status, a.code)
		}
	}
	assert.Equal(t, 15, ok, "limit + burst pass, across both replicas together")
	assert.Equal(t, n-15, limited)

	// Another user's budget is untouched, and reads are never limited.
	code, body = on(replicas[1], bobToken).json(t, http.MethodPut, postPath(p.ID)+"/like", nil, nil)
	assert.Equal(t, http.StatusOK, code, string(body))
	code, body = on(replicas[0], aliceToken).json(t, http.MethodGet, postPath(p.ID), nil, nil)
	assert.Equal(t, http.StatusOK, code, string(body))
}

// TestRateLimits_RedisDownFailsOpen cuts the limiter's connection to Redis
// under a running app: writes over the limit were refused, and now they
// are served, with a log line and the fail-open counter growing.
func TestRateLimits_RedisDownFailsOpen(t *testing.T) {
	t.Parallel()
	redisURL := cachetest.RedisURL(t)
	opts, err := redis.ParseURL(redisURL)
	require.NoError(t, err)
	relay := newRelay(t, "127.0.0.1:0", opts.Addr)
	prefix := cachetest.Prefix()
	cachetest.DeleteAfter(t, redisURL, "rate:"+prefix)
	store, err := ratelimit.NewRedis(context.Background(), fmt.Sprintf("redis://%s/%d", relay.ln.Addr(), opts.DB), prefix)
	require.NoError(t, err)
	limiter := ratelimit.NewLimiter(store, testapp.QuietLog())
	t.Cleanup(func() { _ = limiter.Close() })

	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthAppWith(t, db, google, testapp.Options{Limiter: limiter, Configure: func(c *config.Config) {
		c.RateLimits.Writes = ratelimit.Limit{Name: "writes", Rate: 2, Period: time.Hour}
	}})
	alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
	var p posts.Post
	code, body := bob.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "t", "status": "published"}, &p)
	require.Equal(t, http.StatusCreated, code, string(body))
	for range 2 {
		code, body = alice.json(t, http.MethodPut, postPath(p.ID)+"/like", nil, nil)
		require.Equal(t, http.StatusOK, code, string(body))
	}
	code, body = alice.json(t, http.MethodPut, postPath(p.ID)+"/like", nil, nil)
	require.Equal(t, http.StatusTooManyRequests, code, string(body))
	assert.Zero(t, limiter.Stats().FailedOpen())

	relay.Close() // Redis is gone
	for range 3 {
		code, body = alice.json(t, http.MethodPut, postPath(p.ID)+"/like", nil, nil)
		assert.Equal(t, http.StatusOK, code, string(body))
	}
	assert.EqualValues(t, 3, limiter.Stats().FailedOpen())
}

// writeProbe stands for a route added later (comments, media, live edits
// live on other branches): it is limited without doing anything.
type writeProbe struct{ controllers.BaseController }

func (c *writeProbe) Post() {
	c.RenderJSON(http.StatusCreated, map[string]int64{"user_id": c.UserID()})
}

// TestRateLimits_EveryWriteRouteIsLimitedByConstruction registers a new
// POST route under /api/v1 and finds it limited per user, while a GET is
// not, and a named action (comment create) has its own budget.
func TestRateLimits_EveryWriteRouteIsLimitedByConstruction(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthAppWith(t, db, google, testapp.Options{
		Configure: func(c *config.Config) {
			c.RateLimits.Writes = ratelimit.Limit{Name: "writes", Rate: 3, Period: time.Hour}
			c.RateLimits.Comments = ratelimit.Limit{Name: "comments", Rate: 1, Period: time.Hour, Burst: 1}
		},
		Routes: func(s *web.HttpServer) {
			s.Router("/api/v1/future-thing", &writeProbe{}, "post:Post")
			s.Router("/api/v1/posts/:id/comments", &writeProbe{}, "post:Post")
		},
	})
	alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
	for i := range 3 {
		resp, body := alice.send(t, http.MethodPost, "/api/v1/future-thing", "", nil)
		require.Equal(t, http.StatusCreated, resp.StatusCode, "write %d: %s", i, body)
		assert.Equal(t, "3", resp.Header.Get("RateLimit-Limit"))
		assert.Equal(t, strconv.Itoa(2-i), resp.Header.Get("RateLimit-Remaining"))
	}
	resp, body := alice.send(t, http.MethodPost, "/api/v1/future-thing", "", nil)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, string(body))
	assert.Equal(t, "rate_limited", decodeError(t, body).Error.Code)
	assert.Equal(t, "1200", resp.Header.Get("Retry-After"), "one write comes back every 20 minutes")

	resp, body = bob.send(t, http.MethodPost, "/api/v1/future-thing", "", nil)
	assert.Equal(t, http.StatusCreated, resp.StatusCode, "budgets are per user: %s", body)
	for range 5 {
		resp, body = alice.send(t, http.MethodGet, "/api/v1/me", "", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "reads are not limited: %s", body)
	}
	// Comment creation spends from its own budget (1 + burst 1), not writes.
	for range 2 {
		resp, body = alice.send(t, http.MethodPost, "/api/v1/posts/1/comments", "", nil)
		assert.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	}
	resp, body = alice.send(t, http.MethodPost, "/api/v1/posts/1/comments", "", nil)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, string(body))
}

// TestRateLimits_AuthFailuresPerClientAddress: rejected tokens from one
// address are limited; past the limit the answer is 429, not 401.
func TestRateLimits_AuthFailuresPerClientAddress(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, func(c *config.Config) {
		c.RateLimits.AuthFailures = ratelimit.Limit{Name: "auth_failures", Rate: 3, Period: time.Minute}
	})
	for i := range 3 {
		resp, _ := app.do(t, http.MethodGet, "/api/v1/me", "Bearer not-a-token", nil)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "failure %d", i)
	}
	resp, body := app.do(t, http.MethodGet, "/api/v1/me", "Bearer not-a-token", nil)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, body)
	assert.Equal(t, "20", resp.Header.Get("Retry-After"))
	alice := google.Token(t, "sub-alice", "alice@example.com", "alice")
	resp, body = app.do(t, http.MethodGet, "/api/v1/me", bearer(alice), nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a valid token costs nothing and still works: %s", body)
}

// TestRateLimits_DevSignInPerClientAddress runs the binary behind a
// trusted proxy (this test): dev sign-in is limited per client address as
// the proxy reports it, IPv6 clients grouped by /64.
func TestRateLimits_DevSignInPerClientAddress(t *testing.T) {
	t.Parallel()
	cfg := dbtest.Config(t, "sqlite")
	app := apptest.Start(t, append(dbtest.Env(cfg), "AUTH_DEV_LOGIN=true", "TRUSTED_PROXIES=127.0.0.1", "RATE_LIMIT_DEV_LOGIN=3/1m")...)
	devLogin := func(clientIP string) int {
		req, _ := http.NewRequest(http.MethodPost, app.URL+"/auth/dev-login", bytes.NewReader([]byte(`{"name":"alice"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", clientIP)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 3 {
		assert.Equal(t, http.StatusOK, devLogin("203.0.113.7"))
	}
	assert.Equal(t, http.StatusTooManyRequests, devLogin("203.0.113.7"))
	assert.Equal(t, http.StatusOK, devLogin("203.0.113.8"), "another client has its own budget")
	for range 3 {
		assert.Equal(t, http.StatusOK, devLogin("2001:db8:1:2::1"))
	}
	assert.Equal(t, http.StatusTooManyRequests, devLogin("2001:db8:1:2:ffff::9"), "same /64, same budget")
	assert.Equal(t, http.StatusOK, devLogin("2001:db8:1:3::1"), "another /64")
}
