package server

import "context"

// routeKey finds a request's route holder in its context.
type routeKey struct{}

// route is filled in once the router has matched the request.
type route struct{ pattern string }

// withRoute returns ctx carrying an empty route holder (MiddlewareWith
// adds one when the request is observed or traced).
func withRoute(ctx context.Context) context.Context {
	return context.WithValue(ctx, routeKey{}, &route{})
}

// SetRoute records the route pattern the router matched for the request
// whose context is ctx (Beego's RouterPattern, e.g. /api/v1/posts/:id),
// for its metrics and the name of its span. Without a holder (nothing
// observes the request) it does nothing.
func SetRoute(ctx context.Context, pattern string) {
	if h, ok := ctx.Value(routeKey{}).(*route); ok {
		h.pattern = pattern
	}
}

// RouteOf is the pattern SetRoute recorded for the request, "" when no
// route matched (or nothing observes the request).
func RouteOf(ctx context.Context) string {
	if h, ok := ctx.Value(routeKey{}).(*route); ok {
		return h.pattern
	}
	return ""
}
