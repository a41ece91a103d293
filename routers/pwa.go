package routers

import (
	"github.com/beego/beego/v2/server/web"

	"inkwell/controllers"
	"inkwell/pwa"
)

// registerPWA routes the web app's public files and its client-side screens
// (a reload on /posts/12 must open the app, not a JSON 404). Anything else,
// /api/* included, still falls through to the JSON 404.
func registerPWA(app *web.HttpServer) {
	const methods = "get,head:Serve"
	shell := &controllers.PWAController{}
	app.Router(pwa.WorkerPath, shell, methods)
	app.Router(pwa.ManifestPath, shell, methods)
	app.Router(pwa.StaticPrefix+"*", shell, methods)
	app.Router(pwa.ShellPath, shell, methods)
	for _, r := range pwa.ClientRoutes {
		// Public routes are pages of their own (routers/public.go).
		if !r.Public {
			app.Router(r.Pattern, shell, methods)
		}
	}
}
