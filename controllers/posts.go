package controllers

import (
	"net/http"
	"strconv"

	"inkwell/apperror"
	"inkwell/posts"
)

// PostsController serves markdown posts and their likes. Every route sits
// under /api/v1, behind the bearer-token filter.
type PostsController struct {
	APIController
	Posts *posts.Service
}

func (c *PostsController) postID() (int64, error) { return c.PathID("post") }

// Create writes a new post.
// @Title Create
// @Summary Create a post
// @Description Creates a post by the caller; status defaults to draft. Markdown is rendered and sanitized into body_html. Publishing for the first time earns the author 10 points.
// @Security bearerAuth
// @Param body body posts.CreateInput true "title (1-200 chars), body_markdown (up to 200,000 chars), tags (up to 10 of [a-z0-9-]{1,32}), status (draft|published)"
// @Param Idempotency-Key header string false "optional, 1-100 visible ASCII characters: a repeat with the same key by the same user creates nothing and answers the first post (Idempotent-Replayed: true)"
// @Success 201 {object} posts.Post the new post; Location names it
// @Failure 400 validation_failed (fields says which) or bad_request (malformed JSON)
// @Failure 401 unauthorized
// @Failure 413 too_large: body over 1 MiB
// @Failure 415 unsupported_media_type: send application/json
// @router / [post]
func (c *PostsController) Create() {
	key, err := c.IdempotencyKey()
	if err != nil {
		c.RenderError(err)
		return
	}
	var in posts.CreateInput
	if err := c.DecodeJSON(&in); err != nil {
		c.RenderError(err)
		return
	}
	p, replayed, err := c.Posts.CreateOnce(c.Ctx.Request.Context(), c.UserID(), key, in)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderCreated("/api/v1/posts/"+strconv.FormatInt(p.ID, 10), p, replayed)
}

// List answers the feed, or the caller's drafts with status=draft.
// @Title List
// @Summary Feed
// @Description Published posts, newest first, in keyset pages: pass next_cursor back as cursor for the next page (null on the last page). With status=draft: the caller's own drafts, newest first (author, if given, must be the caller; no tag).
// @Security bearerAuth
// @Param limit query int false "page size, 1-100 (default 20)"
// @Param cursor query string false "next_cursor of the previous page"
// @Param tag query string false "only posts with this tag"
// @Param author query int false "only posts by this user id"
// @Param status query string false "published (default) or draft (your own drafts)"
// @Success 200 {object} posts.FeedPage
// @Failure 400 validation_failed: bad limit, cursor, tag, author or status
// @Failure 401 unauthorized
// @router / [get]
func (c *PostsController) List() {
	q := c.Ctx.Input
	switch q.Query("status") {
	case "", "published":
	case "draft":
		c.listDrafts()
		return
	default:
		c.RenderError(apperror.Validation(map[string]string{"status": "must be published or draft"}))
		return
	}
	req, err := posts.ParseFeedRequest(q.Query("limit"), q.Query("cursor"), q.Query("tag"), q.Query("author"))
	if err != nil {
		c.RenderError(err)
		return
	}
	page, err := c.Posts.Feed(c.Ctx.Request.Context(), c.UserID(), req)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, page)
}

func (c *PostsController) listDrafts() {
	q := c.Ctx.Input
	req, err := posts.ParseDraftsRequest(q.Query("limit"), q.Query("cursor"), q.Query("tag"), q.Query("author"), c.UserID())
	if err != nil {
		c.RenderError(err)
		return
	}
	page, err := c.Posts.Drafts(c.Ctx.Request.Context(), c.UserID(), req)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, page)
}

// Get answers one post.
// @Title Get
// @Summary Read a post
// @Description One post, from the cache when possible. A draft is visible to its author only.
// @Security bearerAuth
// @Param id path int true "post id"
// @Success 200 {object} posts.Post
// @Failure 400 bad_request: the id is not a positive integer
// @Failure 401 unauthorized
// @Failure 404 not_found: no such post, or someone else's draft
// @router /:id [get]
func (c *PostsController) Get() {
	id, err := c.postID()
	if err != nil {
		c.RenderError(err)
		return
	}
	body, err := c.Posts.GetJSON(c.Ctx.Request.Context(), id, c.UserID())
	if err != nil {
		c.RenderError(err)
		return
	}
	c.Ctx.Output.Header("Content-Type", "application/json; charset=utf-8")
	c.Ctx.Output.SetStatus(http.StatusOK)
	_ = c.Ctx.Output.Body(body)
}

// Update edits a post.
// @Title Update
// @Summary Edit a post
// @Description Changes the fields present in the body; author only. Publishing a draft for the first time earns the author 10 points.
// @Security bearerAuth
// @Param id path int true "post id"
// @Param body body posts.UpdateInput true "any of title, body_markdown, tags, status"
// @Success 200 {object} posts.Post
// @Failure 400 validation_failed or bad_request
// @Failure 401 unauthorized
// @Failure 403 forbidden: someone else's post
// @Failure 404 not_found: no such post, or someone else's draft
// @Failure 413 too_large: body over 1 MiB
// @Failure 415 unsupported_media_type: send application/json
// @router /:id [patch]
func (c *PostsController) Update() {
	id, err := c.postID()
	if err != nil {
		c.RenderError(err)
		return
	}
	var in posts.UpdateInput
	if err := c.DecodeJSON(&in); err != nil {
		c.RenderError(err)
		return
	}
	p, err := c.Posts.Update(c.Ctx.Request.Context(), id, c.UserID(), in)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, p)
}

// Delete removes a post.
// @Title Delete
// @Summary Delete a post
// @Description Deletes the post with its likes and tags; author only. Points already earned stay.
// @Security bearerAuth
// @Param id path int true "post id"
// @Success 204 deleted
// @Failure 400 bad_request: the id is not a positive integer
// @Failure 401 unauthorized
// @Failure 403 forbidden: someone else's post
// @Failure 404 not_found: no such post, or someone else's draft
// @router /:id [delete]
func (c *PostsController) Delete() {
	id, err := c.postID()
	if err != nil {
		c.RenderError(err)
		return
	}
	if err := c.Posts.Delete(c.Ctx.Request.Context(), id, c.UserID()); err != nil {
		c.RenderError(err)
		return
	}
	c.Ctx.Output.SetStatus(http.StatusNoContent)
}

// Like likes a post.
// @Title Like
// @Summary Like a post
// @Description The caller likes the post; repeating it changes nothing. Each new like earns the author 1 point (not for liking your own post).
// @Security bearerAuth
// @Param id path int true "post id"
// @Success 200 {object} posts.LikeState
// @Failure 400 bad_request: the id is not a positive integer
// @Failure 401 unauthorized
// @Failure 404 not_found: no such post, or someone else's draft
// @router /:id/like [put]
func (c *PostsController) Like() {
	c.setLike(true)
}

// Unlike takes a like back.
// @Title Unlike
// @Summary Unlike a post
// @Description The caller's like is removed, with the point it earned; repeating it changes nothing.
// @Security bearerAuth
// @Param id path int true "post id"
// @Success 200 {object} posts.LikeState
// @Failure 400 bad_request: the id is not a positive integer
// @Failure 401 unauthorized
// @Failure 404 not_found: no such post, or someone else's draft
// @router /:id/like [delete]
func (c *PostsController) Unlike() {
	c.setLike(false)
}

func (c *PostsController) setLike(like bool) {
	id, err := c.postID()
	if err != nil {
		c.RenderError(err)
		return
	}
	set := c.Posts.Unlike
	if like {
		set = c.Posts.Like
	}
	state, err := set(c.Ctx.Request.Context(), id, c.UserID())
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, state)
}
