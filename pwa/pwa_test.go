package pwa

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, a *App, method, path string, header http.Header) (*httptest.ResponseRecorder, bool) {
	t.Helper()
	req := httptest.NewRequest(method, path, http.NoBody)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	served := a.Serve(rec, req)
	return rec, served
}

func TestServe_ContentTypesAndCacheHeaders(t *testing.T) {
	a := Embedded()
	jsURL := a.AssetURL("/static/app.js")
	cssURL := a.AssetURL("/static/app.css")
	pngURL := a.AssetURL("/static/icons/icon-192.png")
	require.NotEmpty(t, jsURL)
	require.NotEmpty(t, cssURL)
	require.NotEmpty(t, pngURL)

	tests := []struct {
		name, path, contentType, cacheControl string
	}{
		{"shell", "/", "text/html; charset=utf-8", "no-cache"},
		{"client route: post", "/posts/12", "text/html; charset=utf-8", "no-cache"},
		{"client route: edit", "/posts/12/edit", "text/html; charset=utf-8", "no-cache"},
		{"client route: write", "/write", "text/html; charset=utf-8", "no-cache"},
		{"client route: drafts", "/drafts", "text/html; charset=utf-8", "no-cache"},
		{"client route: profile", "/me", "text/html; charset=utf-8", "no-cache"},
		{"client route: sign in", "/signin", "text/html; charset=utf-8", "no-cache"},
		{"manifest", "/manifest.webmanifest", "application/manifest+json", "no-cache"},
		{"service worker", "/sw.js", "text/javascript; charset=utf-8", "no-cache"},
		{"hashed module", jsURL, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"hashed stylesheet", cssURL, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"hashed icon", pngURL, "image/png", "public, max-age=31536000, immutable"},
		{"plain asset URL is never cached stale", "/static/app.js", "text/javascript; charset=utf-8", "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, served := get(t, a, http.MethodGet, tt.path, nil)
			require.True(t, served)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, tt.contentType, rec.Header().Get("Content-Type"))
			assert.Equal(t, tt.cacheControl, rec.Header().Get("Cache-Control"))
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			assert.NotEmpty(t, rec.Header().Get("ETag"))
			assert.NotZero(t, rec.Body.Len())
		})
	}
}

func TestServe_UnknownPathsAreLeftToTheCaller(t *testing.T) {
	a := Embedded()
	for _, p := range []string{"/api/v1/nope", "/api/v1/posts", "/nope", "/posts/abc", "/posts/12/like/x",
		"/static/app.0000000000.js", "/static/nope.js", "/static/", "/sw.js/x", "/swagger/"} {
		t.Run(p, func(t *testing.T) {
			rec, served := get(t, a, http.MethodGet, p, nil)
			assert.False(t, served)
			assert.Zero(t, rec.Body.Len(), "nothing written for %s", p)
		})
	}
}

func TestServe_RevalidationAnswers304(t *testing.T) {
	a := Embedded()
	for _, p := range []string{"/", "/sw.js", "/manifest.webmanifest", a.AssetURL("/static/app.js")} {
		t.Run(p, func(t *testing.T) {
			first, _ := get(t, a, http.MethodGet, p, nil)
			etag := first.Header().Get("ETag")
			require.NotEmpty(t, etag)
			again, _ := get(t, a, http.MethodGet, p, http.Header{"If-None-Match": {etag}})
			assert.Equal(t, http.StatusNotModified, again.Code)
			assert.Zero(t, again.Body.Len())
		})
	}
}

func TestServe_HeadHasNoBody(t *testing.T) {
	rec, served := get(t, Embedded(), http.MethodHead, "/", nil)
	require.True(t, served)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Zero(t, rec.Body.Len())
}

func TestShell_ReferencesOnlyHashedAssetsThatExist(t *testing.T) {
	a := Embedded()
	rec, _ := get(t, a, http.MethodGet, "/", nil)
	// The import map's keys are the plain URLs modules import; its values
	// and everything else must be hashed.
	shell := regexp.MustCompile(`"/static/[^"]+":`).ReplaceAllString(rec.Body.String(), "")
	refs := regexp.MustCompile(`"(/static/[^"]+)"`).FindAllStringSubmatch(shell, -1)
	require.NotEmpty(t, refs)
	hashed := regexp.MustCompile(`\.[0-9a-f]{10}\.[a-z]+$`)
	for _, m := range refs {
		url := m[1]
		assert.Regexp(t, hashed, url, "shell references a plain asset URL")
		res, served := get(t, a, http.MethodGet, url, nil)
		assert.True(t, served, url)
		assert.Equal(t, http.StatusOK, res.Code, url)
		assert.Equal(t, "public, max-age=31536000, immutable", res.Header().Get("Cache-Control"), url)
	}
	assert.NotContains(t, shell, importMapMarker)
}

func TestShell_ImportMapCoversEveryModuleAndIsAllowedByCSP(t *testing.T) {
	a := Embedded()
	rec, _ := get(t, a, http.MethodGet, "/", nil)
	m := regexp.MustCompile(`<script type="importmap">(.*?)</script>`).FindStringSubmatch(rec.Body.String())
	require.Len(t, m, 2, "the shell has one import map")
	var im struct {
		Imports map[string]string `json:"imports"`
	}
	require.NoError(t, json.Unmarshal([]byte(m[1]), &im))

	modules := 0
	require.NoError(t, fs.WalkDir(mustSub(t), "static", func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() || !strings.HasSuffix(p, ".js") && !strings.HasSuffix(p, ".mjs") {
			return nil
		}
		if "/"+p == bootScript {
			assert.NotContains(t, im.Imports, "/"+p, "the classic boot script is no module")
			return nil
		}
		modules++
		assert.Equal(t, a.AssetURL("/"+p), im.Imports["/"+p], "import map entry for %s", p)
		return nil
	}))
	assert.Len(t, im.Imports, modules)

	sum := sha256.Sum256([]byte(m[1]))
	assert.Contains(t, rec.Header().Get("Content-Security-Policy"),
		"'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'", "the CSP allows exactly this import map")
	assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "object-src 'none'")
}

// Every module imports the others by absolute plain URL, which the import
// map resolves; a relative or misspelt import would load an unhashed (or
// missing) file.
func TestModules_ImportOnlyExistingPlainURLs(t *testing.T) {
	a := Embedded()
	importRe := regexp.MustCompile(`(?m)^\s*import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]`)
	for plain, as := range a.byPlain {
		if as.contentType != contentTypes[".js"] || strings.Contains(plain, "/vendor/") {
			continue
		}
		for _, m := range importRe.FindAllStringSubmatch(string(as.body), -1) {
			assert.NotEmpty(t, a.AssetURL(m[1]), "%s imports %q, which is not an asset URL", plain, m[1])
		}
	}
}

func TestManifest_IsInstallable(t *testing.T) {
	a := Embedded()
	rec, _ := get(t, a, http.MethodGet, "/manifest.webmanifest", nil)
	var m struct {
		Name            string `json:"name"`
		ShortName       string `json:"short_name"`
		Description     string `json:"description"`
		StartURL        string `json:"start_url"`
		Scope           string `json:"scope"`
		Display         string `json:"display"`
		ThemeColor      string `json:"theme_color"`
		BackgroundColor string `json:"background_color"`
		Icons           []struct {
			Src     string `json:"src"`
			Sizes   string `json:"sizes"`
			Type    string `json:"type"`
			Purpose string `json:"purpose"`
		} `json:"icons"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
	assert.Equal(t, "Inkwell", m.Name)
	assert.NotEmpty(t, m.ShortName)
	assert.NotEmpty(t, m.Description)
	assert.Equal(t, "/", m.StartURL)
	assert.Equal(t, "/", m.Scope)
	assert.Equal(t, "standalone", m.Display)
	assert.Regexp(t, `^#[0-9a-f]{6}$`, m.ThemeColor)
	assert.Regexp(t, `^#[0-9a-f]{6}$`, m.BackgroundColor)

	want := map[string]bool{"192x192 any": false, "512x512 any": false, "512x512 maskable": false}
	for _, icon := range m.Icons {
		key := icon.Sizes + " " + icon.Purpose
		want[key] = true
		assert.Equal(t, "image/png", icon.Type)
		res, served := get(t, a, http.MethodGet, icon.Src, nil)
		require.True(t, served, icon.Src)
		img, err := png.DecodeConfig(res.Body)
		require.NoError(t, err, icon.Src)
		var w, h int
		_, err = fmt.Sscanf(icon.Sizes, "%dx%d", &w, &h)
		require.NoError(t, err)
		assert.Equal(t, w, img.Width, icon.Src)
		assert.Equal(t, h, img.Height, icon.Src)
	}
	for k, found := range want {
		assert.True(t, found, "manifest lacks a %s icon", k)
	}
}

func TestServiceWorker_CarriesVersionPrecacheAndRoutes(t *testing.T) {
	a := Embedded()
	rec, _ := get(t, a, http.MethodGet, "/sw.js", nil)
	assert.Equal(t, "/", rec.Header().Get("Service-Worker-Allowed"))
	first, _, ok := strings.Cut(rec.Body.String(), "\n")
	require.True(t, ok)
	require.True(t, strings.HasPrefix(first, "const BUILD = ") && strings.HasSuffix(first, ";"), first)
	var b workerBuild
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(first, "const BUILD = "), ";")), &b))
	assert.Equal(t, a.Version, b.Version)
	assert.Contains(t, b.Precache, ShellPath)
	assert.NotContains(t, b.Precache, "/", "/ is the public feed, not the shell")
	assert.Contains(t, b.PublicRoutes, `^/posts/[0-9]+$`)
	assert.NotContains(t, b.PublicRoutes, `^/write$`)
	assert.Contains(t, b.Precache, "/manifest.webmanifest")
	for _, u := range a.AssetURLs() {
		assert.Contains(t, b.Precache, u)
	}
	require.Len(t, b.Routes, len(ClientRoutes))
	for _, p := range []string{"/", "/posts/7", "/posts/7/edit", "/write", "/drafts", "/me", "/signin"} {
		matched := false
		for _, r := range b.Routes {
			matched = matched || regexp.MustCompile(r).MatchString(p)
		}
		assert.True(t, matched, "service worker routes miss %s", p)
	}
}

// The client routes' Beego patterns and regexps must describe the same paths.
func TestClientRoutes_PatternsAgreeWithRegexps(t *testing.T) {
	for path, want := range map[string]bool{
		"/": true, "/posts/1": true, "/posts/123/edit": true, "/write": true, "/drafts": true, "/me": true, "/signin": true,
		"/posts/1/my-title": true, "/users/7": true, "/tags/go": true,
		"/posts/x": false, "/posts/1/like/x": false, "/users/x": false, "/api/v1/posts/1": false, "/static/app.js": false, "/writes": false,
	} {
		assert.Equal(t, want, IsClientRoute(path), path)
	}
}

func testApp(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"index.html":           {Data: []byte(`<head><link href="/static/a.css"><!--importmap--><script type="module" src="/static/a.js"></script><!--page-head--><title>t</title><!--/page-head--></head><main><!--page-main-->x<!--/page-main--></main>`)},
		"manifest.webmanifest": {Data: []byte(`{"icons":[{"src":"/static/i.png"}]}`)},
		"sw.js":                {Data: []byte(`self.addEventListener('fetch', () => {});`)},
		"static/a.css":         {Data: []byte(`body{}`)},
		"static/a.js":          {Data: []byte(`import '/static/b.js';`)},
		"static/b.js":          {Data: []byte(`export const b = 1;`)},
		"static/i.png":         {Data: []byte("png")},
	}
	for k, v := range files {
		if v == "" {
			delete(fsys, k)
			continue
		}
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

func TestLoad_AnyChangedFileChangesTheVersion(t *testing.T) {
	base, err := Load(testApp(nil))
	require.NoError(t, err)
	for _, change := range []map[string]string{
		{"static/b.js": `export const b = 2;`},
		{"static/i.png": "png2"},
		{"index.html": `<link href="/static/a.css"><!--importmap--> <script type="module" src="/static/a.js"></script><!--page-head--><!--/page-head--><!--page-main--><!--/page-main-->`},
		{"manifest.webmanifest": `{"icons":[{"src":"/static/i.png"}],"name":"x"}`},
		{"sw.js": `self.addEventListener('fetch', () => { /* v2 */ });`},
	} {
		changed, err := Load(testApp(change))
		require.NoError(t, err)
		assert.NotEqual(t, base.Version, changed.Version, "change %v", change)
	}
	same, err := Load(testApp(nil))
	require.NoError(t, err)
	assert.Equal(t, base.Version, same.Version, "the version is a pure function of the files")
}

func TestLoad_ChangedModuleChangesOnlyItsOwnURL(t *testing.T) {
	base, err := Load(testApp(nil))
	require.NoError(t, err)
	changed, err := Load(testApp(map[string]string{"static/b.js": `export const b = 2;`}))
	require.NoError(t, err)
	assert.NotEqual(t, base.AssetURL("/static/b.js"), changed.AssetURL("/static/b.js"))
	assert.Equal(t, base.AssetURL("/static/a.js"), changed.AssetURL("/static/a.js"))
}

func TestLoad_RejectsBrokenApps(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"shell references a missing asset", map[string]string{"index.html": `<!--importmap--><script src="/static/gone.js"></script>`}, "/static/gone.js"},
		{"manifest references a missing icon", map[string]string{"manifest.webmanifest": `{"icons":[{"src":"/static/gone.png"}]}`}, "/static/gone.png"},
		{"manifest is not JSON", map[string]string{"manifest.webmanifest": `{"icons":`}, "not valid JSON"},
		{"no import map marker", map[string]string{"index.html": `<link href="/static/a.css">`}, "marker"},
		{"two import map markers", map[string]string{"index.html": `<!--importmap--><!--importmap-->`}, "marker"},
		{"unknown asset type", map[string]string{"static/x.exe": "MZ"}, "no content type"},
		{"no service worker", map[string]string{"sw.js": ""}, "service worker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(testApp(tt.files))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func mustSub(t *testing.T) fs.FS {
	t.Helper()
	sub, err := fs.Sub(embedded, "app")
	require.NoError(t, err)
	return sub
}

// Server-rendered pages are built in the shell's frame: every part of the
// shell but the page's head and main content, in order.
func TestFrame_CutsTheShellAtItsMarkers(t *testing.T) {
	a := Embedded()
	f := a.Frame()
	assert.Contains(t, string(f.Top), `<meta charset="utf-8">`)
	assert.NotContains(t, string(f.Top), "<title>")
	assert.Contains(t, string(f.Middle), `<script type="importmap">`)
	assert.Contains(t, string(f.Middle), `/static/boot.`)
	assert.Contains(t, string(f.Middle), `<main id="main" tabindex="-1">`)
	assert.Contains(t, string(f.Middle), `id="tabbar"`)
	assert.NotContains(t, string(f.Middle), "Loading…")
	assert.True(t, strings.HasPrefix(strings.TrimSpace(string(f.Bottom)), "</main>"), string(f.Bottom))
	assert.Contains(t, string(f.Bottom), "</html>")
	assert.NotEmpty(t, a.ContentSecurityPolicy())

	_, err := Load(testApp(map[string]string{"index.html": `<!--importmap--><!--page-main--><!--/page-main--><!--page-head--><!--/page-head-->`}))
	assert.ErrorContains(t, err, "out of order")
	_, err = Load(testApp(map[string]string{"index.html": `<!--importmap--><!--page-head--><!--/page-head-->`}))
	assert.ErrorContains(t, err, "<!--page-main-->")
}
