package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"inkwell/server"
)

func TestMiddleware_SecureHeadersWhateverTheHandlerWrites(t *testing.T) {
	log, _ := newLogger()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		auth    bool
		csp     string
		cache   string
	}{
		{"writes nothing", func(http.ResponseWriter, *http.Request) {}, false, "frame-ancestors 'none'", ""},
		{"names itself", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Server", "beegoServer:2.3.10")
			w.Header().Set("X-Powered-By", "beego")
			_, _ = w.Write([]byte("x"))
		}, false, "frame-ancestors 'none'", ""},
		{"has its own policy", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Security-Policy", "default-src 'self';")
			w.WriteHeader(http.StatusOK)
		}, false, "default-src 'self'; frame-ancestors 'none'", ""},
		{"allows its own framing", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Security-Policy", "frame-ancestors 'self'")
			w.WriteHeader(http.StatusOK)
		}, false, "frame-ancestors 'self'", ""},
		{"answers a signed-in caller as cacheable", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Cache-Control", "public, max-age=60")
			w.WriteHeader(http.StatusOK)
		}, true, "frame-ancestors 'none'", "no-store"},
		{"panics", func(http.ResponseWriter, *http.Request) { panic("boom") }, true, "frame-ancestors 'none'", "no-store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/x", http.NoBody)
			if tt.auth {
				req.Header.Set("Authorization", "Bearer t")
			}
			server.Middleware(log, 1024, tt.handler).ServeHTTP(rec, req)
			h := rec.Result().Header
			assert.Empty(t, h.Values("Server"))
			assert.Empty(t, h.Values("X-Powered-By"))
			assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
			assert.Equal(t, tt.csp, h.Get("Content-Security-Policy"))
			assert.Equal(t, tt.cache, h.Get("Cache-Control"))
		})
	}
}
