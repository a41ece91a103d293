package backup

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"inkwell/apperror"
	"inkwell/models"
	"inkwell/outbound"
)

// A transient failure waits 1 m, 10 m, 1 h, 6 h, 24 h, then the row fails
// for good; what cannot get better fails at once; refusals are skipped.
func TestFailure_BackoffThenFailedAndTheKindsOfFailure(t *testing.T) {
	s := &Service{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	transient := &outbound.UpstreamError{Host: "x", StatusCode: 503}
	row := models.ExternalMedia{URL: "http://x/a.jpg", Status: models.ExternalPending}
	for i, wait := range Backoff {
		out, res := s.failure(row, transient, nil, now)
		assert.Equal(t, models.ExternalPending, out.Status, "failure %d", i+1)
		assert.Equal(t, now.Add(wait), out.NextAttempt, "failure %d", i+1)
		assert.Equal(t, "the site answered 503", res.reason)
		row.Attempts++
	}
	out, _ := s.failure(row, transient, nil, now)
	assert.Equal(t, models.ExternalFailed, out.Status, "the sixth failure")

	fresh := models.ExternalMedia{Status: models.ExternalPending}
	for _, tc := range []struct {
		err    error
		status string
		reason string
	}{
		{&outbound.BlockedError{Reason: "the destination is in the special-purpose range 127.0.0.0/8"}, models.ExternalSkipped, "refused destination: the destination is in the special-purpose range 127.0.0.0/8"},
		{apperror.New(apperror.CodeUnsupportedMedia, "x"), models.ExternalFailed, "not an image or video the library accepts (JPEG, PNG, GIF, WebP, MP4, WebM, judged by the bytes)"},
		{apperror.New(apperror.CodeTooLarge, "x"), models.ExternalFailed, "larger than the library's upload limit"},
		{&outbound.UpstreamError{Host: "x", StatusCode: 404}, models.ExternalFailed, "the site answered 404"},
		{&outbound.UpstreamError{Host: "x", Err: errors.New("connection refused")}, models.ExternalPending, "the site could not be reached (connection failed)"},
		{&outbound.UnavailableError{Host: "x", RetryAfter: 3 * time.Hour, Reason: "breaker open"}, models.ExternalPending, "the site asked us to wait (breaker open)"},
	} {
		out, res := s.failure(fresh, tc.err, nil, now)
		assert.Equal(t, tc.status, out.Status, tc.reason)
		assert.Equal(t, tc.reason, res.reason)
	}
	out, _ = s.failure(fresh, &outbound.UnavailableError{Host: "x", RetryAfter: 3 * time.Hour}, nil, now)
	assert.Equal(t, now.Add(3*time.Hour), out.NextAttempt, "a longer Retry-After wins over the first backoff")
}
