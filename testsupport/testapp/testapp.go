// Package testapp serves an in-process Inkwell for black-box HTTP tests:
// routers.New wired as serve.go wires it, on a real database, trusting a
// fake Google, over loopback HTTP. Every call builds its own app instance
// (its own Beego server and route table), so tests using it may run in
// parallel.
package testapp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/beego/beego/v2/server/web"
	"github.com/stretchr/testify/require"

	"inkwell/auth"
	"inkwell/auth/authtest"
	"inkwell/backup"
	"inkwell/cache"
	"inkwell/comments"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/live"
	"inkwell/media"
	"inkwell/metrics"
	"inkwell/outbound"
	"inkwell/posts"
	"inkwell/previews"
	"inkwell/ratelimit"
	"inkwell/routers"
	"inkwell/storage"
	"inkwell/users"
)

// App is one served instance.
type App struct {
	URL    string
	DB     *database.DB
	Google *authtest.Provider
	Auth   *auth.Authenticator
	Config config.Config
	// Routes is the instance's route table, for tests that walk it.
	Routes *web.HttpServer
	// Live is the instance's live co-editing (its sockets, its saver).
	Live *live.Service
	// Posts is the instance's post service (tests wait for its background
	// link-card fetches with Posts.WaitForCards).
	Posts *posts.Service
}

// Options adjust an instance before it serves.
type Options struct {
	// Configure changes the configuration before anything is built from it.
	Configure func(*config.Config)
	// Routes registers extra routes (test probes) on the instance.
	Routes func(*web.HttpServer)
	// PostCache is the post and comment services' cache (nil: a fresh
	// in-process one).
	PostCache cache.Cache
	// Metrics instruments the instance (nil: not instrumented).
	Metrics *metrics.Metrics
	// Bucket holds the media library (nil: a fresh temporary folder).
	Bucket *storage.Bucket
	// Limiter enforces Config.RateLimits (nil: a fresh in-process one).
	// Limits are off unless Configure sets them.
	Limiter *ratelimit.Limiter
	// LiveRedisURL puts live co-editing on Redis under LiveKeyPrefix
	// ("": in process).
	LiveRedisURL, LiveKeyPrefix string
}

// QuietLog discards everything.
func QuietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Start serves an instance on db trusting google until the test ends.
func Start(t testing.TB, db *database.DB, google *authtest.Provider, opts Options) *App {
	t.Helper()
	cfg := config.Config{RunMode: "test", HTTPPort: 8080, DBDriver: string(db.Dialect),
		PublicBaseURL: "http://localhost:8080", MaxBodyBytes: 1 << 20}
	google.Configure(&cfg)
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	log := QuietLog()
	authn, err := auth.New(context.Background(), cfg, users.Directory{DB: db}, log)
	require.NoError(t, err)
	postCache := opts.PostCache
	if postCache == nil {
		postCache = cache.NewMemory(cache.DefaultMemoryBytes)
	}
	bucket := opts.Bucket
	if bucket == nil {
		var err error
		bucket, err = storage.Open(context.Background(), "file://"+filepath.ToSlash(t.TempDir()))
		require.NoError(t, err)
		t.Cleanup(func() { bucket.Close() })
	}
	if cfg.MaxUploadBytes == 0 {
		cfg.MaxUploadBytes = media.DefaultMaxUploadBytes
	}
	// Media URLs start with PUBLIC_BASE_URL (http://localhost:8080), not
	// this instance's address: tests fetch their path from App.URL.
	library := media.NewService(db, bucket, postCache, media.Options{
		PublicBase: media.PublicBase(bucket, cfg.MediaPublicBaseURL, cfg.PublicBaseURL), MaxUploadBytes: cfg.MaxUploadBytes, Log: log})
	client := outbound.New(outbound.PolicyFromConfig(cfg))
	postService := posts.NewService(db, postCache, log)
	linkPreviews := previews.NewService(client, postCache, library.PreviewImages(client), log)
	postService.UseLinkCards(linkPreviews)
	t.Cleanup(postService.WaitForCards)
	liveService, closeLive, err := live.Open(context.Background(), live.Options{RedisURL: opts.LiveRedisURL, KeyPrefix: opts.LiveKeyPrefix,
		DB: db.Orm(), Loader: live.PostLoader{DB: db.Orm()}, Saver: postService, Tickets: postCache,
		SaveIdle: cfg.LiveSaveIdle, SaveEveryOps: cfg.LiveSaveEveryOps, Log: log})
	require.NoError(t, err)
	postService.SetLiveText(liveService)
	app := routers.New(routers.Deps{Users: users.Directory{DB: db}, Ledger: ledger.NewService(db), Config: cfg, Log: log, DB: db, Auth: authn,
		Migrations: &schema.Runner{DB: db.SQL, Dialect: db.Dialect},
		Posts:      postService, Comments: comments.NewService(db, postCache, postService, log), Metrics: opts.Metrics, Media: library,
		Previews: linkPreviews, Limiter: opts.Limiter, Live: liveService,
		Backup: backup.New(db, postService, library, client, backup.Options{PublicBaseURL: cfg.PublicBaseURL,
			MediaBaseURL: library.PublicBaseURL(), Log: log})})
	if opts.Routes != nil {
		opts.Routes(app.Server)
	}
	srv := httptest.NewServer(app.Handler(cfg.MaxBodyBytes))
	t.Cleanup(func() {
		// Sockets first: httptest's Close waits for hijacked connections' handlers.
		_ = liveService.Shutdown(context.Background())
		srv.Close()
		_ = closeLive()
	})
	return &App{URL: srv.URL, DB: db, Google: google, Auth: authn, Config: cfg, Routes: app.Server, Live: liveService, Posts: postService}
}

// Do sends method path with the Authorization header (omitted when empty)
// and returns the response with its body read.
func (a *App) Do(t testing.TB, method, path, authorization string, body io.Reader) (*http.Response, string) {
	t.Helper()
	header := http.Header{}
	if authorization != "" {
		header.Set("Authorization", authorization)
	}
	return a.DoWithHeader(t, method, path, header, body)
}

// DoWithHeader sends method path with header (and Content-Type:
// application/json when there is a body) and returns the response with its
// body read and closed.
func (a *App) DoWithHeader(t testing.TB, method, path string, header http.Header, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, body)
	require.NoError(t, err)
	req.Header = header.Clone()
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// Bearer is the Authorization header value for token.
func Bearer(token string) string { return "Bearer " + token }
