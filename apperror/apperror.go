// Package apperror is the vocabulary domain code uses to say why a request
// cannot be done. Codes are docs/api.md's machine codes; the base controller maps
// them to HTTP statuses, so domain code never speaks HTTP.
package apperror

import (
	"errors"
	"time"
)

// Machine codes of docs/api.md's error table.
const (
	CodeBadRequest        = "bad_request"
	CodeValidation        = "validation_failed"
	CodeUnauthorized      = "unauthorized"
	CodeForbidden         = "forbidden"
	CodeNotFound          = "not_found"
	CodeMethodNotAllowed  = "method_not_allowed"
	CodeConflict          = "conflict"
	CodeTooLarge          = "too_large"
	CodeUnsupportedMedia  = "unsupported_media_type"
	CodeInsufficientFunds = "insufficient_funds"
	CodeRateLimited       = "rate_limited"
	CodeInternal          = "internal"
	CodeUnavailable       = "unavailable"
	CodeUpstreamFailed    = "upstream_failed"
)

// Error is a failure the caller can act on.
type Error struct {
	Code    string
	Message string
	// Fields maps an input field to what is wrong with it (validation only).
	Fields map[string]string
	// Err is the underlying cause, logged but never shown to the caller.
	Err error
	// RetryAfter, when positive, is sent as the Retry-After header (429, 503).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New builds an Error with a code and a human message.
func New(code, message string) *Error { return &Error{Code: code, Message: message} }

// Validation reports invalid input fields.
func Validation(fields map[string]string) *Error {
	return &Error{Code: CodeValidation, Message: "some fields are invalid", Fields: fields}
}

// NotFound reports a missing resource.
func NotFound(message string) *Error { return New(CodeNotFound, message) }

// Forbidden reports an authenticated caller acting on what is not theirs.
func Forbidden(message string) *Error { return New(CodeForbidden, message) }

// Unavailable wraps a dependency failure (database down, keys unreachable).
func Unavailable(message string, cause error) *Error {
	return &Error{Code: CodeUnavailable, Message: message, Err: cause}
}

// UpstreamFailed reports a remote site (a link to preview, media to back
// up) failing or timing out: 502, the caller may retry later.
func UpstreamFailed(message string, cause error) *Error {
	return &Error{Code: CodeUpstreamFailed, Message: message, Err: cause}
}

// As extracts an *Error from err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
