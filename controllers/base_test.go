package controllers_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/beego/beego/v2/server/web"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/config"
	"inkwell/controllers"
	"inkwell/routers"
	"inkwell/testsupport"
)

// probeController exercises the base controller from inside Beego.
type probeController struct {
	controllers.BaseController
}

type probeInput struct {
	Title string `json:"title"`
	Count int    `json:"count"`
}

func (c *probeController) Echo() {
	var in probeInput
	if err := c.DecodeJSON(&in); err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusCreated, in)
}

func (c *probeController) Panic() { panic("secret internal detail") }

// handler serves an app instance with the probe routes, a 64-byte body
// limit, and its log written to logs.
func handler(t *testing.T, logs io.Writer) http.Handler {
	t.Helper()
	app := routers.New(routers.Deps{Config: config.Config{RunMode: "prod"}, Log: slog.New(slog.NewJSONHandler(logs, nil))})
	app.Server.Router("/probe/echo", &probeController{}, "post:Echo")
	app.Server.Router("/probe/panic", &probeController{}, "get:Panic")
	app.Server.Router("/probe/fail", &probeController{}, "get:Fail")
	return app.Handler(64)
}

// Fail renders the error an outbound fetch would come back with.
func (c *probeController) Fail() {
	switch c.GetString("kind") {
	case "upstream":
		c.RenderError(apperror.UpstreamFailed("the remote site could not be fetched", errors.New("dial timeout")))
	case "breaker":
		c.RenderError(&apperror.Error{Code: apperror.CodeUnavailable, Message: "later", RetryAfter: 1500 * time.Millisecond})
	}
}

func send(t *testing.T, h http.Handler, method, path, contentType, body string) (*httptest.ResponseRecorder, controllers.ErrorBody) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var e controllers.ErrorBody
	if rec.Code >= 400 {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
	}
	return rec, e
}

func TestDecodeJSON_AnswersEachBadBodyWithItsStatus(t *testing.T) {
	t.Parallel()
	h := handler(t, io.Discard)
	cases := []struct {
		name, contentType, body string
		status                  int
		code                    string
		fields                  map[string]string
	}{
		{"good", "application/json", `{"title":"a","count":2}`, 201, "", nil},
		{"charset is fine", "application/json; charset=utf-8", `{"title":"a"}`, 201, "", nil},
		{"form body", "application/x-www-form-urlencoded", `title=a`, 415, "unsupported_media_type", nil},
		{"no content type", "", `{"title":"a"}`, 415, "unsupported_media_type", nil},
		{"malformed", "application/json", `{"title":`, 400, "bad_request", nil},
		{"empty", "application/json", ``, 400, "bad_request", nil},
		{"two values", "application/json", `{"title":"a"} {"title":"b"}`, 400, "bad_request", nil},
		{"not an object", "application/json", `[1,2]`, 400, "bad_request", nil},
		{"wrong type", "application/json", `{"count":"many"}`, 400, "validation_failed", map[string]string{"count": "must be int"}},
		{"too large", "application/json", `{"title":"` + strings.Repeat("x", 100) + `"}`, 413, "too_large", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, e := send(t, h, http.MethodPost, "/probe/echo", tc.contentType, tc.body)
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
			assert.Equal(t, tc.code, e.Error.Code)
			assert.Equal(t, tc.fields, e.Error.Fields)
			if tc.status < 400 {
				assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
			}
		})
	}
}

func TestRecoverPanic_LogsTheStackAndAnswers500WithoutIt(t *testing.T) {
	t.Parallel()
	var logs testsupport.SyncBuffer
	h := handler(t, &logs)
	rec, e := send(t, h, http.MethodGet, "/probe/panic", "", "")
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, "internal", e.Error.Code)
	id := rec.Header().Get("X-Request-Id")
	require.NotEmpty(t, id)
	assert.Contains(t, e.Error.Message, id, "the caller gets the id to quote")
	body := rec.Body.String()
	assert.NotContains(t, body, "secret internal detail")
	assert.NotContains(t, body, "goroutine")
	assert.NotContains(t, body, ".go:")

	logged := logs.String()
	assert.Contains(t, logged, `"msg":"panic"`)
	assert.Contains(t, logged, `"path":"/probe/panic"`, "Beego's recover hook, not the last-resort middleware, handled it")
	assert.Contains(t, logged, `"request_id":"`+id+`"`)
	assert.Contains(t, logged, "secret internal detail")
	assert.Contains(t, logged, "goroutine", "the stack is in the log")
}

func TestUnknownRoutesAndMethods_AnswerWithTheEnvelope(t *testing.T) {
	t.Parallel()
	h := handler(t, io.Discard)
	rec, e := send(t, h, http.MethodGet, "/nowhere", "", "")
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Equal(t, "not_found", e.Error.Code)

	rec, e = send(t, h, http.MethodGet, "/probe/echo", "", "")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "method_not_allowed", e.Error.Code)
	assert.Equal(t, "POST", rec.Header().Get("Allow"))
}

func TestWriteError_UpstreamFailureIs502AndRetryAfterIsSentInWholeSeconds(t *testing.T) {
	h := handler(t, io.Discard)
	rec, e := send(t, h, http.MethodGet, "/probe/fail?kind=upstream", "", "")
	assert.Equal(t, http.StatusBadGateway, rec.Code)
	assert.Equal(t, "upstream_failed", e.Error.Code)
	assert.NotContains(t, rec.Body.String(), "dial timeout", "the cause is logged, not shown")
	assert.Empty(t, rec.Header().Get("Retry-After"))

	rec, e = send(t, h, http.MethodGet, "/probe/fail?kind=breaker", "", "")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "unavailable", e.Error.Code)
	assert.Equal(t, "2", rec.Header().Get("Retry-After"), "1.5 s rounds up")
}

// Every authenticated controller refuses a request without a signed-in
// caller by itself, so a route mounted outside the /api/v1 filter by
// mistake fails closed instead of running as user 0.
func TestAPIControllers_FailClosedWithoutTheFilter(t *testing.T) {
	t.Parallel()
	app := routers.New(routers.Deps{Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	for path, c := range map[string]web.ControllerInterface{
		"/unguarded/me":        &controllers.MeController{},
		"/unguarded/posts":     &controllers.PostsController{},
		"/unguarded/wallet":    &controllers.WalletController{},
		"/unguarded/transfers": &controllers.TransfersController{},
	} {
		app.Server.Router(path, c, "get:Get")
	}
	h := app.Handler(1 << 20)
	for _, path := range []string{"/unguarded/me", "/unguarded/posts", "/unguarded/wallet", "/unguarded/transfers"} {
		rec, e := send(t, h, http.MethodGet, path, "", "")
		assert.Equal(t, http.StatusUnauthorized, rec.Code, path)
		assert.Equal(t, "unauthorized", e.Error.Code, path)
	}
}
