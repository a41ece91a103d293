package routers

import (
	"github.com/beego/beego/v2/server/web"

	"inkwell/controllers"
	"inkwell/public"
)

// registerPublic routes the public reading surface (API.md "Public
// reading"; docs/public.md): no token, never under /api/v1. The app's
// screens /, /posts/{id}, /users/{id} and /tags/{tag} are these pages; the
// app takes them over in the browser of a signed-in visitor.
func registerPublic(app *web.HttpServer, site *public.Site) {
	const get = "get,head:"
	c := &controllers.PublicController{Site: site}
	app.Router("/", c, get+"Home")
	app.Router("/posts/:id([0-9]+)", c, get+"Post")
	app.Router("/posts/:id([0-9]+)/:slug", c, get+"Post")
	app.Router("/users/:id([0-9]+)", c, get+"User")
	app.Router("/tags/:tag", c, get+"Tag")
	app.Router("/feed.xml", c, get+"Feed")
	app.Router("/tags/:tag/feed.xml", c, get+"TagFeed")
	app.Router("/users/:id([0-9]+)/feed.xml", c, get+"UserFeed")
	app.Router("/sitemap.xml", c, get+"Sitemap")
	app.Router("/robots.txt", c, get+"Robots")
}
