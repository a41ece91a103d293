package controllers

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"inkwell/apperror"
	"inkwell/live"
	"inkwell/ot"
)

// LiveController serves live co-editing of a post (API.md "Live
// co-editing"; docs/live.md): ops over HTTP, the state, tickets for the
// socket, collaborators. Every route sits behind the bearer-token filter.
type LiveController struct {
	APIController
	Live *live.Service
}

// EditInput is one submitted op.
type EditInput struct {
	// Rev is the revision the op was made on.
	Rev int64 `json:"rev"`
	// Op is an ot-text-unicode op (docs/live.md).
	Op json.RawMessage `json:"op" swaggertype:"array,object"`
	// ClientID names the editor session; Seq numbers its ops from 1.
	ClientID string `json:"client_id"`
	Seq      int64  `json:"seq"`
}

// EditsPage is the ops after a revision and the head.
type EditsPage struct {
	Rev int64        `json:"rev"`
	Ops []live.Entry `json:"ops"`
}

// Submit applies an op.
// @Title Submit
// @Summary Submit a live edit
// @Description Applies an op made on revision rev: it is transformed past every op sequenced after rev, appended as the new head and sent to every open socket. A resend with the same client_id and seq is applied once and answered like the first. Author and collaborators only.
// @Security bearerAuth
// @Param id path int true "post id"
// @Param body body controllers.EditInput true "rev, op (ot-text-unicode JSON), client_id ([A-Za-z0-9_-]{1,64}), seq (1, 2, 3, … per client_id)"
// @Success 200 {object} live.Applied the new head and the op as applied
// @Failure 400 validation_failed: bad op, client_id or seq, or an op that does not fit the text
// @Failure 401 unauthorized
// @Failure 403 forbidden: a published post you do not edit
// @Failure 404 not_found: no such post, or a draft you cannot see
// @Failure 409 conflict: rev is older than the op log or ahead of the head, reload the state; or the post is not a draft (fields.status; live co-editing is for drafts)
// @router /:id/edits [post]
func (c *LiveController) Submit() {
	id, err := c.PathID("post")
	if err != nil {
		c.RenderError(err)
		return
	}
	var in EditInput
	if err := c.DecodeJSON(&in); err != nil {
		c.RenderError(err)
		return
	}
	op, err := ot.Parse(in.Op)
	if err != nil {
		c.RenderError(apperror.Validation(map[string]string{"op": err.Error()}))
		return
	}
	a, err := c.Live.Submit(c.Ctx.Request.Context(), id, c.UserID(), live.Submission{Rev: in.Rev, Op: op, ClientID: in.ClientID, Seq: in.Seq})
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, a)
}

// Since answers the ops after a revision.
// @Title Since
// @Summary Live edits after a revision
// @Description The ops after since (exclusive), oldest first, and the head. Each op carries its client_id and seq, so a client recognizes its own. Author and collaborators only.
// @Security bearerAuth
// @Param id path int true "post id"
// @Param since query int true "a revision (>= 0)"
// @Success 200 {object} controllers.EditsPage
// @Failure 400 validation_failed: since is not a revision
// @Failure 401 unauthorized
// @Failure 403 forbidden: a published post you do not edit
// @Failure 404 not_found: no such post, or a draft you cannot see
// @Failure 409 conflict: since is older than the op log or ahead of the head, reload the state; or the post is not a draft (fields.status)
// @router /:id/edits [get]
func (c *LiveController) Since() {
	id, err := c.PathID("post")
	if err != nil {
		c.RenderError(err)
		return
	}
	since, err := strconv.ParseInt(c.Ctx.Input.Query("since"), 10, 64)
	if err != nil || since < 0 {
		c.RenderError(apperror.Validation(map[string]string{"since": "must be a revision (>= 0)"}))
		return
	}
	rev, ops, err := c.Live.Since(c.Ctx.Request.Context(), id, c.UserID(), since)
	if err != nil {
		c.RenderError(err)
		return
	}
	if ops == nil {
		ops = []live.Entry{}
	}
	c.RenderJSON(http.StatusOK, EditsPage{Rev: rev, Ops: ops})
}

// State answers the live text.
// @Title State
// @Summary Live text
// @Description The head revision and its text; a post nobody edits live starts from its body_markdown. A post that is not a draft answers its saved body and starts no session (live co-editing is for drafts; status says which). Author and collaborators only.
// @Security bearerAuth
// @Param id path int true "post id"
// @Success 200 {object} live.EditorState rev, text, collaborators (the user ids the author invited) and status (extensions)
// @Failure 401 unauthorized
// @Failure 403 forbidden: a published post you do not edit
// @Failure 404 not_found: no such post, or a draft you cannot see
// @router /:id/live/state [get]
func (c *LiveController) State() {
	id, err := c.PathID("post")
	if err != nil {
		c.RenderError(err)
		return
	}
	st, err := c.Live.State(c.Ctx.Request.Context(), id, c.UserID())
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, st)
}

// Ticket issues a WebSocket ticket.
// @Title Ticket
// @Summary Ticket for the live socket
// @Description A ticket for one GET /api/v1/posts/{id}/live?ticket= upgrade (browsers cannot send Authorization on a WebSocket): single use, for this post, valid 60 s. Author and collaborators only.
// @Security bearerAuth
// @Param id path int true "post id"
// @Success 201 {object} live.Ticket
// @Failure 401 unauthorized
// @Failure 403 forbidden: a published post you do not edit
// @Failure 404 not_found: no such post, or a draft you cannot see
// @Failure 409 conflict: the post is not a draft (fields.status; live co-editing is for drafts)
// @router /:id/live/ticket [post]
func (c *LiveController) Ticket() {
	id, err := c.PathID("post")
	if err != nil {
		c.RenderError(err)
		return
	}
	t, err := c.Live.IssueTicket(c.Ctx.Request.Context(), id, c.UserID())
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusCreated, t)
}

func (c *LiveController) collaborator() (post, user int64, err error) {
	if post, err = c.PathID("post"); err != nil {
		return 0, 0, err
	}
	user, err = strconv.ParseInt(c.Ctx.Input.Param(":user_id"), 10, 64)
	if err != nil || user < 1 {
		return 0, 0, apperror.New(apperror.CodeBadRequest, "the user id must be a positive integer")
	}
	return post, user, nil
}

// AddCollaborator lets a user edit the post.
// @Title AddCollaborator
// @Summary Invite a co-author
// @Description Lets user_id edit the post live; the author only. Adding someone twice is not an error.
// @Security bearerAuth
// @Param id path int true "post id"
// @Param user_id path int true "user id"
// @Success 204 added
// @Failure 400 validation_failed: the author cannot add themself
// @Failure 401 unauthorized
// @Failure 403 forbidden: not the author
// @Failure 404 not_found: no such post or user, or a draft you cannot see
// @router /:id/collaborators/:user_id [put]
func (c *LiveController) AddCollaborator() {
	post, user, err := c.collaborator()
	if err == nil {
		err = c.Live.AddCollaborator(c.Ctx.Request.Context(), post, c.UserID(), user)
	}
	if err != nil {
		c.RenderError(err)
		return
	}
	c.Ctx.Output.SetStatus(http.StatusNoContent)
}

// RemoveCollaborator stops a user editing the post.
// @Title RemoveCollaborator
// @Summary Remove a co-author
// @Description Takes user_id off the post: the author may remove anyone, a collaborator themself. Removing someone not on it is not an error.
// @Security bearerAuth
// @Param id path int true "post id"
// @Param user_id path int true "user id"
// @Success 204 removed
// @Failure 401 unauthorized
// @Failure 403 forbidden: not the author
// @Failure 404 not_found: no such post, or a draft you cannot see
// @router /:id/collaborators/:user_id [delete]
func (c *LiveController) RemoveCollaborator() {
	post, user, err := c.collaborator()
	if err == nil {
		err = c.Live.RemoveCollaborator(c.Ctx.Request.Context(), post, c.UserID(), user)
	}
	if err != nil {
		c.RenderError(err)
		return
	}
	c.Ctx.Output.SetStatus(http.StatusNoContent)
}

// LiveSocketController upgrades GET /api/v1/posts/{id}/live to the live
// socket. Its request carries a ticket instead of a bearer token, so the
// token filter lets exactly this request through (IsLiveSocketUpgrade) and
// the controller redeems the ticket before anything else.
type LiveSocketController struct {
	BaseController
	Live *live.Service
}

// liveSocketPath is the only path the token filter exempts.
var liveSocketPath = regexp.MustCompile(`^/api/v1/posts/[1-9]\d{0,18}/live$`)

// IsLiveSocketUpgrade reports whether r is a WebSocket upgrade of a post's
// live socket carrying a ticket: the one request under /api/v1 that the
// bearer-token filter leaves to the ticket.
func IsLiveSocketUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && liveSocketPath.MatchString(r.URL.Path) &&
		r.URL.Query().Get("ticket") != "" &&
		strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// Socket upgrades to the live socket.
// @Title Socket
// @Summary Live socket
// @Description Upgrades to a WebSocket carrying the post's ops and presence (docs/live.md, "The socket"). Authorized by a ticket from POST /api/v1/posts/{id}/live/ticket, not by a bearer token. With since=REV the socket starts with the ops after REV, else with the state.
// @Param id path int true "post id"
// @Param ticket query string true "a ticket for this post"
// @Param since query int false "a revision the client has"
// @Success 101 switching protocols
// @Failure 400 bad_request: not a WebSocket upgrade
// @Failure 401 unauthorized: the ticket is invalid, used or expired
// @Failure 403 forbidden: no longer an editor of this post
// @Failure 404 not_found: no longer an editor of this draft
// @router /:id/live [get]
func (c *LiveSocketController) Socket() {
	id, err := c.PathID("post")
	if err != nil {
		c.RenderError(err)
		return
	}
	if !IsLiveSocketUpgrade(c.Ctx.Request) {
		c.RenderError(apperror.New(apperror.CodeUnauthorized, "open this route as a WebSocket with a ticket from POST /api/v1/posts/{id}/live/ticket"))
		return
	}
	since := int64(-1)
	if s := c.Ctx.Input.Query("since"); s != "" {
		if since, err = strconv.ParseInt(s, 10, 64); err != nil || since < 0 {
			c.RenderError(apperror.Validation(map[string]string{"since": "must be a revision (>= 0)"}))
			return
		}
	}
	ctx := c.Ctx.Request.Context()
	user, err := c.Live.RedeemTicket(ctx, id, c.Ctx.Input.Query("ticket"))
	if err != nil {
		c.RenderError(err)
		return
	}
	conn, err := websocket.Accept(undeadlined{c.Ctx.ResponseWriter}, c.Ctx.Request, nil)
	if err != nil {
		return // Accept answered the client
	}
	// The socket outlives the request: the server's shutdown closes it
	// (live.Service.Shutdown), not the request's context.
	c.Live.ServeSocket(context.WithoutCancel(ctx), conn, id, user, since)
}

// undeadlined clears the deadlines http.Server set on the connection for
// the upgrade request (ReadTimeout), which a hijacked connection keeps.
type undeadlined struct{ http.ResponseWriter }

func (u undeadlined) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := u.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	conn, rw, err := hj.Hijack()
	if err == nil {
		_ = conn.SetDeadline(time.Time{})
	}
	return conn, rw, err
}
