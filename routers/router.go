// Package routers maps URLs to controllers and installs the filters that
// guard them.
// @APIVersion 1.0.0
// @Title Inkwell API
// @Description Self-hostable community publishing: posts, likes, points. Every /api/v1 route needs `Authorization: Bearer <Google ID token>`.
// @SecurityDefinition bearerAuth apiKey Authorization header "Bearer <Google ID token>"
package routers

import (
	"github.com/beego/beego/v2/server/web"

	"inkwell/controllers"
)

func init() {
	web.ErrorController(&controllers.ErrorController{})

	web.Router("/healthz", &controllers.HealthController{}, "get:Healthz")
	web.Router("/readyz", &controllers.HealthController{}, "get:Readyz")

	// Every /api/v1 route, present and future, sits behind this one filter
	// ("/api/v1/*" also matches "/api/v1" itself; tests/auth_routes_test.go
	// walks every registered route to prove it).
	web.InsertFilter("/api/v1/*", web.BeforeRouter, controllers.RequireUser)
	web.Router("/api/v1/me", &controllers.MeController{}, "get:Get")
	web.Router("/api/v1/wallet", &controllers.WalletController{}, "get:Get")
	web.Router("/api/v1/wallet/entries", &controllers.WalletController{}, "get:Entries")
	web.Router("/api/v1/transfers", &controllers.TransfersController{}, "post:Create")
	web.Router("/api/v1/transfers/:id", &controllers.TransfersController{}, "get:Get")

	// Public sign-in helpers (API.md: the dev sign-in route is public when enabled).
	web.Router("/auth/config", &controllers.AuthController{}, "get:Config")
	web.Router("/auth/dev-login", &controllers.AuthController{}, "post:DevLogin")
}
