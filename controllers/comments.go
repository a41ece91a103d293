package controllers

import (
	"net/http"
	"strconv"

	"inkwell/comments"
)

// PostCommentsController serves a post's comment thread: its listing and
// new comments on it (/api/v1/posts/{id}/comments).
type PostCommentsController struct {
	APIController
	Comments *comments.Service
}

// CommentsController serves one comment: reading it with its thread,
// replies, edits, deletion, votes, likes and reports (/api/v1/comments/{id}).
type CommentsController struct {
	APIController
	Comments *comments.Service
}

// renderRaw answers 200 with JSON the domain already encoded (cached pages).
func (c *BaseController) renderRaw(body []byte) {
	c.Ctx.Output.Header("Content-Type", "application/json; charset=utf-8")
	c.Ctx.Output.SetStatus(http.StatusOK)
	_ = c.Ctx.Output.Body(body)
}

func (c *BaseController) listRequest() (comments.ListRequest, error) {
	q := c.Ctx.Input
	return comments.ParseListRequest(q.Query("sort"), q.Query("limit"), q.Query("depth"), q.Query("cursor"))
}

// Create writes a comment on a post.
// @Title Create
// @Summary Comment on a post
// @Description Adds the caller's comment to the post, at top level or as a reply (parent_id). Markdown is rendered and sanitized into body_html. A reply to a comment at depth 10 is stored as its sibling (the answer's parent_id says where it went).
// @Security bearerAuth
// @Param id path int true "post id"
// @Param body body comments.CreateInput true "body_markdown (1-10,000 characters), parent_id (optional: a visible comment of the same post)"
// @Param Idempotency-Key header string false "optional, 1-100 visible ASCII characters: a repeat with the same key by the same user creates nothing and answers the first comment (Idempotent-Replayed: true)"
// @Success 201 {object} comments.Comment the new comment; Location names it
// @Failure 400 validation_failed (fields.body_markdown or fields.parent_id) or bad_request (malformed JSON or Idempotency-Key)
// @Failure 401 unauthorized
// @Failure 404 not_found: no such post, or someone else's draft
// @Failure 413 too_large: body over 1 MiB
// @Failure 415 unsupported_media_type: send application/json
// @router /:id/comments [post]
func (c *PostCommentsController) Create() {
	post, err := c.PathID("post")
	if err != nil {
		c.RenderError(err)
		return
	}
	key, err := c.IdempotencyKey()
	if err != nil {
		c.RenderError(err)
		return
	}
	var in comments.CreateInput
	if err := c.DecodeJSON(&in); err != nil {
		c.RenderError(err)
		return
	}
	cm, replayed, err := c.Comments.CreateOnce(c.Ctx.Request.Context(), post, c.UserID(), key, in)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderCreated("/api/v1/comments/"+strconv.FormatInt(cm.ID, 10), cm, replayed)
}

// List answers a page of a post's top-level comments with their replies.
// @Title List
// @Summary A post's comments
// @Description Top-level comments in the chosen order, each with its replies nested down to depth levels (replies use the same order). A node shows at most 5 replies and a page at most 200 comments; more_replies counts the direct replies left out (GET /comments/{id}/replies, or GET /comments/{id} at the depth limit). A deleted comment stays as a tombstone (author and body null) only while it has visible replies. Pass next_cursor back as cursor for the next page (null on the last); ranked sorts page exactly for 10 minutes after the first page (docs/comments.md).
// @Security bearerAuth
// @Param id path int true "post id"
// @Param sort query string false "new, old, top (up - down), replies (reply_count) or best (Wilson lower bound; default)"
// @Param limit query int false "top-level comments per page, 1-100 (default 20)"
// @Param depth query int false "levels of replies, 0-10 (default 3)"
// @Param cursor query string false "next_cursor of the previous page (same post and sort)"
// @Success 200 {object} comments.Page
// @Failure 400 validation_failed (sort, limit, depth) or bad_request (a cursor not from this listing)
// @Failure 401 unauthorized
// @Failure 404 not_found: no such post, or someone else's draft
// @router /:id/comments [get]
func (c *PostCommentsController) List() {
	post, err := c.PathID("post")
	if err != nil {
		c.RenderError(err)
		return
	}
	req, err := c.listRequest()
	if err != nil {
		c.RenderError(err)
		return
	}
	body, err := c.Comments.ListJSON(c.Ctx.Request.Context(), post, c.UserID(), req)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.renderRaw(body)
}

func (c *CommentsController) commentID() (int64, error) { return c.PathID("comment") }

// Get answers one comment with its replies and ancestors.
// @Title Get
// @Summary Read a comment and its thread
// @Description The comment with its replies nested down to depth levels, and ancestors: the chain from the top-level comment down to its parent (each with replies [] and more_replies counting its replies). Where a deep thread continues.
// @Security bearerAuth
// @Param id path int true "comment id"
// @Param sort query string false "order of the replies: new, old, top, replies or best (default)"
// @Param depth query int false "levels of replies, 0-10 (default 3)"
// @Success 200 {object} comments.Thread
// @Failure 400 validation_failed (sort, depth) or bad_request (the id)
// @Failure 401 unauthorized
// @Failure 404 not_found: no such comment, one that left the listings, or on a post the caller cannot see
// @router /:id [get]
func (c *CommentsController) Get() {
	id, err := c.commentID()
	if err != nil {
		c.RenderError(err)
		return
	}
	q := c.Ctx.Input
	req, err := comments.ParseListRequest(q.Query("sort"), "", q.Query("depth"), "")
	if err != nil {
		c.RenderError(err)
		return
	}
	body, err := c.Comments.GetJSON(c.Ctx.Request.Context(), id, c.UserID(), req.Sort, req.Depth)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.renderRaw(body)
}

// Replies answers a page of a comment's direct replies.
// @Title Replies
// @Summary A comment's replies
// @Description The direct replies of the comment, each with its own replies down to depth levels, in pages as the post's listing.
// @Security bearerAuth
// @Param id path int true "comment id"
// @Param sort query string false "new, old, top, replies or best (default)"
// @Param limit query int false "replies per page, 1-100 (default 20)"
// @Param depth query int false "levels of replies below each, 0-10 (default 3)"
// @Param cursor query string false "next_cursor of the previous page (same comment and sort)"
// @Success 200 {object} comments.Page
// @Failure 400 validation_failed (sort, limit, depth) or bad_request (the id, a cursor not from this listing)
// @Failure 401 unauthorized
// @Failure 404 not_found: no such comment, or on a post the caller cannot see
// @router /:id/replies [get]
func (c *CommentsController) Replies() {
	id, err := c.commentID()
	if err != nil {
		c.RenderError(err)
		return
	}
	req, err := c.listRequest()
	if err != nil {
		c.RenderError(err)
		return
	}
	body, err := c.Comments.RepliesJSON(c.Ctx.Request.Context(), id, c.UserID(), req)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.renderRaw(body)
}

// Update edits a comment.
// @Title Update
// @Summary Edit a comment
// @Description Replaces the body; author only. The replaced text is kept as a revision and edited_at is set (an edit to the same text changes nothing).
// @Security bearerAuth
// @Param id path int true "comment id"
// @Param body body comments.EditInput true "body_markdown (1-10,000 characters)"
// @Success 200 {object} comments.Comment
// @Failure 400 validation_failed (fields.body_markdown) or bad_request
// @Failure 401 unauthorized
// @Failure 403 forbidden: someone else's comment
// @Failure 404 not_found: no such visible comment
// @Failure 413 too_large: body over 1 MiB
// @Failure 415 unsupported_media_type: send application/json
// @router /:id [patch]
func (c *CommentsController) Update() {
	id, err := c.commentID()
	if err != nil {
		c.RenderError(err)
		return
	}
	var in comments.EditInput
	if err := c.DecodeJSON(&in); err != nil {
		c.RenderError(err)
		return
	}
	cm, err := c.Comments.Edit(c.Ctx.Request.Context(), id, c.UserID(), in)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, cm)
}

// Delete deletes or removes a comment.
// @Title Delete
// @Summary Delete a comment
// @Description Its author deletes it (status deleted); the post's author or a moderator removes it (status removed); anyone else 403. With visible replies it stays as a tombstone, without it leaves every listing. Repeating it changes nothing.
// @Security bearerAuth
// @Param id path int true "comment id"
// @Success 204 deleted
// @Failure 400 bad_request: the id is not a positive integer
// @Failure 401 unauthorized
// @Failure 403 forbidden: neither the comment's author, the post's author nor a moderator
// @Failure 404 not_found: no such comment, or on a post the caller cannot see
// @router /:id [delete]
func (c *CommentsController) Delete() {
	id, err := c.commentID()
	if err != nil {
		c.RenderError(err)
		return
	}
	if err := c.Comments.Delete(c.Ctx.Request.Context(), id, c.UserID()); err != nil {
		c.RenderError(err)
		return
	}
	c.Ctx.Output.SetStatus(http.StatusNoContent)
}

// Vote sets the caller's vote on a comment.
// @Title Vote
// @Summary Vote on a comment
// @Description Sets the caller's vote: 1 up, -1 down, 0 none. Repeating it changes nothing.
// @Security bearerAuth
// @Param id path int true "comment id"
// @Param body body comments.VoteInput true "value: 1, -1 or 0"
// @Success 200 {object} comments.VoteState
// @Failure 400 validation_failed (fields.value), bad_request, or a comment that is not visible
// @Failure 401 unauthorized
// @Failure 404 not_found: no such comment, or on a post the caller cannot see
// @Failure 415 unsupported_media_type: send application/json
// @router /:id/vote [put]
func (c *CommentsController) Vote() {
	id, err := c.commentID()
	if err != nil {
		c.RenderError(err)
		return
	}
	var in comments.VoteInput
	if err := c.DecodeJSON(&in); err != nil {
		c.RenderError(err)
		return
	}
	state, err := c.Comments.Vote(c.Ctx.Request.Context(), id, c.UserID(), in)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, state)
}

// Like likes a comment.
// @Title Like
// @Summary Like a comment
// @Description The caller likes the comment; repeating it changes nothing. The first like a user ever gives a comment earns its author 1 point (not for your own comment; within the daily cap on likes received).
// @Security bearerAuth
// @Param id path int true "comment id"
// @Success 200 {object} comments.LikeState
// @Failure 400 bad_request: the id, or a comment that is not visible
// @Failure 401 unauthorized
// @Failure 404 not_found: no such comment, or on a post the caller cannot see
// @router /:id/like [put]
func (c *CommentsController) Like() {
	c.setLike(true)
}

// Unlike takes a like back.
// @Title Unlike
// @Summary Unlike a comment
// @Description The caller's like is removed; the point it earned stays (paid once per liker and comment). Repeating it changes nothing.
// @Security bearerAuth
// @Param id path int true "comment id"
// @Success 200 {object} comments.LikeState
// @Failure 400 bad_request: the id is not a positive integer
// @Failure 401 unauthorized
// @Failure 404 not_found: no such comment, or on a post the caller cannot see
// @router /:id/like [delete]
func (c *CommentsController) Unlike() {
	c.setLike(false)
}

func (c *CommentsController) setLike(like bool) {
	id, err := c.commentID()
	if err != nil {
		c.RenderError(err)
		return
	}
	set := c.Comments.Unlike
	if like {
		set = c.Comments.Like
	}
	state, err := set(c.Ctx.Request.Context(), id, c.UserID())
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, state)
}

// Report reports a comment to the moderators.
// @Title Report
// @Summary Report a comment
// @Description Records the caller's report with a reason; one per user and comment (a repeat changes nothing).
// @Security bearerAuth
// @Param id path int true "comment id"
// @Param body body comments.ReportInput true "reason (1-500 characters)"
// @Success 202 accepted
// @Failure 400 validation_failed (fields.reason), bad_request, or a comment that is not visible
// @Failure 401 unauthorized
// @Failure 404 not_found: no such comment, or on a post the caller cannot see
// @Failure 415 unsupported_media_type: send application/json
// @router /:id/reports [post]
func (c *CommentsController) Report() {
	id, err := c.commentID()
	if err != nil {
		c.RenderError(err)
		return
	}
	var in comments.ReportInput
	if err := c.DecodeJSON(&in); err != nil {
		c.RenderError(err)
		return
	}
	if err := c.Comments.Report(c.Ctx.Request.Context(), id, c.UserID(), in); err != nil {
		c.RenderError(err)
		return
	}
	c.Ctx.Output.SetStatus(http.StatusAccepted)
}
