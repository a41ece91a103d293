package controllers

import (
	"net/http"

	"inkwell/previews"
)

// PreviewsController answers link previews (docs/previews.md). The route
// sits under /api/v1, behind the bearer-token filter.
type PreviewsController struct {
	APIController
	Previews *previews.Service
}

// Get answers the preview card of a URL.
// @Title Get
// @Summary Preview a link
// @Description Title, description, image and site name of a page, from its Open Graph tags (then Twitter tags, <title>, meta description). The page is fetched through the SSRF-safe outbound client; the image is a copy in the media library, never the remote URL. Cached for 7 days (failures for an hour).
// @Security bearerAuth
// @Param url query string true "an http(s) URL"
// @Success 200 {object} previews.Preview
// @Failure 400 validation_failed (fields.url): bad URL, or a destination that is refused (private, loopback, special-purpose, port)
// @Failure 401 unauthorized
// @Failure 502 upstream_failed: the site failed or timed out
// @Failure 503 unavailable: the host's breaker is open (Retry-After)
// @router / [get]
func (c *PreviewsController) Get() {
	p, err := c.Previews.Get(c.Ctx.Request.Context(), c.Ctx.Input.Query("url"))
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, p)
}
