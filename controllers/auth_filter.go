package controllers

import (
	"github.com/beego/beego/v2/server/web"
	beecontext "github.com/beego/beego/v2/server/web/context"

	"inkwell/apperror"
	"inkwell/auth"
)

// RequireUser returns the filter in front of every /api/v1 route: it lets
// the request through only with a bearer token authn accepts, leaving the
// caller's user id for UserID() and the auth.Principal in the request
// context. Otherwise it answers (401, or 503 when keys cannot be fetched)
// and, because it wrote a response, Beego runs no controller.
func RequireUser(authn *auth.Authenticator) web.FilterFunc {
	return func(ctx *beecontext.Context) {
		if authn == nil {
			// Fail closed: a server wired without an authenticator lets no one in.
			WriteError(ctx, apperror.Unavailable("sign-in is not configured", nil))
			return
		}
		p, err := authn.Authenticate(ctx.Request.Context(), ctx.Request.Header.Get("Authorization"))
		if err != nil {
			WriteError(ctx, err)
			return
		}
		ctx.Input.SetData(UserIDKey, p.UserID)
		ctx.Request = ctx.Request.WithContext(auth.WithPrincipal(ctx.Request.Context(), p))
	}
}
