package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/logging"
	"inkwell/server"
	"inkwell/testsupport"
)

// logLines decodes the JSON lines logged so far.
func logLines(t *testing.T, l *testsupport.SyncBuffer) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func newLogger() (*slog.Logger, *testsupport.SyncBuffer) {
	buf := &testsupport.SyncBuffer{}
	return slog.New(slog.NewJSONHandler(buf, nil)), buf
}

func TestMiddleware_KeepsAValidRequestIDAndReplacesAnInvalidOne(t *testing.T) {
	log, buf := newLogger()
	var seen string
	h := server.Middleware(log, 1024, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = logging.RequestID(r.Context())
		w.WriteHeader(http.StatusTeapot)
	}))
	cases := []struct {
		incoming string
		keep     bool
	}{
		{"abc-123_DEF.4", true},
		{"", false},
		{"has space", false},
		{strings.Repeat("a", 65), false},
		{"line\nbreak", false},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(http.MethodGet, "/x", http.NoBody)
		if tc.incoming != "" {
			req.Header["X-Request-Id"] = []string{tc.incoming}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-Id")
		assert.Equal(t, seen, got, "the handler sees the id the client gets")
		if tc.keep {
			assert.Equal(t, tc.incoming, got)
		} else {
			assert.NotEqual(t, tc.incoming, got)
			assert.Regexp(t, `^[0-9a-f]{16}$`, got)
		}
	}
	lines := logLines(t, buf)
	require.Len(t, lines, len(cases))
	first := lines[0]
	assert.Equal(t, "request", first["msg"])
	assert.Equal(t, "abc-123_DEF.4", first["request_id"])
	assert.Equal(t, "GET", first["method"])
	assert.Equal(t, "/x", first["path"])
	assert.EqualValues(t, 418, first["status"])
	assert.Contains(t, first, "duration_ms")
}

func TestMiddleware_RejectsBodiesOverTheLimit(t *testing.T) {
	log, _ := newLogger()
	var readErr error
	h := server.Middleware(log, 16, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, readErr = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))

	// Declared too large: refused before the handler runs.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(strings.Repeat("a", 17))))
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.JSONEq(t, `{"error":{"code":"too_large","message":"the body is larger than 16 bytes"}}`, rec.Body.String())

	// Streamed without a length: the handler's read fails at the limit.
	req := httptest.NewRequest(http.MethodPost, "/x", io.MultiReader(strings.NewReader(strings.Repeat("a", 40))))
	req.ContentLength = -1
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var maxErr *http.MaxBytesError
	assert.ErrorAs(t, readErr, &maxErr)

	// Within the limit: read whole.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("small")))
	assert.NoError(t, readErr)
	assert.Equal(t, http.StatusNoContent, rec.Code)
}

func TestMiddleware_TurnsAPanicIntoAJSON500WithTheRequestIDAndNoStack(t *testing.T) {
	log, buf := newLogger()
	h := server.Middleware(log, 1024, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom: secret detail")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", http.NoBody))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	id := rec.Header().Get("X-Request-Id")
	assert.JSONEq(t, `{"error":{"code":"internal","message":"internal error (request id `+id+`)"}}`, rec.Body.String())
	assert.NotContains(t, rec.Body.String(), "secret detail")
	assert.NotContains(t, rec.Body.String(), "goroutine")

	lines := logLines(t, buf)
	require.Len(t, lines, 2)
	assert.Equal(t, "panic", lines[0]["msg"])
	assert.Equal(t, id, lines[0]["request_id"])
	assert.Contains(t, lines[0]["stack"], "goroutine")
	assert.EqualValues(t, 500, lines[1]["status"])
}

func TestServe_FinishesInFlightRequestsThenStops(t *testing.T) {
	log, _ := newLogger()
	entered := make(chan struct{})
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(ctx, log, "127.0.0.1:0", h, 10*time.Second, func(a net.Addr) { addrc <- a })
	}()
	addr := (<-addrc).String()

	type result struct {
		body string
		err  error
	}
	resc := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		resc <- result{string(b), err}
	}()
	<-entered
	cancel() // as SIGTERM does

	// The listener closes while the request is still running…
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return false
		}
		return true
	}, 5*time.Second, 20*time.Millisecond, "new connections must be refused once shutdown starts")
	select {
	case err := <-done:
		t.Fatalf("Serve returned (%v) before the in-flight request finished", err)
	default:
	}
	// …and the request still completes.
	close(release)
	res := <-resc
	require.NoError(t, res.err)
	assert.Equal(t, "finished", res.body)
	assert.NoError(t, <-done)
}

// Issue 14 item 14: connections the kernel has accepted when SIGTERM
// arrives, but the server has not yet taken from its queue, are served,
// not reset by the closing listener. The clients connect and send their
// requests once the socket listens but before the server accepts, and the
// shutdown is signalled right then, so all of them are still queued when
// it begins.
func TestServe_ServesConnectionsQueuedWhenShutdownBegins(t *testing.T) {
	log, _ := newLogger()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	const clients = 60
	var conns []net.Conn
	ctx, cancel := context.WithCancel(context.Background())
	queueThenSignal := func(addr net.Addr) {
		for range clients {
			c, err := net.Dial("tcp", addr.String())
			require.NoError(t, err)
			_, err = io.WriteString(c, "GET /queued HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			require.NoError(t, err)
			conns = append(conns, c)
		}
		cancel() // SIGTERM with the default drain delay of 0 s
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "served") })
	require.NoError(t, server.ServeListener(ctx, log, ln, h, 10*time.Second, queueThenSignal))

	served := 0
	for i, c := range conns {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		b, err := io.ReadAll(c)
		c.Close()
		if assert.NoError(t, err, "client %d", i) && assert.Contains(t, string(b), "HTTP/1.1 200 OK", "client %d", i) {
			assert.True(t, strings.HasSuffix(string(b), "served"))
			served++
		}
	}
	assert.Equal(t, clients, served)
	_, err = net.DialTimeout("tcp", ln.Addr().String(), time.Second)
	assert.Error(t, err, "the listener is closed once the queue is served")
}
