// Package tests holds black-box HTTP tests of the assembled application:
// Beego's router with its filters, the controllers, a real database.
package tests

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/beego/beego/v2/core/logs"
	"github.com/beego/beego/v2/server/web"
	"github.com/stretchr/testify/require"

	"inkwell/accounts"
	"inkwell/auth"
	"inkwell/auth/authtest"
	"inkwell/config"
	"inkwell/controllers"
	"inkwell/database"
	"inkwell/database/schema"
	_ "inkwell/routers"
	"inkwell/server"
)

var (
	beegoOnce    sync.Once
	beegoHandler http.Handler
)

// authApp is Inkwell served in-process over real HTTP, wired as serve.go
// wires it, trusting a fake Google.
type authApp struct {
	URL      string
	DB       *database.DB
	Google   *authtest.Provider
	Auth     *auth.Authenticator
	Config   config.Config
	Services *controllers.Services
}

// newAuthApp serves the app on db, trusting google (its JWKS and client
// id); adjust changes the configuration before the authenticator is built.
// Controllers reach their services through a package variable, so tests
// using it must not run in parallel.
func newAuthApp(t *testing.T, db *database.DB, google *authtest.Provider, adjust func(*config.Config)) *authApp {
	t.Helper()
	beegoOnce.Do(func() {
		web.BConfig.RunMode = "test"
		web.BConfig.CopyRequestBody = false
		web.BConfig.WebConfig.AutoRender = false
		web.BConfig.EnableErrorsRender = false
		web.BConfig.RecoverPanic = true
		web.BConfig.RecoverFunc = controllers.RecoverPanic
		web.BConfig.Log.AccessLogs = false
		logs.SetLevel(logs.LevelError)
		beegoHandler = server.Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), 1<<20)
	})
	cfg := config.Config{RunMode: "test", HTTPPort: 8080, DBDriver: string(db.Dialect),
		PublicBaseURL: "http://localhost:8080", MaxBodyBytes: 1 << 20}
	google.Configure(&cfg)
	if adjust != nil {
		adjust(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	authn, err := auth.New(context.Background(), cfg, accounts.Directory{DB: db}, log)
	require.NoError(t, err)
	svc := &controllers.Services{Config: cfg, Log: log, DB: db, Auth: authn,
		Migrations: &schema.Runner{DB: db.SQL, Dialect: db.Dialect}}
	controllers.Init(svc)
	srv := httptest.NewServer(beegoHandler)
	t.Cleanup(srv.Close)
	return &authApp{URL: srv.URL, DB: db, Google: google, Auth: authn, Config: cfg, Services: svc}
}

// do sends method path with the Authorization header (omitted when empty)
// and returns the response with its body read.
func (a *authApp) do(t *testing.T, method, path, authorization string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, body)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// userCount counts the rows of users.
func userCount(t *testing.T, db *database.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*) FROM users").Scan(&n))
	return n
}

func bearer(token string) string { return "Bearer " + token }

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }
