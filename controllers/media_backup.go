package controllers

import (
	"net/http"

	"inkwell/apperror"
	"inkwell/backup"
)

// MediaBackupController copies a post's external media into its author's
// library (docs/backup.md). The route sits under /api/v1/posts, behind
// the bearer-token filter, and spends from the writes budget.
type MediaBackupController struct {
	APIController
	Backup *backup.Service
}

// MediaBackupInput is the optional body of POST
// /api/v1/posts/{id}/media-backup. apply_to_source is an extension: the
// markdown's own destinations are rewritten to the copies (code untouched).
type MediaBackupInput struct {
	ApplyToSource bool `json:"apply_to_source"`
}

// Run copies the post's external images and videos.
// @Title MediaBackup
// @Summary Back up a post's external media
// @Description Copies every external image and video the post shows (img src, markdown images, links to media files) into the author's library, folder backup/{id}, through the SSRF-safe outbound client and the media pipeline; the post's rendered HTML then points at the copies. Idempotent: a second call fetches nothing and reports the copies under already. Failures are retried with backoff (1 m, 10 m, 1 h, 6 h, 24 h). The body is optional; {"apply_to_source": true} (an extension) also rewrites the markdown's destinations, code untouched. Copies not started within the request's time are reported as failed with that reason; call again to continue.
// @Security bearerAuth
// @Param id path int true "post id"
// @Param body body controllers.MediaBackupInput false "optional: apply_to_source"
// @Success 200 {object} backup.Report
// @Failure 400 bad_request: the id is not a positive integer, or a malformed body
// @Failure 401 unauthorized
// @Failure 403 forbidden: someone else's post
// @Failure 404 not_found: no such post, or someone else's draft
// @Failure 415 unsupported_media_type: a body that is not application/json
// @Failure 429 rate_limited
// @router /:id/media-backup [post]
func (c *MediaBackupController) Run() {
	if c.Backup == nil {
		c.RenderError(apperror.Unavailable("media backup is not configured on this server", nil))
		return
	}
	id, err := c.PathID("post")
	if err != nil {
		c.RenderError(err)
		return
	}
	var in MediaBackupInput
	if c.Ctx.Request.ContentLength != 0 {
		if err := c.DecodeJSON(&in); err != nil {
			c.RenderError(err)
			return
		}
	}
	rep, err := c.Backup.Post(c.Ctx.Request.Context(), id, c.UserID(), backup.RunOptions{ApplyToSource: in.ApplyToSource})
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, rep)
}
