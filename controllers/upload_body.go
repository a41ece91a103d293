package controllers

import (
	"context"
	"io"
	"net/http"
)

// Beego parses a multipart body completely (into memory up to its
// MaxMemory, 64 MiB by default) before routing, before the token filter
// even runs. The media upload must instead be read as a stream by the
// signed-in controller, so the app hands Beego the request without its
// body and keeps the body here.

type uploadBodyKey struct{}

type uploadBody struct {
	body        io.ReadCloser
	contentType string
}

// HoldUploadBody returns r with its body and Content-Type moved out of
// Beego's reach, into its context, where UploadBody finds them.
func HoldUploadBody(r *http.Request) *http.Request {
	held := uploadBody{body: r.Body, contentType: r.Header.Get("Content-Type")}
	r = r.WithContext(context.WithValue(r.Context(), uploadBodyKey{}, held))
	r.Header = r.Header.Clone()
	r.Header.Del("Content-Type")
	r.Body = http.NoBody
	return r
}

// UploadBody is the body and Content-Type HoldUploadBody kept, or the
// request's own when it kept none.
func (c *BaseController) UploadBody() (io.Reader, string) {
	if held, ok := c.Ctx.Request.Context().Value(uploadBodyKey{}).(uploadBody); ok {
		return held.body, held.contentType
	}
	return c.Ctx.Request.Body, c.Ctx.Request.Header.Get("Content-Type")
}
