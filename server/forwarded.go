package server

import "net/http"

// Forwarded resolves the real client of each request (see TrustedProxies)
// before anything else runs, so the access log, Beego's Input.IP/Scheme and
// later the rate limits all see the same answer. nil proxies trusts no one.
func Forwarded(proxies *TrustedProxies, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := proxies.resolve(r)
		next.ServeHTTP(w, r.WithContext(withClient(r.Context(), c)))
	})
}
