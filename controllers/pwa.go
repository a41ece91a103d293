package controllers

import (
	"fmt"

	"inkwell/apperror"
	"inkwell/pwa"
)

// PWAController serves the installable web app: the shell on every client
// route, the manifest, the service worker and the hashed static assets.
// All of it is public (API.md); the app itself signs in to call /api/v1.
type PWAController struct {
	BaseController
}

// Serve answers a file of the embedded app, or the API's JSON 404 for an
// unknown static file (an old hash after a deploy, a typo).
// @Title Web app
// @Description The PWA: `/` and the client routes answer the app shell (text/html), `/manifest.webmanifest` the manifest, `/sw.js` the service worker, `/static/{name}.{hash}.{ext}` immutable assets.
// @Success 200 {string} the file
// @Failure 404 {object} controllers.ErrorBody
// @router / [get]
func (c *PWAController) Serve() {
	if pwa.Embedded().Serve(c.Ctx.ResponseWriter, c.Ctx.Request) {
		return
	}
	c.RenderError(apperror.NotFound(fmt.Sprintf("no such file: %s", c.Ctx.Request.URL.Path)))
}
