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
}
