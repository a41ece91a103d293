package controllers

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/logging"
	"inkwell/public"
)

// PublicController serves the public reading surface (API.md "Public
// reading"): pages, Atom feeds, the sitemap and robots.txt, for anyone,
// without a token. Like the app it has no @router annotations: it is not
// part of the API (routes: routers/public.go).
type PublicController struct {
	BaseController
	Site *public.Site
}

// Home answers GET / with the latest posts.
func (c *PublicController) Home() {
	c.answer(c.Site.Home(c.ctx(), c.GetString("cursor")))
}

// Post answers GET /posts/{id} and GET /posts/{id}/{slug}.
func (c *PublicController) Post() {
	id, ok := c.id()
	if !ok {
		return
	}
	slug := c.Ctx.Input.Param(":slug")
	c.answer(c.Site.Post(c.ctx(), id, slug, slug != ""))
}

// Tag answers GET /tags/{tag}.
func (c *PublicController) Tag() {
	c.answer(c.Site.Tag(c.ctx(), c.Ctx.Input.Param(":tag"), c.GetString("cursor")))
}

// User answers GET /users/{id}.
func (c *PublicController) User() {
	if id, ok := c.id(); ok {
		c.answer(c.Site.User(c.ctx(), id, c.GetString("cursor")))
	}
}

// Feed answers GET /feed.xml.
func (c *PublicController) Feed() { c.answer(c.Site.Feed(c.ctx())) }

// TagFeed answers GET /tags/{tag}/feed.xml.
func (c *PublicController) TagFeed() {
	c.answer(c.Site.TagFeed(c.ctx(), c.Ctx.Input.Param(":tag")))
}

// UserFeed answers GET /users/{id}/feed.xml.
func (c *PublicController) UserFeed() {
	if id, ok := c.id(); ok {
		c.answer(c.Site.UserFeed(c.ctx(), id))
	}
}

// Sitemap answers GET /sitemap.xml.
func (c *PublicController) Sitemap() { c.answer(c.Site.Sitemap(c.ctx())) }

// Robots answers GET /robots.txt.
func (c *PublicController) Robots() { c.answer(c.Site.Robots(), nil) }

func (c *PublicController) ctx() context.Context { return c.Ctx.Request.Context() }

// id reads the {id} path segment; the route only matches digits, so a
// failure is an id too large for int64: no such page.
func (c *PublicController) id() (int64, bool) {
	id, err := strconv.ParseInt(c.Ctx.Input.Param(":id"), 10, 64)
	if err != nil || id < 1 {
		c.answer(c.Site.NotFound("Page not found", "There is nothing at this address."), nil)
		return 0, false
	}
	return id, true
}

func (c *PublicController) answer(res public.Response, err error) {
	if err != nil {
		loggerFor(c.ctx()).Error("public page failed", "request_id", logging.RequestID(c.ctx()),
			"path", c.Ctx.Request.URL.Path, "error", err.Error())
		res = c.Site.Failure()
		if ae, ok := apperror.As(err); database.IsUnavailable(err) || ok && ae.Code == apperror.CodeUnavailable {
			res = c.Site.Unavailable()
			c.Ctx.ResponseWriter.Header().Set("Retry-After", strconv.FormatInt(int64(UnavailableRetryAfter/time.Second), 10))
		}
	}
	WritePublic(c.Ctx.ResponseWriter, c.Ctx.Request, res)
}

// WritePublic writes a public response; a 200 with an ETag answers a
// matching If-None-Match with 304 (and HEAD without a body).
func WritePublic(w http.ResponseWriter, r *http.Request, res public.Response) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if res.CacheControl != "" {
		h.Set("Cache-Control", res.CacheControl)
	}
	if res.CSP != "" {
		h.Set("Content-Security-Policy", res.CSP)
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	}
	if res.Location != "" {
		h.Set("Location", res.Location)
	}
	if res.ContentType != "" {
		h.Set("Content-Type", res.ContentType)
	}
	if res.Status == http.StatusOK && res.ETag != "" {
		h.Set("ETag", res.ETag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(res.Body))
		return
	}
	w.WriteHeader(res.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(res.Body)
	}
}

type siteKey struct{}

// WithSite tells the error controller which public site renders HTML
// error pages for the serving app (routers.App sets it on every request).
func WithSite(ctx context.Context, s *public.Site) context.Context {
	return context.WithValue(ctx, siteKey{}, s)
}

// wantsPage reports whether r is a browser asking for a page outside the
// API, which gets the site's HTML not-found page rather than JSON.
func wantsPage(r *http.Request) (*public.Site, bool) {
	s, _ := r.Context().Value(siteKey{}).(*public.Site)
	if s == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return nil, false
	}
	if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/static/") {
		return nil, false
	}
	return s, strings.Contains(r.Header.Get("Accept"), "text/html")
}
