package routers_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/pwa"
	"inkwell/routers"
)

// The web app's files and screens are public and answered by the app; every
// other path — /api/* above all — keeps the API's JSON errors. (/api/v1/*
// answers 401 before routing; the e2e tests check it on the real binary.)
func TestRouter_ServesTheAppAndKeepsJSONErrorsElsewhere(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(routers.New(routers.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler(1 << 20))
	defer srv.Close()

	hashedJS := pwa.Embedded().AssetURL("/static/app.js")
	tests := []struct {
		method, path string
		status       int
		contentType  string
		errorCode    string
	}{
		// "/", /posts/{id}, /users/{id} and /tags/{tag} are public pages
		// built in the same shell (tests/public_test.go, with a database).
		{"GET", "/shell.html", 200, "text/html; charset=utf-8", ""},
		{"HEAD", "/shell.html", 200, "text/html; charset=utf-8", ""},
		{"GET", "/wallet", 200, "text/html; charset=utf-8", ""},
		{"GET", "/posts/12/edit", 200, "text/html; charset=utf-8", ""},
		{"GET", "/write", 200, "text/html; charset=utf-8", ""},
		{"GET", "/drafts", 200, "text/html; charset=utf-8", ""},
		{"GET", "/me", 200, "text/html; charset=utf-8", ""},
		{"GET", "/signin", 200, "text/html; charset=utf-8", ""},
		{"GET", "/sw.js", 200, "text/javascript; charset=utf-8", ""},
		{"GET", "/manifest.webmanifest", 200, "application/manifest+json", ""},
		{"GET", hashedJS, 200, "text/javascript; charset=utf-8", ""},
		{"GET", "/static/app.0000000000.js", 404, "application/json; charset=utf-8", "not_found"},
		{"GET", "/api/v2/posts/12", 404, "application/json; charset=utf-8", "not_found"},
		{"GET", "/api/nope", 404, "application/json; charset=utf-8", "not_found"},
		{"GET", "/posts/abc", 404, "application/json; charset=utf-8", "not_found"},
		{"GET", "/unknown/page", 404, "application/json; charset=utf-8", "not_found"},
		{"POST", "/", 405, "application/json; charset=utf-8", "method_not_allowed"},
		{"DELETE", "/sw.js", 405, "application/json; charset=utf-8", "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, http.NoBody)
			require.NoError(t, err)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Equal(t, tt.contentType, res.Header.Get("Content-Type"))
			if tt.errorCode != "" {
				var env struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				require.NoError(t, json.Unmarshal(body, &env), string(body))
				assert.Equal(t, tt.errorCode, env.Error.Code)
				assert.NotEmpty(t, env.Error.Message)
			}
			if tt.status == 200 && tt.method == "GET" && strings.HasPrefix(tt.contentType, "text/html") {
				assert.Contains(t, string(body), `<script type="importmap">`)
			}
		})
	}
}
