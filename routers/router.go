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
	"inkwell/swagger"
)

func init() {
	web.ErrorController(&controllers.ErrorController{})

	web.Router("/healthz", &controllers.HealthController{}, "get:Healthz")
	web.Router("/readyz", &controllers.HealthController{}, "get:Readyz")

	// Every /api/v1 route, present and future, sits behind this one filter
	// ("/api/v1/*" also matches "/api/v1" itself; tests/auth_routes_test.go
	// walks every registered route to prove it).
	web.InsertFilter("/api/v1/*", web.BeforeRouter, controllers.RequireUser)

	// Public sign-in helpers (API.md: the dev sign-in route is public when enabled).
	web.Router("/auth/config", &controllers.AuthController{}, "get:Config")
	web.Router("/auth/dev-login", &controllers.AuthController{}, "post:DevLogin")

	// API routes come from the @router annotations above each controller
	// method (compiled into commentsRouter.go by `bee generate routers`); the
	// same annotations feed `bee generate docs`, so the served routes and
	// swagger/ cannot drift apart unnoticed (tests/swagger_test.go).
	api := web.NewNamespace("/api/v1",
		web.NSNamespace("/me", web.NSInclude(&controllers.MeController{})),
		web.NSNamespace("/posts", web.NSInclude(&controllers.PostsController{})),
		web.NSNamespace("/wallet", web.NSInclude(&controllers.WalletController{})),
		web.NSNamespace("/transfers", web.NSInclude(&controllers.TransfersController{})),
	)
	web.AddNamespace(api)

	// The API explorer (public, API.md): spec and Swagger UI embedded in the binary.
	web.Handler("/swagger", swagger.Handler("/swagger/"), true)
}
