package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDeadline_BoundsRequestsButNotUpgrades(t *testing.T) {
	var got []bool
	h := Deadline(time.Minute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := r.Context().Deadline()
		got = append(got, ok)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/v1/posts/1", http.NoBody))
	up := httptest.NewRequest(http.MethodGet, "/api/v1/posts/1/live", http.NoBody)
	up.Header.Set("Connection", "keep-alive, Upgrade")
	up.Header.Set("Upgrade", "websocket")
	h.ServeHTTP(httptest.NewRecorder(), up)
	assert.Equal(t, []bool{true, false}, got)

	got = nil
	Deadline(0, h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", http.NoBody))
	assert.Equal(t, []bool{true}, got, "0 adds nothing (the inner one still applies)")
}
