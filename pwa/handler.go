package pwa

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Cache policies. Hashed assets never change under their URL; everything
// with a fixed URL must be revalidated on every use (ETag makes that a 304).
const (
	cacheImmutable   = "public, max-age=31536000, immutable"
	cacheRevalidate  = "no-cache"
	headerCacheCtl   = "Cache-Control"
	headerCT         = "Content-Type"
	headerNoSniff    = "X-Content-Type-Options"
	headerReferrer   = "Referrer-Policy"
	referrerPolicy   = "strict-origin-when-cross-origin"
	headerCSP        = "Content-Security-Policy"
	headerWorkerScop = "Service-Worker-Allowed"
)

var clientRouteRegexps = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(ClientRoutes))
	for i, r := range ClientRoutes {
		out[i] = regexp.MustCompile(r.Regexp)
	}
	return out
}()

// IsClientRoute reports whether path is one of the app's screens.
func IsClientRoute(path string) bool {
	for _, re := range clientRouteRegexps {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

// Serve answers GET/HEAD r if its path belongs to the app and reports
// whether it did; the caller answers everything else (the API's JSON 404).
func (a *App) Serve(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	h := w.Header()
	h.Set(headerNoSniff, "nosniff")
	switch {
	case p == WorkerPath:
		// The worker's scope is the whole origin; it already sits at the
		// root, the header only makes that explicit.
		h.Set(headerWorkerScop, "/")
		serveDocument(w, r, a.worker, "")
		return true
	case p == ManifestPath:
		serveDocument(w, r, a.manifest, "")
		return true
	case strings.HasPrefix(p, StaticPrefix):
		return a.serveAsset(w, r)
	case p == ShellPath || IsClientRoute(p):
		h.Set(headerReferrer, referrerPolicy)
		serveDocument(w, r, a.shell, a.csp)
		return true
	}
	return false
}

func serveDocument(w http.ResponseWriter, r *http.Request, d document, csp string) {
	h := w.Header()
	h.Set(headerCT, d.contentType)
	h.Set(headerCacheCtl, cacheRevalidate)
	h.Set("ETag", d.etag)
	if csp != "" {
		h.Set(headerCSP, csp)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(d.body))
}

func (a *App) serveAsset(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	if as, ok := a.byHashed[r.URL.Path]; ok {
		h.Set(headerCT, as.contentType)
		h.Set(headerCacheCtl, cacheImmutable)
		h.Set("ETag", `"`+as.hash+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(as.body))
		return true
	}
	if as, ok := a.byPlain[r.URL.Path]; ok {
		// The plain URL still works (a browser without import maps, a
		// developer's curl) but must not be cached stale.
		h.Set(headerCT, as.contentType)
		h.Set(headerCacheCtl, cacheRevalidate)
		h.Set("ETag", `"`+as.hash+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(as.body))
		return true
	}
	return false
}
