package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/server"
)

func TestBodyLimits_OneRouteMayTakeMoreEveryOtherKeepsTheDefault(t *testing.T) {
	log, _ := newLogger()
	limits := server.BodyLimits{Default: 100, Routes: map[string]int64{"POST /upload": 1000}}
	h := server.MiddlewareWith(log, limits, server.Hooks{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A chunked body over the limit is cut while being read.
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "cut", http.StatusRequestEntityTooLarge)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	send := func(method, path string, n int, chunked bool) int {
		var body io.Reader = strings.NewReader(strings.Repeat("a", n))
		if chunked {
			body = io.MultiReader(body) // no length: sent chunked
		}
		req, err := http.NewRequest(method, srv.URL+path, body)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, chunked := range []bool{false, true} {
		assert.Equal(t, http.StatusOK, send(http.MethodPost, "/upload", 900, chunked), "the route's own limit")
		assert.Equal(t, http.StatusRequestEntityTooLarge, send(http.MethodPost, "/upload", 1001, chunked))
		assert.Equal(t, http.StatusRequestEntityTooLarge, send(http.MethodPost, "/other", 101, chunked), "other paths keep the default")
		assert.Equal(t, http.StatusRequestEntityTooLarge, send(http.MethodPut, "/upload", 101, chunked), "the method is part of the route")
		assert.Equal(t, http.StatusOK, send(http.MethodPost, "/other", 100, chunked))
	}
	assert.Equal(t, int64(100), limits.For(httptest.NewRequest(http.MethodPost, "/upload/x", http.NoBody)))
	assert.Equal(t, int64(1000), limits.For(httptest.NewRequest(http.MethodPost, "/upload?x=1", http.NoBody)), "the query is not part of it")
}
