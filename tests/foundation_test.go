package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database/dbtest"
	"inkwell/tests/apptest"
)

type errorEnvelope struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func decodeError(t *testing.T, body []byte) errorEnvelope {
	t.Helper()
	var e errorEnvelope
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	return e
}

func TestHealthAndReadiness_AnswerOnEachDatabase(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			cfg := dbtest.Config(t, driver)
			env := dbtest.Env(cfg)
			if driver == "mysql" {
				out, code := apptest.Run(t, env, "migrate", "up")
				require.Equal(t, 0, code, out)
			}
			app := apptest.Start(t, env...)
			resp, body := get(t, app.URL+"/healthz")
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.JSONEq(t, `{"status":"ok"}`, string(body))
			assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
			resp, body = get(t, app.URL+"/readyz")
			assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			assert.JSONEq(t, `{"status":"ok"}`, string(body))
		})
	}
}

func TestReadiness_FailsWhileMigrationsArePending(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			cfg := dbtest.Config(t, driver)
			env := dbtest.Env(cfg)
			app := apptest.Start(t, env...)
			if driver == "sqlite" {
				// The embedded default migrated itself; take one back.
				out, code := apptest.Run(t, env, "migrate", "down")
				require.Equal(t, 0, code, out)
				assert.Contains(t, out, "migrate: reverted ")
			}
			resp, body := get(t, app.URL+"/readyz")
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			e := decodeError(t, body)
			assert.Equal(t, "unavailable", e.Error.Code)
			assert.Contains(t, e.Error.Message, "migrations pending")
			resp, _ = get(t, app.URL+"/healthz")
			assert.Equal(t, http.StatusOK, resp.StatusCode, "liveness does not depend on the schema")

			out, code := apptest.Run(t, env, "migrate", "up")
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, "migrate up: ")
			resp, body = get(t, app.URL+"/readyz")
			assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))

			out, code = apptest.Run(t, env, "migrate", "status")
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, ", 0 pending")
		})
	}
}

// tcpRelay forwards connections to target until closed; closing it cuts
// every open connection, which is what a database outage looks like.
type tcpRelay struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newRelay(t *testing.T, listenAddr, target string) *tcpRelay {
	ln, err := net.Listen("tcp", listenAddr)
	require.NoError(t, err)
	r := &tcpRelay{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, up)
			r.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
	t.Cleanup(r.Close)
	return r
}

func (r *tcpRelay) Close() {
	r.ln.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

func TestReadiness_FailsWhenTheDatabaseStopsAnsweringAndRecovers(t *testing.T) {
	cfg := dbtest.Config(t, "mysql")
	target := fmt.Sprintf("%s:%d", cfg.MySQL.Host, cfg.MySQL.Port)
	relay := newRelay(t, "127.0.0.1:0", target)
	relayAddr := relay.ln.Addr().String()
	_, port, _ := net.SplitHostPort(relayAddr)
	cfg.MySQL.Host = "127.0.0.1"
	_, err := fmt.Sscan(port, &cfg.MySQL.Port)
	require.NoError(t, err)
	env := dbtest.Env(cfg)
	out, code := apptest.Run(t, env, "migrate", "up")
	require.Equal(t, 0, code, out)
	app := apptest.Start(t, env...)
	resp, _ := get(t, app.URL+"/readyz")
	require.Equal(t, http.StatusOK, resp.StatusCode)

	relay.Close() // the database is gone
	resp, body := get(t, app.URL+"/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "unavailable", decodeError(t, body).Error.Code)
	resp, _ = get(t, app.URL+"/healthz")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the process still serves")

	newRelay(t, relayAddr, target) // it is back
	assert.Eventually(t, func() bool {
		resp, _ := get(t, app.URL+"/readyz")
		return resp.StatusCode == http.StatusOK
	}, 15*time.Second, 100*time.Millisecond, "readiness must recover with the database")
}

func TestFrameworkErrors_UseTheJSONEnvelope(t *testing.T) {
	app := apptest.Start(t, dbtest.Env(dbtest.Config(t, "sqlite"))...)

	resp, body := get(t, app.URL+"/no/such/route")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "not_found", decodeError(t, body).Error.Code)

	req, _ := http.NewRequest(http.MethodDelete, app.URL+"/healthz", http.NoBody)
	req.Header.Set("X-Request-Id", "trace-me-42")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET", resp.Header.Get("Allow"))
	assert.Equal(t, "method_not_allowed", decodeError(t, body).Error.Code)
	assert.Equal(t, "trace-me-42", resp.Header.Get("X-Request-Id"))

	// The request is in the structured access log under its id.
	require.Eventually(t, func() bool { return strings.Contains(app.Logs(), `"request_id":"trace-me-42"`) }, 5*time.Second, 20*time.Millisecond)
	for _, line := range strings.Split(app.Logs(), "\n") {
		if !strings.Contains(line, `"request_id":"trace-me-42"`) {
			continue
		}
		var entry map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &entry), line)
		assert.Equal(t, "DELETE", entry["method"])
		assert.Equal(t, "/healthz", entry["path"])
		assert.EqualValues(t, 405, entry["status"])
		assert.Contains(t, entry, "duration_ms")
	}
}

func TestStart_RefusesBadConfigurationWithOneClearLine(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	cases := []struct {
		name string
		env  []string
		want string
	}{
		{"unknown driver", []string{"DB_DRIVER=oracle"}, `inkwell: config: DB_DRIVER must be sqlite or mysql, got "oracle"`},
		{"unreachable mysql", []string{"DB_DRIVER=mysql", "MYSQL_HOST=127.0.0.1", fmt.Sprintf("MYSQL_PORT=%d", deadPort), "MYSQL_USER=u", "MYSQL_DATABASE=d"},
			fmt.Sprintf("inkwell: database: mysql at u@127.0.0.1:%d/d does not answer", deadPort)},
		{"prod without a client id", []string{"RUNMODE=prod"}, "inkwell: config: GOOGLE_CLIENT_ID is required when RUNMODE=prod"},
		{"prod with dev login", []string{"RUNMODE=prod", "GOOGLE_CLIENT_ID=x", "AUTH_DEV_LOGIN=true"}, "inkwell: config: AUTH_DEV_LOGIN=true is refused when RUNMODE=prod"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range [][]string{{"serve"}, {"migrate", "up"}} {
				out, code := apptest.Run(t, tc.env, args...)
				assert.Equal(t, 1, code, out)
				assert.Equal(t, 1, strings.Count(strings.TrimSpace(out), "\n")+1, "exactly one line: %q", out)
				assert.Contains(t, out, tc.want)
				assert.NotContains(t, out, "panic")
				assert.NotContains(t, out, "goroutine")
			}
		})
	}
}

func TestServe_SIGTERMDrainsAndClosesTheDatabase(t *testing.T) {
	dir := t.TempDir()
	// A fresh machine: the folder of the SQLite file does not exist yet.
	dbFile := filepath.Join(dir, "nested", "data", "inkwell.db")
	app := apptest.Start(t, "SQLITE_PATH="+dbFile)
	_, err := os.Stat(dbFile)
	require.NoError(t, err, "the SQLite file is created on start")
	resp, _ := get(t, app.URL+"/readyz")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "and fully migrated")

	assert.Equal(t, 0, app.Stop(t))
	logs := app.Logs()
	assert.Contains(t, logs, `"msg":"shutting down: draining in-flight requests"`)
	assert.Contains(t, logs, `"msg":"stopped"`)
	assert.Contains(t, logs, `"msg":"database closed"`)
}
