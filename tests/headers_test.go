package tests

import (
	"net/http"
	"strings"
	"testing"

	"github.com/beego/beego/v2/server/web"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
)

// Issue 14 item 10: every surface says nosniff and cannot be framed, an
// answer to a signed-in request is never stored, nothing names the server,
// and /swagger/ui/ lists no files, in every run mode.
func TestHeaders_EverySurfaceIsUnframeableUnsniffableAndNameless(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice := signIn(t, app, google, "alice")
		defer func(mode string) { web.BConfig.RunMode = mode }(web.BConfig.RunMode)
		for _, mode := range []string{"dev", "test", "prod"} {
			web.BConfig.RunMode = mode
			for _, tc := range []struct {
				path   string
				signed bool
				status int
			}{
				{"/api/v1/me", true, http.StatusOK},
				{"/api/v1/posts", true, http.StatusOK},
				{"/api/v1/posts/999999", true, http.StatusNotFound},
				{"/api/v1/me", false, http.StatusUnauthorized},
				{"/healthz", false, http.StatusOK},
				{"/", false, http.StatusOK},
				{"/swagger/", false, http.StatusOK},
				{"/swagger/swagger.json", false, http.StatusOK},
				{"/nowhere", false, http.StatusNotFound},
			} {
				t.Run(mode+" "+tc.path, func(t *testing.T) {
					c := alice
					if !tc.signed {
						c = &postsClient{app: app}
					}
					resp, _ := c.send(t, http.MethodGet, tc.path, "", nil)
					require.Equal(t, tc.status, resp.StatusCode)
					h := resp.Header
					assert.Empty(t, h.Values("Server"), "no server banner")
					assert.Empty(t, h.Values("X-Powered-By"))
					assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
					assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
					assert.Contains(t, h.Get("Content-Security-Policy"), "frame-ancestors 'none'")
					if tc.signed {
						assert.Equal(t, "no-store", h.Get("Cache-Control"))
					}
				})
			}
		}
	})
}

func TestHeaders_SwaggerUIFolderIsNotListed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, _ := newPostsApp(t, db)
		c := &postsClient{app: app}
		for _, path := range []string{"/swagger/ui/", "/swagger/ui"} {
			resp, body := c.send(t, http.MethodGet, path, "", nil)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
			assert.False(t, strings.Contains(string(body), "swagger-ui-bundle.js"), "%s lists the folder: %s", path, body)
		}
		resp, _ := c.send(t, http.MethodGet, "/swagger/ui/swagger-ui.css", "", nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "the files themselves are served")
	})
}
