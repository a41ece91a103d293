package deploy_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
)

// TestHAProxyStack is issue 7's local end-to-end check. It is one test
// because starting the stack (build, MariaDB database, three processes) is
// the expensive part; each behaviour is a subtest.
func TestHAProxyStack(t *testing.T) {
	s := newStack(t)
	c := s.client(tls.VersionTLS12, 0)

	t.Run("health and readiness over HTTPS with HSTS", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, body := get(t, c, s.url(path), nil)
			assert.Equal(t, http.StatusOK, resp.StatusCode, path)
			assert.JSONEq(t, `{"status":"ok"}`, body, path)
			assert.Equal(t, "max-age=63072000; includeSubDomains", resp.Header.Get("Strict-Transport-Security"), path)
			assert.NotEmpty(t, resp.Header.Get("X-Request-Id"), "%s must come from inkwell", path)
		}
	})

	t.Run("the API refuses anonymous callers and serves signed-in ones", func(t *testing.T) {
		resp, body := get(t, c, s.url("/api/v1/posts"), nil)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
		var envelope struct {
			Error struct{ Code, Message string }
		}
		require.NoError(t, json.Unmarshal([]byte(body), &envelope), body)
		assert.Equal(t, "unauthorized", envelope.Error.Code, body)

		token := s.google.Token(t, "e2e-reader", "reader@example.com", "Reader")
		resp, body = get(t, c, s.url("/api/v1/me"), map[string]string{"Authorization": "Bearer " + token})
		assert.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Contains(t, body, `"Reader"`)
	})

	t.Run("the PWA is served over HTTPS: shell, manifest and service worker", func(t *testing.T) {
		resp, body := get(t, c, s.url("/"), nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
		assert.Contains(t, body, `rel="manifest"`)
		resp, body = get(t, c, s.url("/manifest.webmanifest"), nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("Content-Type"), "manifest+json")
		assert.Contains(t, body, `"start_url"`)
		resp, body = get(t, c, s.url("/sw.js"), nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("Content-Type"), "javascript")
		assert.Contains(t, body, "addEventListener('fetch'")
	})

	t.Run("the app sees the client and the scheme HAProxy saw, not forged headers", func(t *testing.T) {
		id := fmt.Sprintf("forwarded-%d", time.Now().UnixNano())
		resp, _ := get(t, c, s.url("/healthz"), map[string]string{
			"X-Request-Id": id, "X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "http"})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var line map[string]any
		require.Eventually(t, func() bool { line = s.accessLog(id); return line != nil }, 5*time.Second, 20*time.Millisecond)
		assert.Equal(t, "127.0.0.1", line["client_ip"])
		assert.Equal(t, "https", line["scheme"])
	})

	t.Run("unknown host names are refused by the host ACL", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, s.url("/healthz"), http.NoBody)
		require.NoError(t, err)
		req.Host = "evil.example"
		resp, err := c.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode)
		assert.Contains(t, string(body), `"unknown_host"`)
	})

	plain := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Run("plain HTTP redirects to HTTPS, keeping the method (308)", func(t *testing.T) {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			req, err := http.NewRequest(method, fmt.Sprintf("http://localhost:%d/api/v1/posts?limit=5", s.httpPort), strings.NewReader(`{}`))
			require.NoError(t, err)
			resp, err := plain.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			// 301 lets clients turn a POST into a GET and drop its body.
			assert.Equal(t, http.StatusPermanentRedirect, resp.StatusCode, method)
			assert.Equal(t, fmt.Sprintf("https://localhost:%d/api/v1/posts?limit=5", s.httpsPort), resp.Header.Get("Location"), method)
		}
	})

	t.Run("plain HTTP never redirects to a Host it does not serve", func(t *testing.T) {
		for _, host := range []string{"evil.example", "evil.example:80", "203.0.113.9", "inkwell.local.evil.example"} {
			req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/login", s.httpPort), http.NoBody)
			require.NoError(t, err)
			req.Host = host
			resp, err := plain.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Empty(t, resp.Header.Get("Location"), "Host %s: an open redirect", host)
			assert.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode, host)
			assert.Contains(t, string(body), `"unknown_host"`, host)
		}
	})

	t.Run("HAProxy's own answers carry HSTS too", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, s.url("/healthz"), http.NoBody)
		require.NoError(t, err)
		req.Host = "evil.example"
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode)
		assert.Equal(t, "max-age=63072000; includeSubDomains", resp.Header.Get("Strict-Transport-Security"), "421")

		// No replica up: HAProxy's own 503.
		_, _, httpsPort, healthPort := s.startProxy([]string{fmt.Sprintf("gone 127.0.0.1:%d", freePort(t))})
		var got *http.Response
		require.Eventually(t, func() bool {
			r, err := c.Get(fmt.Sprintf("https://localhost:%d/", httpsPort))
			if err != nil {
				return false
			}
			r.Body.Close()
			got = r
			return true
		}, 10*time.Second, 50*time.Millisecond)
		assert.Equal(t, http.StatusServiceUnavailable, got.StatusCode)
		assert.Equal(t, "max-age=63072000; includeSubDomains", got.Header.Get("Strict-Transport-Security"), "503")

		// That HAProxy is alive but not ready: Kubernetes sends it no traffic.
		resp, _ = get(t, plain, fmt.Sprintf("http://127.0.0.1:%d/healthz", healthPort), nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "HAProxy's liveness")
		resp, _ = get(t, plain, fmt.Sprintf("http://127.0.0.1:%d/readyz", healthPort), nil)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "HAProxy's readiness with no replica up")
		resp, _ = get(t, plain, fmt.Sprintf("http://127.0.0.1:%d/readyz", s.healthPort), nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "HAProxy's readiness with replicas up")
	})

	t.Run("with no replica ready, the PWA shell still comes from a live one; the API answers 503", func(t *testing.T) {
		// A replica whose database is gone: /readyz 503, the rest served.
		target, err := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", s.replicas[0].port))
		require.NoError(t, err)
		proxy := httputil.NewSingleHostReverseProxy(target)
		unready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/readyz" {
				http.Error(w, `{"error":{"code":"unavailable","message":"database"}}`, http.StatusServiceUnavailable)
				return
			}
			proxy.ServeHTTP(w, r)
		}))
		defer unready.Close()
		_, _, httpsPort, healthPort := s.startProxy([]string{"unready " + strings.TrimPrefix(unready.URL, "http://")})
		base := fmt.Sprintf("https://localhost:%d", httpsPort)
		require.Eventually(t, func() bool {
			r, err := c.Get(base + "/")
			if err != nil {
				return false
			}
			r.Body.Close()
			return r.StatusCode == http.StatusOK
		}, 15*time.Second, 100*time.Millisecond, "the shell never came through the live-but-unready replica")
		for _, path := range []string{"/sw.js", "/manifest.webmanifest"} {
			resp, _ := get(t, c, base+path, nil)
			assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		}
		resp, _ := get(t, c, base+"/api/v1/posts", nil)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "the API must not reach an unready replica")
		resp, _ = get(t, plain, fmt.Sprintf("http://127.0.0.1:%d/readyz", healthPort), nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "HAProxy stays ready: it can serve the shell")
	})

	t.Run("a request body trickled in is cut off by HAProxy, never reaches a replica", func(t *testing.T) {
		conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.httpsPort), &tls.Config{ServerName: "localhost", RootCAs: s.certPool, NextProtos: []string{"http/1.1"}})
		require.NoError(t, err)
		defer func() { _ = conn.Close() }()
		id := fmt.Sprintf("slow-body-%d", time.Now().UnixNano())
		const bodyLen = 40
		_, err = fmt.Fprintf(conn, "POST /api/v1/posts HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", id, bodyLen)
		require.NoError(t, err)
		// One byte every half second: the whole body would take 20 s, twice
		// HAProxy's "timeout http-request".
		var sent atomic.Int64
		go func() {
			for range bodyLen {
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
				sent.Add(1)
				time.Sleep(500 * time.Millisecond)
			}
		}()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
		assert.Less(t, sent.Load(), int64(bodyLen), "the answer must come before the body is complete")
		assert.Nil(t, s.accessLog(id), "the trickled request must not have reached a replica")
	})

	t.Run("HAProxy logs JSON with the request id the app logs", func(t *testing.T) {
		resp, _ := get(t, c, s.url("/healthz"), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		id := resp.Header.Get("X-Request-Id")
		require.NotEmpty(t, id)
		var line map[string]any
		require.Eventually(t, func() bool { line = proxyLog(t, s.proxy, id); return line != nil }, 5*time.Second, 20*time.Millisecond,
			"no JSON log line with request_id %s in HAProxy's output:\n%s", id, tail(s.proxy.out.String(), 5))
		assert.Equal(t, "/healthz", line["uri"])
		assert.Equal(t, float64(200), line["status"])
		assert.NotNil(t, s.accessLog(id), "the app logs the same request id")
	})

	t.Run("the PWA's text assets are compressed, API JSON is not", func(t *testing.T) {
		gz := map[string]string{"Accept-Encoding": "gzip"}
		for _, path := range []string{"/sw.js", "/"} {
			resp, _ := get(t, c, s.url(path), gz)
			assert.Equal(t, http.StatusOK, resp.StatusCode, path)
			assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), path)
		}
		token := s.google.Token(t, "e2e-gzip", "gzip@example.com", "Gzip")
		resp, _ := get(t, c, s.url("/api/v1/me"), map[string]string{"Accept-Encoding": "gzip", "Authorization": "Bearer " + token})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Empty(t, resp.Header.Get("Content-Encoding"), "API JSON mixes secrets with caller input (BREACH)")
	})

	t.Run("HAProxy exports Prometheus metrics", func(t *testing.T) {
		resp, body := get(t, plain, fmt.Sprintf("http://127.0.0.1:%d/metrics", s.healthPort), nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, `haproxy_backend_http_responses_total{proxy="inkwell"`)
		assert.Contains(t, body, `haproxy_server_status{proxy="inkwell",server="app1"`)
	})

	t.Run("a replica that commits a POST and dies before answering causes no duplicate", func(t *testing.T) {
		dying := newDyingReplica(t, s.replicas[0].port)
		_, _, httpsPort, _ := s.startProxy([]string{
			fmt.Sprintf("dying 127.0.0.1:%d", dying.port),
			fmt.Sprintf("%s 127.0.0.1:%d", s.replicas[1].name, s.replicas[1].port)})
		base := fmt.Sprintf("https://localhost:%d", httpsPort)
		// Both servers up: requests reach replica 1 through the dying one, and replica 2.
		for _, r := range s.replicas {
			require.Eventually(t, func() bool {
				id := fmt.Sprintf("dying-probe-%d", time.Now().UnixNano())
				resp, err := getID(c, base+"/healthz", id)
				return err == nil && resp.StatusCode == http.StatusOK && strings.Contains(r.proc.out.String(), `"request_id":"`+id+`"`)
			}, 15*time.Second, 50*time.Millisecond, "HAProxy never routed to %s", r.name)
		}
		token := s.google.Token(t, "e2e-dying", "dying@example.com", "Dying")
		// create answers the status, or 0 when the connection was closed
		// with no answer: HAProxy mirrors a replica's silent close that way
		// when the request came on a reused connection.
		create := func(title, key string) (int, postBody) {
			req, err := http.NewRequest(http.MethodPost, base+"/api/v1/posts", strings.NewReader(
				fmt.Sprintf(`{"title":%q,"body_markdown":"x","status":"published"}`, title)))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			resp, err := c.Do(req)
			if err != nil {
				return 0, postBody{}
			}
			defer resp.Body.Close()
			var p postBody
			if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
			}
			return resp.StatusCode, p
		}
		db, err := sql.Open("mysql", database.MySQLDSN(s.db.MySQL))
		require.NoError(t, err)
		defer db.Close()
		stored := func(title string) int {
			var n int
			require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM posts WHERE title = ?", title).Scan(&n))
			return n
		}

		// Without a key: a POST the dying replica committed fails (the
		// client cannot know), and is never stored twice.
		prefix := fmt.Sprintf("dying %d", time.Now().UnixNano())
		for i := range 6 {
			title := fmt.Sprintf("%s #%d", prefix, i)
			status, _ := create(title, "")
			assert.Contains(t, []int{http.StatusCreated, http.StatusBadGateway, 0}, status, title)
			assert.Equal(t, 1, stored(title), "%s (answered %d) must be stored exactly once", title, status)
		}
		require.Positive(t, dying.killed.Load(), "no POST went through the dying replica: the test proved nothing")

		// With a key, as the PWA sends: the client resends after the
		// failure (Go's transport does it by itself for a request with an
		// Idempotency-Key) and gets the post the dying replica committed.
		var replayed bool
		for i := 0; i < 6 && !replayed; i++ {
			title := fmt.Sprintf("%s keyed #%d", prefix, i)
			key := fmt.Sprintf("%s-key-%d", strings.ReplaceAll(prefix, " ", "-"), i)
			killed := dying.killed.Load()
			status, p := create(title, key)
			for try := 0; status != http.StatusCreated && try < 4; try++ {
				status, p = create(title, key)
			}
			require.Equal(t, http.StatusCreated, status, title)
			require.NotZero(t, p.ID)
			assert.Equal(t, 1, stored(title), "%s must be stored exactly once", title)
			replayed = dying.killed.Load() > killed
		}
		assert.True(t, replayed, "no keyed POST went through the dying replica")
	})

	t.Run("TLS below 1.2 is refused, 1.2 and 1.3 are accepted", func(t *testing.T) {
		tests := []struct {
			name    string
			version uint16
			ok      bool
		}{
			{"TLS 1.0", tls.VersionTLS10, false},
			{"TLS 1.1", tls.VersionTLS11, false},
			{"TLS 1.2", tls.VersionTLS12, true},
			{"TLS 1.3", tls.VersionTLS13, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.httpsPort), &tls.Config{
					ServerName: "localhost", RootCAs: s.certPool, MinVersion: tt.version, MaxVersion: tt.version})
				if !tt.ok {
					require.Error(t, err, "%s handshake must fail", tt.name)
					assert.Contains(t, err.Error(), "protocol version")
					return
				}
				require.NoError(t, err)
				defer func() { _ = conn.Close() }()
				assert.Equal(t, tt.version, conn.ConnectionState().Version)
			})
		}
	})

	t.Run("rolling restart under load fails no request and loses no write", func(t *testing.T) {
		var tokens []string
		for i := range 4 {
			tokens = append(tokens, s.google.Token(t, fmt.Sprintf("e2e-writer-%d", i), fmt.Sprintf("writer%d@example.com", i), fmt.Sprintf("Writer %d", i)))
		}
		created := &ledger{}
		l := &load{
			client:      s.client(tls.VersionTLS12, 0),
			base:        s.url(""),
			ops:         postOperations(tokens, created),
			workers:     4,
			maxRequests: 20000,
			pause:       5 * time.Millisecond,
		}
		ctx, stopLoad := context.WithCancel(context.Background())
		wait := l.run(ctx)
		for _, r := range s.replicas {
			before := l.total()
			s.stop(r)
			s.startReplica(r)
			s.waitServing(r)
			t.Logf("%s restarted while %d requests went through", r.name, l.total()-before)
		}
		stopLoad()
		wait()
		t.Logf("%d requests through HAProxy during the rolling restart, %d posts created", l.total(), len(created.ids))
		assert.Empty(t, l.failures, "no request may fail while replicas restart one after the other")
		assert.Greater(t, l.total(), int64(100), "the load must really have run during the restarts")
		assert.Less(t, l.total(), l.maxRequests, "the restarts must finish within the bounded load")
		require.NotEmpty(t, created.ids)

		// Every acknowledged write is stored exactly once: the posts table
		// holds exactly the posts the load was told it created.
		db, err := sql.Open("mysql", database.MySQLDSN(s.db.MySQL))
		require.NoError(t, err)
		defer db.Close()
		rows, err := db.Query("SELECT id, title FROM posts WHERE title LIKE 'load %'")
		require.NoError(t, err)
		defer rows.Close()
		stored := map[int64]string{}
		for rows.Next() {
			var id int64
			var title string
			require.NoError(t, rows.Scan(&id, &title))
			stored[id] = title
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, created.titles, stored)
		// And each is served through HAProxy by whichever replica answers.
		reader := tokens[0]
		for _, id := range created.ids[:min(len(created.ids), 50)] {
			_, err := call(c, http.MethodGet, fmt.Sprintf("%s/api/v1/posts/%d", s.url(""), id), reader, "", http.StatusOK)
			assert.NoError(t, err)
		}
	})
}

// getID sends GET rawURL with X-Request-Id id.
func getID(c *http.Client, rawURL, id string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, rawURL, http.NoBody)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Request-Id", id)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return resp, nil
}

func get(t *testing.T, c *http.Client, rawURL string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, http.NoBody)
	require.NoError(t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}
