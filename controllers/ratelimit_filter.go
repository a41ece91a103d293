package controllers

import (
	"net"
	"strconv"
	"time"

	"github.com/beego/beego/v2/server/web"
	beecontext "github.com/beego/beego/v2/server/web/context"

	"inkwell/apperror"
	"inkwell/metrics"
	"inkwell/ratelimit"
	"inkwell/server"
)

// LimitWrites returns the filter behind RequireUser on every /api/v1 route:
// each request that changes state (and any a rule names) spends one event
// of its limit, keyed by the signed-in user. Routes added later are covered
// without doing anything; a route that needs its own budget gets a rule.
func LimitWrites(lim *ratelimit.Limiter, rules ratelimit.Rules) web.FilterFunc {
	return func(ctx *beecontext.Context) {
		l, ok := rules.For(ctx.Request.Method, ctx.Request.URL.Path)
		if !ok {
			return
		}
		key := clientKey(ctx)
		if id, _ := ctx.Input.GetData(UserIDKey).(int64); id > 0 {
			key = ratelimit.UserKey(id)
		}
		spend(ctx, lim, key, l)
	}
}

// LimitByClient returns a filter spending one event of l per request of
// method, keyed by the client address (for routes used before sign-in).
func LimitByClient(lim *ratelimit.Limiter, method string, l ratelimit.Limit) web.FilterFunc {
	return func(ctx *beecontext.Context) {
		if ctx.Request.Method != method || l.Off() {
			return
		}
		spend(ctx, lim, clientKey(ctx), l)
	}
}

// clientKey is the request's client address as server.Forwarded resolved
// it (from a trusted proxy's header, never from anyone else's).
func clientKey(ctx *beecontext.Context) string {
	if c, ok := server.ClientFrom(ctx.Request.Context()); ok {
		return ratelimit.IPKey(c.IP)
	}
	return ratelimit.IPKey(peerHost(ctx.Request.RemoteAddr))
}

// spend asks lim and, when denied, answers 429; either way it sets the
// RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers, an extension
// of API.md). Writing a response stops Beego before the controller.
func spend(ctx *beecontext.Context, lim *ratelimit.Limiter, key string, l ratelimit.Limit) {
	r := lim.Allow(ctx.Request.Context(), key, l)
	if r.Remaining >= 0 {
		ctx.Output.Header("RateLimit-Limit", strconv.Itoa(l.Capacity()))
		ctx.Output.Header("RateLimit-Remaining", strconv.Itoa(r.Remaining))
		ctx.Output.Header("RateLimit-Reset", strconv.FormatInt(ceilSeconds(r.ResetAfter), 10))
		ctx.Output.Header("RateLimit-Policy", strconv.Itoa(l.Capacity())+";w="+strconv.FormatInt(ceilSeconds(l.Period), 10))
	}
	if !r.Allowed {
		WriteError(ctx, RateLimited(l, r))
	}
}

// RateLimited is the 429 for a denied decision.
func RateLimited(l ratelimit.Limit, r ratelimit.Result) *apperror.Error {
	metrics.RateLimited(l.Name)
	retry := r.RetryAfter
	if retry <= 0 {
		retry = time.Second
	}
	return &apperror.Error{Code: apperror.CodeRateLimited, RetryAfter: retry,
		Message: "too many requests (" + l.Name + ": " + l.String() + "); retry after " +
			strconv.FormatInt(ceilSeconds(retry), 10) + " s"}
}

func ceilSeconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}

func peerHost(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
