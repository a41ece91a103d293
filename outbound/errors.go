package outbound

import (
	"errors"
	"fmt"
	"time"

	"inkwell/apperror"
)

// BlockedError means the policy refused the destination: a scheme, port,
// host form or connected address no user-supplied URL may reach. It is the
// caller's input that is wrong (400), never the upstream.
type BlockedError struct {
	// URL is the refused URL (credentials redacted), when known.
	URL string
	// Addr is the address the dialer refused to connect to, when the
	// refusal happened after DNS.
	Addr string
	// Reason says why, for logs and the field message.
	Reason string
}

func (e *BlockedError) Error() string {
	switch {
	case e.Addr != "":
		return fmt.Sprintf("outbound: refused to connect to %s: %s", e.Addr, e.Reason)
	case e.URL != "":
		return fmt.Sprintf("outbound: refused %s: %s", e.URL, e.Reason)
	}
	return "outbound: refused: " + e.Reason
}

// UnavailableError means the client did not try: the host's circuit
// breaker is open, or the host asked us to wait (Retry-After). Callers
// answer 503 with Retry-After.
type UnavailableError struct {
	Host string
	// RetryAfter is how long until the host may be tried again.
	RetryAfter time.Duration
	Reason     string
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("outbound: %s: %s (retry in %s)", e.Host, e.Reason, e.RetryAfter.Round(time.Second))
}

// UpstreamError is every other failure: DNS, connection, TLS, timeout, a
// body over its cap, too many redirects, or (from callers) a status they
// cannot use. Callers answer 502.
type UpstreamError struct {
	Host string
	// StatusCode is the upstream's status when the failure is one.
	StatusCode int
	Err        error
}

func (e *UpstreamError) Error() string {
	if e.StatusCode != 0 && e.Err == nil {
		return fmt.Sprintf("outbound: %s answered %d", e.Host, e.StatusCode)
	}
	return fmt.Sprintf("outbound: %s: %v", e.Host, e.Err)
}

func (e *UpstreamError) Unwrap() error { return e.Err }

// ErrBodyTooLarge is returned by a response body read past its cap (the cap
// applies after decompression, so a gzip bomb stops there too).
var ErrBodyTooLarge = errors.New("outbound: response body over its size cap")

// ErrTooManyRedirects ends a redirect chain longer than Policy.MaxRedirects.
var ErrTooManyRedirects = errors.New("outbound: too many redirects")

// AppError maps an outbound failure onto the contract's errors, naming the
// input field that held the URL: a refused destination is 400
// validation_failed on that field, an open breaker or a host asking us to
// wait is 503 unavailable with Retry-After, anything else 502 upstream_failed.
func AppError(err error, field string) error {
	if err == nil {
		return nil
	}
	var blocked *BlockedError
	if errors.As(err, &blocked) {
		return &apperror.Error{Code: apperror.CodeValidation, Message: "some fields are invalid",
			Fields: map[string]string{field: blocked.Reason}, Err: err}
	}
	var unavailable *UnavailableError
	if errors.As(err, &unavailable) {
		return &apperror.Error{Code: apperror.CodeUnavailable, Message: "the remote site is not being contacted for now",
			RetryAfter: unavailable.RetryAfter, Err: err}
	}
	return apperror.UpstreamFailed("the remote site could not be fetched", err)
}
