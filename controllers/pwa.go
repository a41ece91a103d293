package controllers

import (
	"fmt"

	"inkwell/apperror"
	"inkwell/pwa"
)

// PWAController serves the installable web app: the shell on every client
// route, the manifest, the service worker and the hashed static assets.
// All of it is public (docs/api.md); the app itself signs in to call /api/v1.
type PWAController struct {
	BaseController
}

// Serve answers a file of the embedded app, or the API's JSON 404 for an
// unknown static file (an old hash after a deploy, a typo). The app is not
// part of the API, so it carries no @router annotation: `bee generate
// routers/docs` must not list it (routes: routers/pwa.go).
func (c *PWAController) Serve() {
	if pwa.Embedded().Serve(c.Ctx.ResponseWriter, c.Ctx.Request) {
		return
	}
	c.RenderError(apperror.NotFound(fmt.Sprintf("no such file: %s", c.Ctx.Request.URL.Path)))
}
