// Package tests holds black-box HTTP tests of the assembled application:
// Beego's router with its filters, the controllers, a real database. Each
// test serves its own app instance (testsupport/testapp), so they run in
// parallel.
package tests

import (
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/beego/beego/v2/server/web"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/config"
	"inkwell/database"
	"inkwell/testsupport/testapp"
)

// authApp is one app instance with a probe controller behind the /api/v1
// filter at /api/v1/test-probe.
type authApp struct {
	*testapp.App
	// probeRuns counts how often the probe ran, so a test can prove a
	// rejected request reached no controller code.
	probeRuns *atomic.Int64
}

// newAuthApp serves the app on db, trusting google (its JWKS and client
// id); adjust changes the configuration before the authenticator is built.
func newAuthApp(t *testing.T, db *database.DB, google *authtest.Provider, adjust func(*config.Config)) *authApp {
	t.Helper()
	return newAuthAppWith(t, db, google, testapp.Options{Configure: adjust})
}

// newAuthAppWith is newAuthApp with every option; the probe route is added
// to opts.Routes.
func newAuthAppWith(t *testing.T, db *database.DB, google *authtest.Provider, opts testapp.Options) *authApp {
	t.Helper()
	runs := &atomic.Int64{}
	extra := opts.Routes
	opts.Routes = func(s *web.HttpServer) {
		s.Router("/api/v1/test-probe", &probeController{Runs: runs}, "get:Get")
		if extra != nil {
			extra(s)
		}
	}
	return &authApp{App: testapp.Start(t, db, google, opts), probeRuns: runs}
}

// do sends method path with the Authorization header (omitted when empty)
// and returns the response with its body read.
func (a *authApp) do(t *testing.T, method, path, authorization string, body io.Reader) (*http.Response, string) {
	t.Helper()
	return a.Do(t, method, path, authorization, body)
}

// userCount counts the rows of users.
func userCount(t *testing.T, db *database.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*) FROM users").Scan(&n))
	return n
}

func bearer(token string) string { return testapp.Bearer(token) }

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
