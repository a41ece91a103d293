package controllers

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/beego/beego/v2/server/web"
	beecontext "github.com/beego/beego/v2/server/web/context"

	"inkwell/apperror"
	"inkwell/logging"
)

// ErrorController answers what the framework itself rejects (unknown
// routes, wrong methods, …) with docs/api.md's JSON envelope instead of HTML.
type ErrorController struct {
	BaseController
}

func (c *ErrorController) answer(code, message string) {
	WriteError(c.Ctx, apperror.New(code, message))
}

// Error400 answers a request the framework could not parse.
func (c *ErrorController) Error400() { c.answer(apperror.CodeBadRequest, "bad request") }

// Error401 answers a request without valid credentials.
func (c *ErrorController) Error401() { c.answer(apperror.CodeUnauthorized, "sign in first") }

// Error403 answers a forbidden request.
func (c *ErrorController) Error403() { c.answer(apperror.CodeForbidden, "forbidden") }

// Error404 answers an unknown route, or 405 with Allow when the path exists
// under other methods (Beego itself reports both as 404).
func (c *ErrorController) Error404() {
	if allowed := allowedMethods(c.Ctx.Request); len(allowed) > 0 {
		c.Ctx.Output.Header("Allow", strings.Join(allowed, ", "))
		c.Error405()
		return
	}
	// A browser following a link to a page that does not exist reads a
	// page, not the API's JSON (the app's own not-found, with the app).
	if site, ok := wantsPage(c.Ctx.Request); ok {
		WritePublic(c.Ctx.ResponseWriter, c.Ctx.Request, site.NotFound("Page not found", "There is nothing at this address."))
		return
	}
	c.answer(apperror.CodeNotFound, fmt.Sprintf("no route for %s %s", c.Ctx.Request.Method, c.Ctx.Request.URL.Path))
}

// Error405 answers a known route called with the wrong method.
func (c *ErrorController) Error405() {
	c.answer(apperror.CodeMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s", c.Ctx.Request.Method, c.Ctx.Request.URL.Path))
}

// allowedMethods lists the methods the serving app's router has for r's path.
func allowedMethods(r *http.Request) []string {
	routes := scopeOf(r.Context()).routes
	if routes == nil {
		return nil
	}
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		ctx := beecontext.NewContext()
		ctx.Reset(nil, probe)
		if _, ok := routes.FindRouter(ctx); ok {
			allowed = append(allowed, m)
		}
	}
	return allowed
}

// Error413 answers a body over the limit.
func (c *ErrorController) Error413() { c.answer(apperror.CodeTooLarge, "the body is too large") }

// Error500 answers an unexpected failure.
func (c *ErrorController) Error500() { c.answer(apperror.CodeInternal, "internal error") }

// Error503 answers while a dependency is down.
func (c *ErrorController) Error503() { c.answer(apperror.CodeUnavailable, "temporarily unavailable") }

// RecoverPanic turns a panic in a controller into a logged 500 with the
// request id; the stack goes to the log, never into the response body.
func RecoverPanic(ctx *beecontext.Context, cfg *web.Config) {
	rec := recover()
	if err, ok := rec.(error); rec == nil || ok && errors.Is(err, web.ErrAbort) {
		return
	}
	loggerFor(ctx.Request.Context()).Error("panic", "request_id", logging.RequestID(ctx.Request.Context()),
		"method", ctx.Request.Method, "path", ctx.Request.URL.Path,
		"panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
	if ctx.ResponseWriter.Started {
		return
	}
	WriteJSON(ctx, http.StatusInternalServerError, ErrorBody{Error: ErrorDetail{
		Code:    apperror.CodeInternal,
		Message: "internal error (request id " + logging.RequestID(ctx.Request.Context()) + ")",
	}})
}
