// Package pwa holds Inkwell's installable web app (embedded in the binary)
// and serves it: the app shell, content-hashed static assets, the web app
// manifest and the service worker.
//
// There is no build step: hashes are computed at start-up from the embedded
// bytes. Every file under app/static gets an immutable URL with its hash
// (/static/app.3f2a9c01bd.js). ES modules keep importing each other by their
// plain names; an import map written into the shell maps each plain URL to
// its hashed one, so a changed module changes only its own URL. The shell,
// the manifest and sw.js keep fixed URLs and are served with no-cache; the
// service worker carries the build version (a hash over everything), so the
// browser installs the new worker on the next visit after any change.
package pwa

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
)

//go:embed all:app
var embedded embed.FS

// ClientRoute is a URL the app's client-side router handles; the server
// answers it with the shell so a reload or a shared link opens the app.
type ClientRoute struct {
	// Pattern is the Beego route pattern.
	Pattern string
	// Regexp matches the same paths; the service worker uses it to answer
	// navigations with the cached shell while offline.
	Regexp string
	// Public routes are server-rendered pages anyone can read (package
	// public); the app takes them over for a signed-in visitor. The service
	// worker asks the network first for them and opens the shell offline.
	Public bool
}

// ClientRoutes are the app's screens (pwa/app/static/router.js mirrors them).
var ClientRoutes = []ClientRoute{
	{Pattern: "/", Regexp: `^/$`, Public: true},
	{Pattern: "/signin", Regexp: `^/signin$`},
	{Pattern: "/write", Regexp: `^/write$`},
	{Pattern: "/drafts", Regexp: `^/drafts$`},
	{Pattern: "/me", Regexp: `^/me$`},
	{Pattern: "/wallet", Regexp: `^/wallet$`},
	// The media library's screen; /media/ itself serves the files.
	{Pattern: "/library", Regexp: `^/library$`},
	{Pattern: "/posts/:id([0-9]+)", Regexp: `^/posts/[0-9]+$`, Public: true},
	{Pattern: "/posts/:id([0-9]+)/edit", Regexp: `^/posts/[0-9]+/edit$`},
	{Pattern: "/posts/:id([0-9]+)/:slug", Regexp: `^/posts/[0-9]+/[^/]+$`, Public: true},
	{Pattern: "/users/:id([0-9]+)", Regexp: `^/users/[0-9]+$`, Public: true},
	{Pattern: "/tags/:tag", Regexp: `^/tags/[^/]+$`, Public: true},
	{Pattern: "/comments/:id([0-9]+)", Regexp: `^/comments/[0-9]+$`},
}

// Fixed (never hashed) URLs. The shell has its own URL because "/" is the
// public feed: the service worker precaches the shell from ShellPath and
// opens it for every screen while offline.
const (
	ShellPath    = "/shell.html"
	ManifestPath = "/manifest.webmanifest"
	WorkerPath   = "/sw.js"
	StaticPrefix = "/static/"
)

// asset is one file under app/static.
type asset struct {
	plainURL    string // /static/views/feed.js
	hashedURL   string // /static/views/feed.0123456789.js
	hash        string
	contentType string
	body        []byte
}

// document is one of the fixed-URL files, rendered once at start-up.
type document struct {
	contentType string
	etag        string
	body        []byte
}

// App is the loaded web app, ready to serve.
type App struct {
	// Version identifies this build of the app: a hash over every file.
	Version  string
	byHashed map[string]*asset
	byPlain  map[string]*asset
	shell    document
	manifest document
	worker   document
	frame    Frame
	// csp is the shell's Content-Security-Policy (it allows the import map
	// by its hash, so no inline script runs otherwise).
	csp string
}

var (
	embeddedOnce sync.Once
	embeddedApp  *App
	embeddedErr  error
)

// Embedded is the app compiled into this binary, loaded once. A broken
// embedded app is a programming error caught by this package's tests, so it
// panics rather than serving half an app.
func Embedded() *App {
	embeddedOnce.Do(func() {
		sub, err := fs.Sub(embedded, "app")
		if err != nil {
			embeddedErr = err
			return
		}
		embeddedApp, embeddedErr = Load(sub)
	})
	if embeddedErr != nil {
		panic(fmt.Sprintf("pwa: load embedded app: %v", embeddedErr))
	}
	return embeddedApp
}

const importMapMarker = "<!--importmap-->"

// bootScript is the one classic (non-module) script: it runs in <head>
// before the page paints, so it is neither mapped nor preloaded as a module.
const bootScript = "/static/boot.js"

// Load reads an app tree (index.html, manifest.webmanifest, sw.js,
// static/…) and prepares everything the handler serves.
func Load(fsys fs.FS) (*App, error) {
	a := &App{byHashed: map[string]*asset{}, byPlain: map[string]*asset{}}
	if err := a.loadStatic(fsys); err != nil {
		return nil, err
	}
	indexSrc, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		return nil, fmt.Errorf("pwa: read shell: %w", err)
	}
	manifestSrc, err := fs.ReadFile(fsys, "manifest.webmanifest")
	if err != nil {
		return nil, fmt.Errorf("pwa: read manifest: %w", err)
	}
	workerSrc, err := fs.ReadFile(fsys, "sw.js")
	if err != nil {
		return nil, fmt.Errorf("pwa: read service worker: %w", err)
	}

	manifest, err := a.rewriteURLs(manifestSrc)
	if err != nil {
		return nil, fmt.Errorf("pwa: manifest: %w", err)
	}
	if !json.Valid(manifest) {
		return nil, fmt.Errorf("pwa: manifest.webmanifest is not valid JSON")
	}
	shell, importMap, err := a.renderShell(indexSrc)
	if err != nil {
		return nil, err
	}

	// The version covers every byte the app serves, so any change to any
	// file yields a new sw.js and thus a service worker update.
	h := sha256.New()
	for _, url := range a.sortedHashedURLs() {
		fmt.Fprintf(h, "%s\n", url)
	}
	h.Write(shell)
	h.Write(manifest)
	h.Write(workerSrc)
	a.Version = hex.EncodeToString(h.Sum(nil))[:16]

	worker, err := a.renderWorker(workerSrc)
	if err != nil {
		return nil, err
	}
	if a.frame, err = cutFrame(shell); err != nil {
		return nil, err
	}
	a.shell = newDocument("text/html; charset=utf-8", shell)
	a.manifest = newDocument("application/manifest+json", manifest)
	a.worker = newDocument("text/javascript; charset=utf-8", worker)
	sum := sha256.Sum256([]byte(importMap))
	a.csp = strings.Join([]string{
		"default-src 'self'",
		// The import map is the only inline script; Google Identity Services
		// (sign-in button) loads its script, styles and iframe from Google.
		"script-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "' https://accounts.google.com/gsi/client",
		"style-src 'self' https://accounts.google.com/gsi/style",
		"frame-src https://accounts.google.com/gsi/",
		"connect-src 'self' https://accounts.google.com/gsi/",
		// Posts and avatars show images from anywhere on the web.
		"img-src 'self' https: data:",
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
		"manifest-src 'self'",
		"worker-src 'self'",
	}, "; ")
	return a, nil
}

func newDocument(contentType string, body []byte) document {
	sum := sha256.Sum256(body)
	return document{contentType: contentType, etag: `"` + hex.EncodeToString(sum[:])[:20] + `"`, body: body}
}

func (a *App) loadStatic(fsys fs.FS) error {
	return fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("pwa: walk %s: %w", p, err)
		}
		if d.IsDir() {
			return nil
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("pwa: read %s: %w", p, err)
		}
		ct, ok := contentTypes[extension(p)]
		if !ok {
			return fmt.Errorf("pwa: %s: no content type for its extension (add one to contentTypes)", p)
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:10]
		plain := "/" + p
		ext := extension(p)
		as := &asset{
			plainURL:    plain,
			hashedURL:   strings.TrimSuffix(plain, ext) + "." + hash + ext,
			hash:        hash,
			contentType: ct,
			body:        body,
		}
		a.byPlain[as.plainURL] = as
		a.byHashed[as.hashedURL] = as
		return nil
	})
}

// extension is the last dot-suffix of the base name (".js", ".mjs").
func extension(p string) string {
	return path.Ext(p)
}

var contentTypes = map[string]string{
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".png":  "image/png",
	".svg":  "image/svg+xml",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
}

func (a *App) sortedHashedURLs() []string {
	urls := make([]string, 0, len(a.byHashed))
	for u := range a.byHashed {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	return urls
}

// quotedStatic finds "/static/…" references in the shell and the manifest.
var quotedStatic = regexp.MustCompile(`"(/static/[^"]+)"`)

// rewriteURLs replaces every quoted plain asset URL with its hashed URL; a
// reference to a file that does not exist is an error, not a broken link.
func (a *App) rewriteURLs(src []byte) ([]byte, error) {
	var missing []string
	out := quotedStatic.ReplaceAllFunc(src, func(m []byte) []byte {
		plain := string(m[1 : len(m)-1])
		as, ok := a.byPlain[plain]
		if !ok {
			missing = append(missing, plain)
			return m
		}
		return []byte(`"` + as.hashedURL + `"`)
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("references to missing assets: %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// renderShell rewrites index.html's asset URLs and puts the import map (and
// module preloads) where the <!--importmap--> marker stands.
func (a *App) renderShell(src []byte) (shell []byte, importMap string, err error) {
	if bytes.Count(src, []byte(importMapMarker)) != 1 {
		return nil, "", fmt.Errorf("pwa: index.html must hold the %s marker exactly once", importMapMarker)
	}
	out, err := a.rewriteURLs(src)
	if err != nil {
		return nil, "", fmt.Errorf("pwa: index.html: %w", err)
	}
	imports := map[string]string{}
	var preloads strings.Builder
	for _, as := range a.sortedAssets() {
		if as.contentType != contentTypes[".js"] || as.plainURL == bootScript {
			continue
		}
		imports[as.plainURL] = as.hashedURL
		fmt.Fprintf(&preloads, "\n  <link rel=\"modulepreload\" href=\"%s\">", as.hashedURL)
	}
	mapJSON, err := json.Marshal(map[string]any{"imports": imports})
	if err != nil {
		return nil, "", fmt.Errorf("pwa: import map: %w", err)
	}
	importMap = string(mapJSON)
	block := `<script type="importmap">` + importMap + `</script>` + preloads.String()
	return bytes.Replace(out, []byte(importMapMarker), []byte(block), 1), importMap, nil
}

func (a *App) sortedAssets() []*asset {
	urls := a.sortedHashedURLs()
	out := make([]*asset, len(urls))
	for i, u := range urls {
		out[i] = a.byHashed[u]
	}
	return out
}

// workerBuild is what the service worker learns about this build.
type workerBuild struct {
	Version  string   `json:"version"`
	Precache []string `json:"precache"`
	Routes   []string `json:"routes"`
	// PublicRoutes are the routes served as public pages: network first,
	// the shell when offline.
	PublicRoutes []string `json:"public_routes"`
}

// renderWorker prefixes sw.js with the build: its version, the URLs to
// precache (shell, manifest, every hashed asset) and the client routes that
// open the shell when offline.
func (a *App) renderWorker(src []byte) ([]byte, error) {
	b := workerBuild{Version: a.Version, Precache: []string{ShellPath, ManifestPath}}
	b.Precache = append(b.Precache, a.sortedHashedURLs()...)
	for _, r := range ClientRoutes {
		b.Routes = append(b.Routes, r.Regexp)
		if r.Public {
			b.PublicRoutes = append(b.PublicRoutes, r.Regexp)
		}
	}
	j, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("pwa: service worker build: %w", err)
	}
	return append([]byte("const BUILD = "+string(j)+";\n"), src...), nil
}

// AssetURL is the hashed URL of a plain asset URL ("/static/app.css"), or ""
// when there is no such asset.
func (a *App) AssetURL(plain string) string {
	if as, ok := a.byPlain[plain]; ok {
		return as.hashedURL
	}
	return ""
}

// AssetURLs lists every hashed asset URL, sorted.
func (a *App) AssetURLs() []string { return a.sortedHashedURLs() }
