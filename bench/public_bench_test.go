package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"inkwell/auth"
	"inkwell/cache"
	"inkwell/config"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
	"inkwell/posts"
	"inkwell/routers"
	"inkwell/testsupport"
	"inkwell/users"
)

// discard is a ResponseWriter that keeps nothing, so a benchmark measures
// the handler's own work and no socket, client or recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkPublicPostPage measures the cached public post page in-process
// (request middleware, Beego routing, the versioned page cache in memory)
// next to a plain handler writing the same bytes, with no network in
// between: the CPU a page costs beyond serving its bytes.
// bench/public_page.sh is the end-to-end figure.
func BenchmarkPublicPostPage(b *testing.B) {
	db := dbtest.Open(b, "sqlite", true)
	cfg := config.Config{RunMode: "prod", DBDriver: "sqlite", MaxBodyBytes: 1 << 20, PublicBaseURL: "https://ink.example.org",
		GoogleClientIDs: []string{"bench"}, GoogleCertsURL: "http://127.0.0.1:1/certs"}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	authn, err := auth.New(context.Background(), cfg, users.Directory{DB: db}, log)
	if err != nil {
		b.Fatal(err)
	}
	svc := posts.NewService(db, cache.NewMemory(cache.DefaultMemoryBytes), log)
	app := routers.New(routers.Deps{Config: cfg, Log: log, DB: db, Auth: authn,
		Migrations: &schema.Runner{DB: db.SQL, Dialect: db.Dialect}, Posts: svc})
	handler := app.Handler(cfg.MaxBodyBytes)
	author := testsupport.NewUser(b, db.Orm(), "bench-author")
	p, err := svc.Create(context.Background(), author, posts.CreateInput{Title: "A post worth reading", Status: "published",
		Tags: []string{"go", "bench"}, BodyMarkdown: "# Heading\n\nSome **markdown** with a [link](https://example.com), an image ![pic](https://example.com/pic.png):\n\n- one\n- two\n"})
	if err != nil {
		b.Fatal(err)
	}
	path := "/posts/" + strconv.FormatInt(p.ID, 10)
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, http.NoBody))
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d", path, rec.Code)
	}
	page := rec.Body.Bytes()
	plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		_, _ = w.Write(page)
	})
	serve := func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			req := httptest.NewRequest(http.MethodGet, path, http.NoBody)
			w := &discard{h: http.Header{}}
			for pb.Next() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		})
	}
	b.Run("plain", func(b *testing.B) { serve(b, plain) })
	b.Run("inkwell-cached", func(b *testing.B) { serve(b, handler) })
}
