package deploy_test

import (
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

	t.Run("plain HTTP redirects to HTTPS", func(t *testing.T) {
		plain := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := plain.Get(fmt.Sprintf("http://localhost:%d/api/v1/posts?limit=5", s.httpPort))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
		assert.Equal(t, fmt.Sprintf("https://localhost:%d/api/v1/posts?limit=5", s.httpsPort), resp.Header.Get("Location"))
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
		rows, err := db.Query("SELECT id, title FROM posts")
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

func get(t *testing.T, c *http.Client, url string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, http.NoBody)
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
