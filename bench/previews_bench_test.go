package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"inkwell/auth"
	"inkwell/auth/authtest"
	"inkwell/cache"
	"inkwell/config"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
	"inkwell/outbound"
	"inkwell/outbound/outboundtest"
	"inkwell/previews"
	"inkwell/routers"
	"inkwell/users"
)

// BenchmarkPreviewHit measures a link preview cache hit, GET
// /api/v1/previews?url= (auth filter with a cached token, the in-process
// cache), next to a plain net/http handler writing the same JSON, over
// loopback HTTP in the same run (the bench app has no rate limiter): the ratio of their ns/op is the in-process
// counterpart of bench/previews_read.sh (goal: the hit at >= 40 % of the
// plain handler's rate). With -cpuprofile it shows where a hit's time goes.
//
//	go test -run '^$' -bench PreviewHit -benchtime 2s ./bench/
func BenchmarkPreviewHit(b *testing.B) {
	page := outboundtest.Server(b, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<html><head><meta property="og:title" content="The harbour at dawn, and other walks along the coast">`+
			`<meta property="og:description" content="A morning walk along the old harbour wall.">`+
			`<meta property="og:site_name" content="Coastal Walks"></head><body></body></html>`)
	}))
	b.Setenv("OUTBOUND_ALLOW_CIDRS", outboundtest.AllowedAddr)
	policyCfg, err := config.Load(nil)
	if err != nil {
		b.Fatal(err)
	}
	db := dbtest.Open(b, "sqlite", true)
	google := authtest.NewProvider(b)
	cfg := config.Config{RunMode: "prod", DBDriver: "sqlite", MaxBodyBytes: 1 << 20}
	google.Configure(&cfg)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	authn, err := auth.New(context.Background(), cfg, users.Directory{DB: db}, log)
	if err != nil {
		b.Fatal(err)
	}
	c := cache.NewMemory(cache.DefaultMemoryBytes)
	app := routers.New(routers.Deps{Users: users.Directory{DB: db}, Config: cfg, Log: log, DB: db, Auth: authn,
		Migrations: &schema.Runner{DB: db.SQL, Dialect: db.Dialect},
		Previews:   previews.NewService(outbound.New(outbound.PolicyFromConfig(policyCfg)), c, nil, log)})
	srv := httptest.NewServer(app.Handler(cfg.MaxBodyBytes))
	b.Cleanup(srv.Close)
	token := "Bearer " + google.Token(b, "1000", "bench@example.com", "Bench")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	hitURL := srv.URL + "/api/v1/previews?url=" + url.QueryEscape(page.URL+"/walks")
	body := fetchBody(b, client, hitURL, token) // the miss: fetched and cached
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	}))
	b.Cleanup(plain.Close)

	b.Run("plain-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get(b, client, plain.URL, "")
			}
		})
	})
	b.Run("preview-hit-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get(b, client, hitURL, token)
			}
		})
	})
}

func fetchBody(b *testing.B, client *http.Client, target, authorization string) []byte {
	b.Helper()
	req, _ := http.NewRequest(http.MethodGet, target, http.NoBody)
	req.Header.Set("Authorization", authorization)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v %s", target, resp.StatusCode, err, data)
	}
	return data
}
