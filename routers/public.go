package routers

import (
	"context"
	"html/template"

	"github.com/beego/beego/v2/server/web"

	"inkwell/comments"
	"inkwell/controllers"
	"inkwell/posts"
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

// publicComments fills a public post page's comments region from the
// comments rules: the anonymous default listing, through the same cache as
// GET /api/v1/posts/{id}/comments.
type publicComments struct {
	comments *comments.Service
	posts    *posts.Service
}

// publicCommentsOf is nil (no comments region) without a comments service.
func publicCommentsOf(c *comments.Service, p *posts.Service) public.CommentSection {
	if c == nil || p == nil {
		return nil
	}
	return publicComments{comments: c, posts: p}
}

// Version is the post's comment cache token: every comment write replaces it.
func (pc publicComments) Version(ctx context.Context, postID int64) (string, error) {
	return pc.comments.Version(ctx, postID)
}

// FirstPage is the first page of the post's comments, and its count of
// visible comments.
func (pc publicComments) FirstPage(ctx context.Context, postID int64) (public.CommentPage, error) {
	page, err := pc.comments.PublicFirstPage(ctx, postID)
	if err != nil {
		return public.CommentPage{}, err
	}
	p, err := pc.posts.Get(ctx, postID, 0)
	if err != nil {
		return public.CommentPage{}, err
	}
	return public.CommentPage{Total: p.CommentCount, Items: publicCommentList(page.Items)}, nil
}

func publicCommentList(in []comments.Comment) []public.Comment {
	out := make([]public.Comment, 0, len(in))
	for i := range in {
		c := &in[i]
		pc := public.Comment{ID: c.ID, Tombstone: c.Status != "visible", CreatedAt: c.CreatedAt,
			Replies: publicCommentList(c.Replies), MoreReplies: c.MoreReplies}
		if c.Author != nil {
			pc.AuthorID, pc.AuthorName = c.Author.ID, c.Author.Name
		}
		if c.BodyHTML != nil {
			// Sanitized when the comment was written (markdown.Render).
			pc.BodyHTML = template.HTML(*c.BodyHTML) //nolint:gosec // stored HTML is sanitized on write
		}
		out = append(out, pc)
	}
	return out
}
