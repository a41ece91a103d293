package previews_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/cache"
	"inkwell/cache/cachetest"
	"inkwell/config"
	"inkwell/outbound"
	"inkwell/outbound/outboundtest"
	"inkwell/previews"
)

// site is a remote web site on 127.0.0.2 serving pages by path and
// counting the requests each path gets.
type site struct {
	URL  string
	mu   sync.Mutex
	hits map[string]int
}

func newSite(t *testing.T, pages map[string]http.HandlerFunc) *site {
	t.Helper()
	s := &site{hits: map[string]int{}}
	srv := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		if h, ok := pages[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	s.URL = srv.URL
	return s
}

func (s *site) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func html(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, body)
	}
}

// client is the deployment's outbound client with OUTBOUND_ALLOW_CIDRS
// opening 127.0.0.2, read through config like the server does.
func client(t *testing.T) *outbound.Client {
	t.Helper()
	t.Setenv("OUTBOUND_ALLOW_CIDRS", outboundtest.AllowedAddr)
	cfg, err := config.Load(nil)
	require.NoError(t, err)
	return outbound.New(outbound.PolicyFromConfig(cfg))
}

func service(t *testing.T, images previews.ImageStore) *previews.Service {
	return previews.NewService(client(t), cache.NewMemory(1<<20), images, quiet)
}

// mediaLibrary stands in for the media library behind the ImageStore hook.
type mediaLibrary struct {
	mu     sync.Mutex
	stored []string
}

func (m *mediaLibrary) StorePreviewImage(_ context.Context, imageURL, _ string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stored = append(m.stored, imageURL)
	return fmt.Sprintf("/media/files/preview-%d.png", len(m.stored)), nil
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	ae, ok := apperror.As(err)
	require.True(t, ok, "%T %v", err, err)
	require.Equal(t, code, ae.Code, ae.Error())
}

// requireAppError is requireCode handing back the error for its details.
func requireAppError(t *testing.T, err error, code string) *apperror.Error {
	t.Helper()
	requireCode(t, err, code)
	ae, _ := apperror.As(err)
	return ae
}

func TestGet_OpenGraphTagsMakeThePreview(t *testing.T) {
	s := newSite(t, map[string]http.HandlerFunc{"/article": html(`<!doctype html><html><head>
		<title>Fallback title</title>
		<meta name="description" content="Fallback description">
		<meta property="og:title" content="  The &amp; Real   Title ">
		<meta property="og:description" content="What it is about">
		<meta property="og:image" content="https://cdn.example/pic.jpg">
		<meta property="og:site_name" content="Example Mag">
		<meta name="twitter:title" content="Twitter title">
		</head><body><h1>Hi</h1></body></html>`)})
	lib := &mediaLibrary{}
	before := time.Now().UTC().Add(-time.Second)

	p, err := service(t, lib).Get(context.Background(), s.URL+"/article?utm_source=x&id=7#comments")
	require.NoError(t, err)
	assert.Equal(t, s.URL+"/article?id=7", p.URL, "normalized: no utm_*, no fragment")
	assert.Equal(t, s.URL+"/article?id=7", p.FinalURL)
	assert.Equal(t, "The & Real Title", p.Title)
	assert.Equal(t, "What it is about", p.Description)
	assert.Equal(t, "Example Mag", p.SiteName)
	assert.Equal(t, "/media/files/preview-1.png", p.Image, "the local copy, never the remote image")
	assert.Equal(t, []string{"https://cdn.example/pic.jpg"}, lib.stored)
	assert.False(t, p.FetchedAt.Before(before))
}

func TestGet_FallsBackToTwitterTagsThenTitleAndMetaDescription(t *testing.T) {
	s := newSite(t, map[string]http.HandlerFunc{
		"/twitter": html(`<head><title>Plain</title><meta name="twitter:title" content="From Twitter">
			<meta name="twitter:description" content="Tweet-sized"><meta name="twitter:image" content="/t.png"></head>`),
		"/plain": html(`<html><head><title>
			Only a   title </title><meta name="description" content="Meta description"></head><body></body>`),
		"/www": html(`<title>No site name</title>`),
	})
	lib := &mediaLibrary{}
	svc := service(t, lib)

	p, err := svc.Get(context.Background(), s.URL+"/twitter")
	require.NoError(t, err)
	assert.Equal(t, "From Twitter", p.Title)
	assert.Equal(t, "Tweet-sized", p.Description)
	assert.Equal(t, []string{s.URL + "/t.png"}, lib.stored)

	p, err = svc.Get(context.Background(), s.URL+"/plain")
	require.NoError(t, err)
	assert.Equal(t, "Only a title", p.Title)
	assert.Equal(t, "Meta description", p.Description)
	assert.Equal(t, outboundtest.AllowedAddr, p.SiteName, "no og:site_name: the host")
	assert.Empty(t, p.Image)
}

func TestGet_RelativeImageIsResolvedAgainstTheFinalURL(t *testing.T) {
	s := newSite(t, map[string]http.HandlerFunc{
		"/short": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/articles/2026/story.html", http.StatusMovedPermanently)
		},
		"/articles/2026/story.html": html(`<head><title>Story</title><meta property="og:image" content="../img/cover.png"></head>`),
		"/based":                    html(`<head><base href="/static/"><title>Based</title><meta property="og:image" content="b.png"></head>`),
		"/data":                     html(`<head><title>Data</title><meta property="og:image" content="data:image/png;base64,AAAA"></head>`),
	})
	lib := &mediaLibrary{}
	svc := service(t, lib)

	p, err := svc.Get(context.Background(), s.URL+"/short")
	require.NoError(t, err)
	assert.Equal(t, s.URL+"/short", p.URL)
	assert.Equal(t, s.URL+"/articles/2026/story.html", p.FinalURL)
	_, err = svc.Get(context.Background(), s.URL+"/based")
	require.NoError(t, err)
	p, err = svc.Get(context.Background(), s.URL+"/data")
	require.NoError(t, err)
	assert.Empty(t, p.Image, "only http(s) images")
	assert.Equal(t, []string{s.URL + "/articles/img/cover.png", s.URL + "/static/b.png"}, lib.stored)
}

func TestGet_DecodesTheDeclaredCharset(t *testing.T) {
	// "Café “quoted”" in windows-1252.
	win1252 := "Caf\xe9 \x93quoted\x94"
	s := newSite(t, map[string]http.HandlerFunc{
		"/header": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=windows-1252")
			_, _ = io.WriteString(w, "<head><title>"+win1252+"</title></head>")
		},
		"/meta": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, `<head><meta charset="windows-1252"><meta property="og:title" content="`+win1252+`"></head>`)
		},
	})
	svc := service(t, nil)
	for _, path := range []string{"/header", "/meta"} {
		p, err := svc.Get(context.Background(), s.URL+path)
		require.NoError(t, err, path)
		assert.Equal(t, "Café “quoted”", p.Title, path)
	}
}

func TestGet_ReadsOnlyTheHeadUpToItsCap(t *testing.T) {
	padding := "<!-- " + strings.Repeat("x", 600<<10) + " -->"
	s := newSite(t, map[string]http.HandlerFunc{
		"/late": html(`<head><title>Early title</title>` + padding + `<meta property="og:title" content="Too late"></head>`),
		"/body": html(`<head><title>Head title</title></head><body><meta property="og:title" content="In the body"></body>`),
	})
	svc := service(t, nil)
	p, err := svc.Get(context.Background(), s.URL+"/late")
	require.NoError(t, err)
	assert.Equal(t, "Early title", p.Title, "og tags after 512 KiB are not read")
	p, err = svc.Get(context.Background(), s.URL+"/body")
	require.NoError(t, err)
	assert.Equal(t, "Head title", p.Title, "parsing stops at </head>")
}

func TestGet_UnusableAnswersAre502AndTheFailureIsCached(t *testing.T) {
	challenge := `<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>`
	s := newSite(t, map[string]http.HandlerFunc{
		"/gone":   func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) },
		"/broken": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) },
		"/json": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"title":"not a page"}`)
		},
		"/untitled": html(`<head><meta name="description" content="no title anywhere"></head>`),
		"/cf-challenge": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Cf-Mitigated", "challenge")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, challenge)
		},
		"/cf-200": html(challenge),
	})
	svc := service(t, nil)
	for _, path := range []string{"/gone", "/broken", "/json", "/untitled", "/cf-challenge", "/cf-200"} {
		t.Run(path, func(t *testing.T) {
			_, err := svc.Get(context.Background(), s.URL+path)
			ae := requireAppError(t, err, apperror.CodeUpstreamFailed)
			assert.NotContains(t, ae.Message, "Just a moment")
			_, err = svc.Get(context.Background(), s.URL+path)
			requireCode(t, err, apperror.CodeUpstreamFailed)
			assert.Equal(t, 1, s.Hits(path), "the second answer came from the cache")
		})
	}
}

func TestGet_HitsComeFromTheCache(t *testing.T) {
	s := newSite(t, map[string]http.HandlerFunc{"/a": html(`<title>Cached</title>`)})
	svc := service(t, nil)
	first, err := svc.Get(context.Background(), s.URL+"/a")
	require.NoError(t, err)
	second, err := svc.Get(context.Background(), s.URL+"/a#again")
	require.NoError(t, err)
	assert.Equal(t, first, second)
	assert.Equal(t, 1, s.Hits("/a"))
}

func TestGet_RefusedDestinationsAndBadURLsAre400OnURL(t *testing.T) {
	internal := outboundtest.Listen(t, "127.0.0.1:0")
	svc := service(t, nil)
	for _, u := range []string{
		"", "not a url", "ftp://example.com/", "javascript:alert(1)", "http://user:pw@example.com/",
		"http://" + strings.Repeat("a", 2050) + ".com/",
		fmt.Sprintf("http://127.0.0.1:%d/", internal.Port()),
		"http://169.254.169.254/latest/meta-data/",
		"http://[::1]/", "http://localhost/",
	} {
		_, err := svc.Get(context.Background(), u)
		ae := requireAppError(t, err, apperror.CodeValidation)
		assert.NotEmpty(t, ae.Fields["url"], u)
	}
	assert.Zero(t, internal.Accepted())
}

func TestGet_ConcurrentCallersShareOneFetch(t *testing.T) {
	release := make(chan struct{})
	s := newSite(t, map[string]http.HandlerFunc{"/slow": func(w http.ResponseWriter, r *http.Request) {
		<-release
		html(`<title>Slow</title>`)(w, r)
	}})
	svc := service(t, nil)
	results := make(chan error, 20)
	for range 20 {
		go func() {
			_, err := svc.Get(context.Background(), s.URL+"/slow")
			results <- err
		}()
	}
	assert.Eventually(t, func() bool { return s.Hits("/slow") >= 1 }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(50 * time.Millisecond) // room for a second fetch to start, were one allowed
	close(release)
	for range 20 {
		assert.NoError(t, <-results)
	}
	assert.Equal(t, 1, s.Hits("/slow"))
}

// TestGet_ReplicasSharingRedisFetchEachURLOnce: two services with their
// own clients and singleflights, one Redis: the lock makes one fetch.
func TestGet_ReplicasSharingRedisFetchEachURLOnce(t *testing.T) {
	url := cachetest.RedisURL(t)
	prefix := cachetest.Prefix()
	cachetest.DeleteAfter(t, url, prefix)
	release := make(chan struct{})
	s := newSite(t, map[string]http.HandlerFunc{"/shared": func(w http.ResponseWriter, r *http.Request) {
		<-release
		html(`<title>Shared</title>`)(w, r)
	}})
	replicas := make([]*previews.Service, 2)
	for i := range replicas {
		r, err := cache.NewRedis(context.Background(), url, prefix)
		require.NoError(t, err)
		t.Cleanup(func() { r.Close() })
		replicas[i] = previews.NewService(client(t), r, nil, quiet)
	}
	results := make(chan error, 20)
	for i := range 20 {
		go func() {
			_, err := replicas[i%2].Get(context.Background(), s.URL+"/shared")
			results <- err
		}()
	}
	assert.Eventually(t, func() bool { return s.Hits("/shared") >= 1 }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // room for the other replica to fetch, were it allowed
	close(release)
	for range 20 {
		assert.NoError(t, <-results)
	}
	assert.Equal(t, 1, s.Hits("/shared"))
}

func TestGet_CacheLifetimes_DaysForHitsAnHourForFailures(t *testing.T) {
	url := cachetest.RedisURL(t)
	prefix := cachetest.Prefix()
	cachetest.DeleteAfter(t, url, prefix)
	r, err := cache.NewRedis(context.Background(), url, prefix)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	s := newSite(t, map[string]http.HandlerFunc{"/ok": html(`<title>OK</title>`)})
	svc := previews.NewService(client(t), r, nil, quiet)
	_, err = svc.Get(context.Background(), s.URL+"/ok")
	require.NoError(t, err)
	_, err = svc.Get(context.Background(), s.URL+"/missing")
	requireCode(t, err, apperror.CodeUpstreamFailed)

	opts, err := redis.ParseURL(url)
	require.NoError(t, err)
	rc := redis.NewClient(opts)
	defer func() { _ = rc.Close() }()
	hitTTL := rc.TTL(context.Background(), prefix+previews.CacheKey(s.URL+"/ok")).Val()
	failTTL := rc.TTL(context.Background(), prefix+previews.CacheKey(s.URL+"/missing")).Val()
	assert.Greater(t, hitTTL, 6*24*time.Hour)
	assert.LessOrEqual(t, hitTTL, previews.HitTTL)
	assert.Greater(t, failTTL, 50*time.Minute)
	assert.LessOrEqual(t, failTTL, previews.FailureTTL)
	locks, err := rc.Keys(context.Background(), prefix+"preview:lock:*").Result()
	require.NoError(t, err)
	assert.Empty(t, locks, "fetch locks are released")
}

func TestGet_AFailingHostOpensItsBreakerAnd503CarriesRetryAfter(t *testing.T) {
	s := newSite(t, map[string]http.HandlerFunc{"/down": func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}})
	svc := service(t, nil)
	for i := range 5 { // distinct URLs, so no failure is answered from the cache
		_, err := svc.Get(context.Background(), fmt.Sprintf("%s/down?n=%d", s.URL, i))
		requireCode(t, err, apperror.CodeUpstreamFailed)
	}
	_, err := svc.Get(context.Background(), s.URL+"/down?n=5")
	ae := requireAppError(t, err, apperror.CodeUnavailable)
	assert.Greater(t, ae.RetryAfter, time.Duration(0))
	assert.Equal(t, 5, s.Hits("/down"), "the open breaker made no request")

	// A 429 with Retry-After is honoured by the next URL on that host too
	// (a fresh service: breakers are per host name, and 127.0.0.2's is open).
	svc = service(t, nil)
	s2 := newSite(t, map[string]http.HandlerFunc{"/busy": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		http.Error(w, "busy", http.StatusTooManyRequests)
	}})
	_, err = svc.Get(context.Background(), s2.URL+"/busy?n=1")
	requireCode(t, err, apperror.CodeUpstreamFailed)
	_, err = svc.Get(context.Background(), s2.URL+"/busy?n=2")
	ae = requireAppError(t, err, apperror.CodeUnavailable)
	assert.Greater(t, ae.RetryAfter, 25*time.Second)
	assert.Equal(t, 1, s2.Hits("/busy"))
}

var quiet = slog.New(slog.DiscardHandler)
