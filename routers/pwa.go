package routers

import (
	"github.com/beego/beego/v2/server/web"

	"inkwell/controllers"
	"inkwell/pwa"
)

// registerPWA routes the web app's public files and its client-side screens
// (a reload on /posts/12 must open the app, not a JSON 404). Anything else,
// /api/* included, still falls through to the JSON 404.
func registerPWA() {
	// Beego would serve /static from a "static" folder in the working
	// directory; the app's assets are embedded instead.
	delete(web.BConfig.WebConfig.StaticDir, "/static")
	const methods = "get,head:Serve"
	web.Router(pwa.WorkerPath, &controllers.PWAController{}, methods)
	web.Router(pwa.ManifestPath, &controllers.PWAController{}, methods)
	web.Router(pwa.StaticPrefix+"*", &controllers.PWAController{}, methods)
	for _, r := range pwa.ClientRoutes {
		web.Router(r.Pattern, &controllers.PWAController{}, methods)
	}
}
