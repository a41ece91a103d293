package tests

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/database/dbtest"
	"inkwell/posts"
	"inkwell/tests/apptest"
	"inkwell/testsupport/testapp"
)

// faultyRelay forwards TCP to a database until told to hang (it keeps
// every connection open, old and new, and forwards nothing: a server that
// accepts and never answers) or to go down (connections refused).
type faultyRelay struct {
	ln     net.Listener
	target string
	hang   atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newFaultyRelay(t *testing.T, target string) *faultyRelay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &faultyRelay{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.track(c)
			if r.hang.Load() {
				continue // accepted, never answered
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			r.track(up)
			go r.pipe(up, c)
			go r.pipe(c, up)
		}
	}()
	t.Cleanup(r.Down)
	return r
}

func (r *faultyRelay) track(c net.Conn) {
	r.mu.Lock()
	r.conns = append(r.conns, c)
	r.mu.Unlock()
}

// pipe copies src to dst until hanging, then swallows what src sends.
func (r *faultyRelay) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !r.hang.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !r.hang.Load() {
				dst.Close()
			}
			return
		}
	}
}

func (r *faultyRelay) Hang() { r.hang.Store(true) }

func (r *faultyRelay) Down() {
	r.ln.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

// TestDatabaseDown_DataRoutesSay503WhileTheShellIsServed runs the binary on
// MariaDB through a relay, then makes the database hang (accepts, never
// answers) and then go away (refused). Every data route answers 503
// unavailable with Retry-After, within REQUEST_TIMEOUT rather than the
// driver's 30 s read timeout; /readyz fails; /healthz, the PWA shell,
// sw.js and static files keep being served.
func TestDatabaseDown_DataRoutesSay503WhileTheShellIsServed(t *testing.T) {
	cfg := dbtest.Config(t, "mysql")
	relay := newFaultyRelay(t, fmt.Sprintf("%s:%d", cfg.MySQL.Host, cfg.MySQL.Port))
	_, port, _ := net.SplitHostPort(relay.ln.Addr().String())
	cfg.MySQL.Host = "127.0.0.1"
	cfg.MySQL.Port, _ = strconv.Atoi(port)
	google := authtest.NewProvider(t)
	env := append(dbtest.Env(cfg), google.Env()...)
	out, code := apptest.Run(t, env, "migrate", "up")
	require.Equal(t, 0, code, out)
	app := apptest.Start(t, append(env, "REQUEST_TIMEOUT=2s")...)
	alice := &postsClient{app: &authApp{App: &testapp.App{URL: app.URL}}, token: google.Token(t, "sub-alice", "alice@example.com", "alice")}
	var p posts.Post
	status, body := alice.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "before", "status": "published"}, &p)
	require.Equal(t, http.StatusCreated, status, string(body))

	// Without a deadline a hung database holds each request for 30 s; this
	// client gives up long before, so such a wait fails the test.
	client := &http.Client{Timeout: 15 * time.Second}
	call := func(method, path string, body []byte) (*http.Response, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, _ := http.NewRequest(method, app.URL+path, rd)
		req.Header.Set("Authorization", "Bearer "+alice.token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		require.NoError(t, err, "%s %s", method, path)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	dataRoutes := []struct {
		method, path string
		body         string
	}{
		{http.MethodGet, "/api/v1/me", ""},
		{http.MethodGet, "/api/v1/wallet", ""},
		{http.MethodGet, "/api/v1/posts?limit=5", ""},
		{http.MethodGet, "/api/v1/wallet/entries", ""},
		{http.MethodGet, postPath(p.ID + 1000), ""},
		{http.MethodGet, "/api/v1/transfers/1", ""},
		{http.MethodDelete, postPath(p.ID), ""},
		{http.MethodPost, "/api/v1/posts", `{"title":"during","status":"published"}`},
		{http.MethodPatch, postPath(p.ID), `{"title":"changed"}`},
		{http.MethodPut, postPath(p.ID) + "/like", ""},
		{http.MethodPost, "/api/v1/transfers", `{"to_user_id":999,"amount":1,"idempotency_key":"k1"}`},
	}
	check := func(t *testing.T) {
		for _, rt := range dataRoutes {
			var b []byte
			if rt.body != "" {
				b = []byte(rt.body)
			}
			resp, body := call(rt.method, rt.path, b)
			if assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s %s: %s", rt.method, rt.path, body) {
				assert.Equal(t, "unavailable", decodeError(t, body).Error.Code, "%s %s", rt.method, rt.path)
				assert.Equal(t, "5", resp.Header.Get("Retry-After"), "%s %s", rt.method, rt.path)
			}
		}
		resp, body := get(t, app.URL+"/readyz")
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, string(body))
		for _, path := range []string{"/healthz", "/shell.html", "/sw.js", "/manifest.webmanifest", "/static/app.js"} {
			resp, body := get(t, app.URL+path)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%s is served without the database: %.200s", path, body)
		}
		// The public feed at / needs the database: a 503 page, not a 500.
		resp, body = get(t, app.URL+"/")
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%.200s", body)
		assert.Equal(t, "5", resp.Header.Get("Retry-After"))
	}
	t.Run("hung", func(t *testing.T) {
		relay.Hang()
		check(t)
	})
	t.Run("down", func(t *testing.T) {
		relay.Down()
		check(t)
	})
}
