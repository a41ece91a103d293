// Package controllers is Inkwell's HTTP layer: bind and check input, call
// one domain method, render the result or the error envelope. Controllers
// carry their dependencies as exported fields, set once by routers.New
// (docs/architecture.md).
package controllers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/beego/beego/v2/server/web"
	beecontext "github.com/beego/beego/v2/server/web/context"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/logging"
	"inkwell/server"
)

// BaseController owns JSON rendering, the error envelope of docs/api.md and
// "who is calling"; every controller embeds it.
type BaseController struct {
	web.Controller
}

// Init is Beego's set-up of the controller that answers a request. It also
// records the route pattern Beego matched (e.g. /api/v1/posts/:id) as the
// request's route, which labels its metrics and names its span
// (server.SetRoute; a no-op when nothing observes the request).
func (c *BaseController) Init(ctx *beecontext.Context, controllerName, actionName string, app any) {
	c.Controller.Init(ctx, controllerName, actionName, app)
	if p, ok := ctx.Input.GetData("RouterPattern").(string); ok {
		server.SetRoute(ctx.Request.Context(), p)
	}
}

// ErrorBody is docs/api.md's error envelope.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of the envelope.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

var statusByCode = map[string]int{
	apperror.CodeBadRequest:        http.StatusBadRequest,
	apperror.CodeValidation:        http.StatusBadRequest,
	apperror.CodeUnauthorized:      http.StatusUnauthorized,
	apperror.CodeForbidden:         http.StatusForbidden,
	apperror.CodeNotFound:          http.StatusNotFound,
	apperror.CodeMethodNotAllowed:  http.StatusMethodNotAllowed,
	apperror.CodeConflict:          http.StatusConflict,
	apperror.CodeTooLarge:          http.StatusRequestEntityTooLarge,
	apperror.CodeUnsupportedMedia:  http.StatusUnsupportedMediaType,
	apperror.CodeInsufficientFunds: http.StatusUnprocessableEntity,
	apperror.CodeRateLimited:       http.StatusTooManyRequests,
	apperror.CodeInternal:          http.StatusInternalServerError,
	apperror.CodeUnavailable:       http.StatusServiceUnavailable,
	apperror.CodeUpstreamFailed:    http.StatusBadGateway,
}

// StatusFor maps an API error code to its HTTP status.
func StatusFor(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// RenderJSON writes v as JSON with status.
func (c *BaseController) RenderJSON(status int, v any) {
	WriteJSON(c.Ctx, status, v)
}

// RenderError writes err as the error envelope. Errors that are not
// *apperror.Error are logged and shown as a bare 500.
func (c *BaseController) RenderError(err error) {
	WriteError(c.Ctx, err)
}

// WriteJSON writes v as JSON with status on a Beego context.
func WriteJSON(ctx *beecontext.Context, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteError(ctx, fmt.Errorf("render json: %w", err))
		return
	}
	ctx.Output.Header("Content-Type", "application/json; charset=utf-8")
	ctx.Output.SetStatus(status)
	_ = ctx.Output.Body(body)
}

// WriteError writes err as docs/api.md's error envelope on a Beego context.
func WriteError(ctx *beecontext.Context, err error) {
	ae, ok := apperror.As(err)
	if (!ok || ae.Code == apperror.CodeInternal) && database.IsUnavailable(err) {
		// Every route, present and future: the database being down or slow
		// is a 503 worth retrying, not a 500 (API.md's error table).
		ae = &apperror.Error{Code: apperror.CodeUnavailable, Message: "the database is unavailable; try again shortly", Err: err}
	} else if !ok {
		ae = &apperror.Error{Code: apperror.CodeInternal, Message: "internal error", Err: err}
	}
	if ae.Code == apperror.CodeUnavailable && ae.RetryAfter <= 0 {
		ae = withRetryAfter(ae, UnavailableRetryAfter)
	}
	status := StatusFor(ae.Code)
	if status >= 500 {
		loggerFor(ctx.Request.Context()).Error("request failed", "request_id", logging.RequestID(ctx.Request.Context()),
			"code", ae.Code, "error", err.Error())
	}
	if ae.Code == apperror.CodeUnauthorized {
		ctx.Output.Header("WWW-Authenticate", `Bearer`)
	}
	if ae.RetryAfter > 0 {
		// Whole seconds, rounded up: "Retry-After: 0" would invite a retry storm.
		ctx.Output.Header("Retry-After", strconv.FormatInt(int64((ae.RetryAfter+time.Second-1)/time.Second), 10))
	}
	body, _ := json.Marshal(ErrorBody{Error: ErrorDetail{Code: ae.Code, Message: ae.Message, Fields: ae.Fields}})
	ctx.Output.Header("Content-Type", "application/json; charset=utf-8")
	ctx.Output.SetStatus(status)
	_ = ctx.Output.Body(body)
}

// UnavailableRetryAfter is the Retry-After of a 503 whose cause did not
// say when to come back (a database outage): long enough not to hammer a
// recovering server, short enough for a blip.
const UnavailableRetryAfter = 5 * time.Second

func withRetryAfter(e *apperror.Error, d time.Duration) *apperror.Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// DecodeJSON reads the request body as JSON into dst: 415 for another
// content type, 413 over the body limit, 400 for malformed JSON or wrong types.
func (c *BaseController) DecodeJSON(dst any) error {
	ct := c.Ctx.Request.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return apperror.New(apperror.CodeUnsupportedMedia, "send the body as application/json")
	}
	dec := json.NewDecoder(c.Ctx.Request.Body)
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperror.New(apperror.CodeBadRequest, "the body must hold exactly one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &maxErr):
		return apperror.New(apperror.CodeTooLarge, fmt.Sprintf("the body is larger than %d bytes", maxErr.Limit))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return apperror.New(apperror.CodeBadRequest, "the body must be a JSON object")
		}
		return &apperror.Error{Code: apperror.CodeValidation, Message: "some fields have the wrong type",
			Fields: map[string]string{field: "must be " + typeErr.Type.String()}}
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return apperror.New(apperror.CodeBadRequest, "the body is not valid JSON")
	case errors.Is(err, io.EOF):
		return apperror.New(apperror.CodeBadRequest, "the body is empty")
	}
	return apperror.New(apperror.CodeBadRequest, "the body could not be read: "+err.Error())
}

type appKey struct{}

// appScope is what one app instance tells the code Beego runs outside a
// registered controller (the error controller, the panic hook), which Beego
// creates without any fields of ours.
type appScope struct {
	log    *slog.Logger
	routes *web.ControllerRegister
}

// WithApp marks a request as served by the app whose logger is log and
// whose route table is routes (routers.App does it for every request).
func WithApp(ctx context.Context, log *slog.Logger, routes *web.ControllerRegister) context.Context {
	return context.WithValue(ctx, appKey{}, appScope{log: log, routes: routes})
}

func scopeOf(ctx context.Context) appScope {
	s, _ := ctx.Value(appKey{}).(appScope)
	return s
}

// loggerFor is the serving app's logger, or slog's default outside one.
func loggerFor(ctx context.Context) *slog.Logger {
	if l := scopeOf(ctx).log; l != nil {
		return l
	}
	return slog.Default()
}

// UserIDKey is where the auth filter leaves the caller's user id (int64)
// in the Beego context's input data.
const UserIDKey = "inkwell.user_id"

// UserID is the signed-in caller's id, set by the auth filter on every
// /api/v1 route; 0 means no one is signed in.
func (c *BaseController) UserID() int64 {
	id, _ := c.Ctx.Input.GetData(UserIDKey).(int64)
	return id
}
