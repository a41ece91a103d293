package server

import (
	"net/http"
	"strings"
)

// secureHeaders sets the headers every answer carries, just before its
// header is written, whatever wrote it (Beego, the PWA, Swagger UI, a
// panic guard):
//
//   - no Server (or X-Powered-By) banner: Beego names itself and its
//     version in dev mode, which tells an attacker which advisories apply;
//   - X-Content-Type-Options: nosniff, so JSON is never sniffed as HTML;
//   - not frameable: X-Frame-Options: DENY for old browsers and
//     frame-ancestors 'none' added to the page's Content-Security-Policy
//     (or as the whole policy when it has none), against clickjacking of
//     the app and of Swagger UI's Authorize box;
//   - Cache-Control: no-store on every answer to a request that carries
//     credentials, so a shared cache or the browser's disk never keeps one
//     user's data.
func secureHeaders(h http.Header, r *http.Request) {
	h.Del("Server")
	h.Del("X-Powered-By")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	switch csp := h.Get("Content-Security-Policy"); {
	case csp == "":
		h.Set("Content-Security-Policy", "frame-ancestors 'none'")
	case !strings.Contains(csp, "frame-ancestors"):
		h.Set("Content-Security-Policy", strings.TrimRight(csp, "; ")+"; frame-ancestors 'none'")
	}
	if r.Header.Get("Authorization") != "" {
		h.Set("Cache-Control", "no-store")
	}
}
