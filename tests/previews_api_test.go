package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/config"
	"inkwell/database/dbtest"
	"inkwell/media/mediatest"
	"inkwell/outbound/outboundtest"
	"inkwell/previews"
	"inkwell/testsupport/testapp"
)

// previewsApp serves the app allowed to reach 127.0.0.2 (and only it).
func previewsApp(t *testing.T) (*postsClient, *authApp) {
	t.Helper()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthAppWith(t, db, google, testapp.Options{Configure: func(c *config.Config) {
		c.OutboundAllowCIDRs = outboundtest.AllowCIDRs
	}})
	return signIn(t, app, google, "alice"), app
}

func previewPath(u string) string { return "/api/v1/previews?url=" + url.QueryEscape(u) }

func TestPreviewsAPI_CardWithALocalCopyOfItsImage(t *testing.T) {
	t.Parallel()
	alice, app := previewsApp(t)
	photo := mediatest.PhoneJPEG(t, 60, 30)
	var imageHits atomic.Int64
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/article":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<html><head><title>Plain</title>
<meta property="og:title" content="Harbour &amp; boats">
<meta property="og:description" content="A walk by the sea.">
<meta property="og:site_name" content="Sea News">
<meta property="og:image" content="/img/harbour.jpg">
</head><body>never read</body></html>`)
		case "/img/harbour.jpg":
			imageHits.Add(1)
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(photo)
		default:
			http.NotFound(w, r)
		}
	}))

	var p previews.Preview
	code, body := alice.json(t, http.MethodGet, previewPath(site.URL+"/article?utm_source=x#top"), nil, &p)
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, site.URL+"/article", p.URL)
	assert.Equal(t, site.URL+"/article", p.FinalURL)
	assert.Equal(t, "Harbour & boats", p.Title)
	assert.Equal(t, "A walk by the sea.", p.Description)
	assert.Equal(t, "Sea News", p.SiteName)
	assert.False(t, p.FetchedAt.IsZero())

	// The image is ours: a media URL, not the site's, and its bytes went
	// through the pipeline (upright, no EXIF, no GPS).
	require.NotEmpty(t, p.Image)
	assert.NotContains(t, p.Image, site.URL, "no hotlinking")
	assert.Contains(t, p.Image, "/media/u/0/")
	resp, stored := object(t, app, p.Image)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotContains(t, string(stored), mediatest.GPSMarker)
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(stored))
	require.NoError(t, err)
	assert.Equal(t, []int{30, 60}, []int{cfg.Width, cfg.Height})
	assert.Equal(t, int64(1), imageHits.Load())

	// A second ask is the cached card; the site is not asked again.
	var again previews.Preview
	code, _ = alice.json(t, http.MethodGet, previewPath(site.URL+"/article"), nil, &again)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, p, again)
	assert.Equal(t, int64(1), imageHits.Load())
}

func TestPreviewsAPI_AnImageThatIsNotOneLeavesTheCardWithoutImage(t *testing.T) {
	t.Parallel()
	alice, _ := previewsApp(t)
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/evil.jpg" {
			w.Header().Set("Content-Type", "image/jpeg")
			fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<head><meta property="og:title" content="T"><meta property="og:image" content="/evil.jpg"></head>`)
	}))
	var p previews.Preview
	code, body := alice.json(t, http.MethodGet, previewPath(site.URL+"/"), nil, &p)
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, "T", p.Title)
	assert.Empty(t, p.Image, "the bytes were checked: no image rather than a hotlinked or unchecked one")
}

func TestPreviewsAPI_ErrorsAreTheContracts(t *testing.T) {
	t.Parallel()
	alice, _ := previewsApp(t)
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/gone":
			http.Error(w, "gone", http.StatusGone)
		case "/busy":
			w.Header().Set("Retry-After", "120")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<title>ok</title>`)
		}
	}))
	errorCode := func(body []byte) string {
		var e struct {
			Error struct {
				Code   string
				Fields map[string]string
			}
		}
		require.NoError(t, json.Unmarshal(body, &e), string(body))
		if e.Error.Code == "validation_failed" {
			assert.Contains(t, e.Error.Fields, "url")
		}
		return e.Error.Code
	}

	for _, bad := range []string{"", "ftp://example.com/", "javascript:alert(1)", "http://127.0.0.1:1/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
		"http://[::1]/", "http://localhost/"} {
		code, body := alice.json(t, http.MethodGet, previewPath(bad), nil, nil)
		assert.Equal(t, http.StatusBadRequest, code, "%q: %s", bad, body)
		assert.Equal(t, "validation_failed", errorCode(body), bad)
	}
	// A redirect from an allowed site to a blocked address is refused too.
	redirector := outboundtest.Server(t, http.RedirectHandler("http://127.0.0.1:9/", http.StatusFound))
	code, body := alice.json(t, http.MethodGet, previewPath(redirector.URL+"/"), nil, nil)
	assert.Equal(t, http.StatusBadRequest, code, string(body))

	code, body = alice.json(t, http.MethodGet, previewPath(site.URL+"/gone"), nil, nil)
	assert.Equal(t, http.StatusBadGateway, code, string(body))
	assert.Equal(t, "upstream_failed", errorCode(body))

	// The host asked us to wait: the next page of that host is 503 with
	// Retry-After, without asking it.
	code, body = alice.json(t, http.MethodGet, previewPath(site.URL+"/busy"), nil, nil)
	assert.Equal(t, http.StatusBadGateway, code, string(body))
	resp, raw := alice.send(t, http.MethodGet, previewPath(site.URL+"/other"), "", nil)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, string(raw))
	assert.Equal(t, "unavailable", errorCode(raw))
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))

	// Signed out: 401.
	anon := &postsClient{app: alice.app}
	resp, raw = anon.send(t, http.MethodGet, previewPath(site.URL+"/"), "", nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, strings.TrimSpace(string(raw)))
}
