// Package bench holds Inkwell's benchmarks (standard Go harness). Run with
//
//	go test -run '^$' -bench . -benchtime 3s ./bench/
//
// Figures go into issue notes, never into timed assertions.
package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"inkwell/auth"
	"inkwell/auth/authtest"
	"inkwell/cache"
	"inkwell/config"
	"inkwell/controllers"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/posts"
	"inkwell/routers"
	"inkwell/users"
)

// benchProbeController answers like /healthz but behind the auth filter,
// so its cost minus /healthz's is the filter's alone (no user read).
type benchProbeController struct {
	controllers.BaseController
}

func (c *benchProbeController) Get() {
	c.RenderJSON(http.StatusOK, controllers.HealthStatus{Status: "ok"})
}

// authBenchApp serves the whole app (middleware, Beego, the auth filter,
// controllers, SQLite) over loopback HTTP and returns its URL and a token
// the app accepts.
func authBenchApp(b *testing.B) (string, string, *auth.Authenticator) {
	b.Helper()
	db := dbtest.Open(b, "sqlite", true)
	google := authtest.NewProvider(b)
	cfg := config.Config{RunMode: "prod", DBDriver: "sqlite", MaxBodyBytes: 1 << 20}
	google.Configure(&cfg)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	authn, err := auth.New(context.Background(), cfg, users.Directory{DB: db}, log)
	if err != nil {
		b.Fatal(err)
	}
	app := routers.New(routers.Deps{Users: users.Directory{DB: db}, Ledger: ledger.NewService(db), Config: cfg, Log: log, DB: db, Auth: authn,
		Migrations: &schema.Runner{DB: db.SQL, Dialect: db.Dialect},
		Posts:      posts.NewService(db, cache.NewMemory(cache.DefaultMemoryBytes), log)})
	app.Server.Router("/api/v1/bench-probe", &benchProbeController{}, "get:Get")
	srv := httptest.NewServer(app.Handler(cfg.MaxBodyBytes))
	b.Cleanup(srv.Close)
	return srv.URL, google.Token(b, "1000", "bench@example.com", "Bench"), authn
}

func get(b *testing.B, client *http.Client, url, authorization string) {
	req, _ := http.NewRequest(http.MethodGet, url, http.NoBody)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
}

// BenchmarkAuthenticatedMe compares GET /api/v1/me with a valid (cached)
// token against the unauthenticated GET /healthz on the same server in the
// same run; the ratio of their ns/op is the cost of auth + one user read.
// probe-authenticated is /healthz's answer behind the filter: the filter's
// own share.
func BenchmarkAuthenticatedMe(b *testing.B) {
	url, token, _ := authBenchApp(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get(b, client, url+"/api/v1/me", "Bearer "+token) // first sign-in creates the user
	b.Run("healthz-unauthenticated", func(b *testing.B) {
		for b.Loop() {
			get(b, client, url+"/healthz", "")
		}
	})
	b.Run("probe-authenticated", func(b *testing.B) {
		for b.Loop() {
			get(b, client, url+"/api/v1/bench-probe", "Bearer "+token)
		}
	})
	b.Run("me-authenticated", func(b *testing.B) {
		for b.Loop() {
			get(b, client, url+"/api/v1/me", "Bearer "+token)
		}
	})
	b.Run("healthz-unauthenticated-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get(b, client, url+"/healthz", "")
			}
		})
	})
	b.Run("me-authenticated-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get(b, client, url+"/api/v1/me", "Bearer "+token)
			}
		})
	})
}

// BenchmarkTokenValidation compares a cache hit (SHA-256 of the token and an
// LRU lookup) with a full validation (strict parse, claim checks, RS256
// verification by idtoken against already-fetched keys).
func BenchmarkTokenValidation(b *testing.B) {
	_, token, authn := authBenchApp(b)
	ctx := context.Background()
	if _, err := authn.Authenticate(ctx, "Bearer "+token); err != nil {
		b.Fatal(err)
	}
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := authn.Authenticate(ctx, "Bearer "+token); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			if _, err := authn.Verify(ctx, token); err != nil {
				b.Fatal(err)
			}
		}
	})
}
