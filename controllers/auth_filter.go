package controllers

import (
	"github.com/beego/beego/v2/server/web"
	beecontext "github.com/beego/beego/v2/server/web/context"

	"inkwell/apperror"
	"inkwell/auth"
	"inkwell/ratelimit"
)

// RequireUser returns the filter in front of every /api/v1 route: it lets
// the request through only with a bearer token authn accepts, leaving the
// caller's user id for UserID() and the auth.Principal in the request
// context. Otherwise it answers (401, or 503 when keys cannot be fetched)
// and, because it wrote a response, Beego runs no controller. Each rejected
// token spends one event of failures for the client's address; past the
// limit the answer is 429 instead of 401. Accepted tokens cost no decision.
func RequireUser(authn *auth.Authenticator, lim *ratelimit.Limiter, failures ratelimit.Limit) web.FilterFunc {
	return func(ctx *beecontext.Context) {
		if authn == nil {
			// Fail closed: a server wired without an authenticator lets no one in.
			WriteError(ctx, apperror.Unavailable("sign-in is not configured", nil))
			return
		}
		p, err := authn.Authenticate(ctx.Request.Context(), ctx.Request.Header.Get("Authorization"))
		if err != nil {
			if ae, ok := apperror.As(err); ok && ae.Code == apperror.CodeUnauthorized && lim != nil && !failures.Off() {
				if r := lim.Allow(ctx.Request.Context(), clientKey(ctx), failures); !r.Allowed {
					WriteError(ctx, RateLimited(failures, r))
					return
				}
			}
			WriteError(ctx, err)
			return
		}
		ctx.Input.SetData(UserIDKey, p.UserID)
		ctx.Request = ctx.Request.WithContext(auth.WithPrincipal(ctx.Request.Context(), p))
	}
}
