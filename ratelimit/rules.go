package ratelimit

import (
	"net/http"
	"regexp"
)

// Rule gives the requests matching Method and Path their own Limit instead
// of the default.
type Rule struct {
	// Method is an HTTP method, or "" for any method that changes state.
	Method string
	Path   *regexp.Regexp
	Limit  Limit
}

// Rules picks the limit for a request: the first matching rule, else
// Default for every method that changes state. Reads (GET, HEAD, OPTIONS)
// are free unless a rule names them: limiting them would tax every page
// view for no protection the write budget does not already give.
type Rules struct {
	Rules   []Rule
	Default Limit
}

// For returns the limit for method and path, or ok false when the request
// is not limited.
func (rs Rules) For(method, path string) (Limit, bool) {
	safe := method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
	for _, r := range rs.Rules {
		if r.Method == "" && safe || r.Method != "" && r.Method != method {
			continue
		}
		if r.Path.MatchString(path) {
			return r.Limit, !r.Limit.Off()
		}
	}
	if safe || rs.Default.Off() {
		return Limit{}, false
	}
	return rs.Default, true
}
