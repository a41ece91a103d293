package controllers

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"inkwell/apperror"
	"inkwell/media"
)

// MediaController serves the caller's media library (docs/media.md). Every
// route sits under /api/v1, behind the bearer-token filter.
type MediaController struct {
	APIController
	Media *media.Service
}

// maxFieldBytes bounds the folder and name parts of an upload (a name is at
// most 200 characters, 800 bytes of UTF-8).
const maxFieldBytes = 4 << 10

// Upload adds a file to the caller's library.
// @Title Upload
// @Summary Upload a file
// @Description multipart/form-data with file, optional folder (up to 5 /-separated segments of [a-z0-9_-]{1,64}) and name. The type comes from the bytes: JPEG, PNG, GIF, WebP, MP4, WebM. Images are re-encoded upright without EXIF/GPS and get thumbnails. Files are content-addressed per user: the same bytes uploaded again answer the existing item with 200 (wherever it is) instead of 201. With an Idempotency-Key, a repeat of an upload that succeeded answers 201 with Idempotent-Replayed: true.
// @Security bearerAuth
// @Param file formData file true "the file (at most MAX_UPLOAD_BYTES, 20 MiB by default)"
// @Param folder formData string false "folder, ” for the root"
// @Param name formData string false "1-200 characters; default: named after the content"
// @Param Idempotency-Key header string false "optional, 1-100 visible ASCII characters"
// @Success 201 {object} media.Item the new item; Location names it
// @Success 200 {object} media.Item the same bytes were already in the library
// @Failure 400 validation_failed (fields.file, fields.folder, fields.name) or bad_request (not multipart, no file)
// @Failure 401 unauthorized
// @Failure 413 too_large: over MAX_UPLOAD_BYTES
// @Failure 415 unsupported_media_type: the bytes are not an accepted type
// @router / [post]
func (c *MediaController) Upload() {
	key, err := c.IdempotencyKey()
	if err != nil {
		c.RenderError(err)
		return
	}
	in, err := c.readUpload()
	if in.Spooled != nil {
		defer func() { _ = in.Spooled.Close() }() // a leftover temp file does not change the answer
	}
	if err != nil {
		c.RenderError(err)
		return
	}
	in.Owner = c.UserID()
	it, created, err := c.Media.Upload(c.Ctx.Request.Context(), in)
	if err != nil {
		c.RenderError(err)
		return
	}
	if created || key != "" {
		// Uploads are content-addressed: a repeat with its key carries the
		// same bytes and finds the item the first attempt made.
		c.RenderCreated("/api/v1/media/"+strconv.FormatInt(it.ID, 10), it, !created)
		return
	}
	c.RenderJSON(http.StatusOK, it)
}

// readUpload reads the multipart parts in the order they come: folder and
// name (small), and the one file, spooled to a temporary file as it
// streams in, never held in memory.
func (c *MediaController) readUpload() (media.UploadInput, error) {
	var in media.UploadInput
	body, ct := c.UploadBody()
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return in, apperror.New(apperror.CodeUnsupportedMedia, "send the upload as multipart/form-data")
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return in, uploadReadError(err)
		}
		switch part.FormName() {
		case "file":
			if in.Spooled != nil {
				return in, apperror.Validation(map[string]string{"file": "send one file per request"})
			}
			if in.Spooled, err = c.Media.Spool(part); err != nil {
				return in, uploadReadError(err)
			}
		case "folder", "name":
			v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return in, uploadReadError(err)
			}
			if len(v) > maxFieldBytes {
				return in, apperror.Validation(map[string]string{part.FormName(): "too long"})
			}
			if part.FormName() == "folder" {
				in.Folder = string(v)
			} else {
				in.Name = string(v)
			}
		}
		// Other parts are skipped; the body limit bounds them.
	}
	if in.Spooled == nil {
		return in, apperror.Validation(map[string]string{"file": "required"})
	}
	return in, nil
}

// uploadReadError maps a failure to read the body: over the route's body
// limit is 413 like a file over the upload limit; a broken multipart body
// is 400.
func uploadReadError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return apperror.New(apperror.CodeTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxErr.Limit))
	}
	if _, ok := apperror.As(err); ok {
		return err
	}
	return apperror.New(apperror.CodeBadRequest, "the multipart body could not be read: "+err.Error())
}

// List answers a folder of the caller's library.
// @Title List
// @Summary List a folder
// @Description The items directly in folder, newest first, in keyset pages, and its direct subfolders (full paths). Served from the cache; every write invalidates it.
// @Security bearerAuth
// @Param folder query string false "folder, ” (default) for the root"
// @Param limit query int false "page size, 1-100 (default 50)"
// @Param cursor query string false "next_cursor of the previous page"
// @Success 200 {object} media.Page
// @Failure 400 validation_failed: bad folder, limit or cursor
// @Failure 401 unauthorized
// @router / [get]
func (c *MediaController) List() {
	q := c.PageQuery()
	req, err := media.ParseListRequest(c.Ctx.Input.Query("folder"), q.Limit, q.Cursor)
	if err != nil {
		c.RenderError(err)
		return
	}
	body, err := c.Media.ListJSON(c.Ctx.Request.Context(), c.UserID(), req)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.Ctx.Output.Header("Content-Type", "application/json; charset=utf-8")
	c.Ctx.Output.SetStatus(http.StatusOK)
	_ = c.Ctx.Output.Body(body)
}

// Update renames or moves an item.
// @Title Update
// @Summary Rename or move an item
// @Description Changes the name and/or folder of one of the caller's items; its objects and URLs stay the same. Someone else's item is 404.
// @Security bearerAuth
// @Param id path int true "media item id"
// @Param body body media.Patch true "name and/or folder"
// @Success 200 {object} media.Item
// @Failure 400 validation_failed or bad_request
// @Failure 401 unauthorized
// @Failure 404 not_found: no such item of yours
// @Failure 415 unsupported_media_type: send application/json
// @router /:id [patch]
func (c *MediaController) Update() {
	id, err := c.PathID("media item")
	if err != nil {
		c.RenderError(err)
		return
	}
	var p media.Patch
	if err := c.DecodeJSON(&p); err != nil {
		c.RenderError(err)
		return
	}
	it, err := c.Media.Update(c.Ctx.Request.Context(), c.UserID(), id, p)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, it)
}

// Delete removes an item.
// @Title Delete
// @Summary Delete an item
// @Description Deletes one of the caller's items and, unless another item names them, its objects. Someone else's item is 404.
// @Security bearerAuth
// @Param id path int true "media item id"
// @Success 204 deleted
// @Failure 400 bad_request: the id is not a positive integer
// @Failure 401 unauthorized
// @Failure 404 not_found: no such item of yours
// @router /:id [delete]
func (c *MediaController) Delete() {
	id, err := c.PathID("media item")
	if err != nil {
		c.RenderError(err)
		return
	}
	if err := c.Media.Delete(c.Ctx.Request.Context(), c.UserID(), id); err != nil {
		c.RenderError(err)
		return
	}
	c.Ctx.Output.SetStatus(http.StatusNoContent)
}
