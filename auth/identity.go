// Package auth decides who is calling: it validates the bearer token of a
// request (Google ID tokens, or development tokens when enabled), caches the
// verdict until the token expires, and resolves the caller to a user id.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"inkwell/apperror"
)

// Identity is who a valid token says the caller is.
type Identity struct {
	// Issuer is the identity provider as stored on the user (GoogleIssuer, DevIssuer).
	Issuer string
	// Subject is the provider's stable id for the person (the token's sub).
	Subject string
	// Email is empty unless the provider vouches for it (email_verified).
	Email   string
	Name    string
	Picture string
	// Expires is when the token stops being valid.
	Expires time.Time
}

// Limits of the users table's columns.
const (
	maxSubject = 255
	maxEmail   = 320
	maxName    = 200
	maxPicture = 2048
)

// ErrRejected is the cause of every 401: the token is missing or not valid.
var ErrRejected = errors.New("auth: token rejected")

// rejection is a 401 with a message for the caller and details for the log.
type rejection struct {
	public string
	detail string
}

func (r *rejection) Error() string        { return "auth: token rejected: " + r.detail }
func (r *rejection) Is(target error) bool { return target == ErrRejected }

// Messages the caller sees; the reason in detail only goes to the log, so
// probing tokens teaches an attacker nothing about which check failed.
const (
	msgInvalid = "the bearer token is not valid"
	msgExpired = "the bearer token has expired; sign in again"
	msgMissing = "sign in first: send an Authorization: Bearer header with a Google ID token"
)

func rejected(format string, args ...any) error {
	return &rejection{public: msgInvalid, detail: fmt.Sprintf(format, args...)}
}

func expired(exp int64) error {
	return &rejection{public: msgExpired, detail: fmt.Sprintf("expired at %d", exp)}
}

// identityFrom turns verified-shape claims into an Identity. An email the
// provider has not verified is refused outright rather than dropped: a token
// that asserts an address nobody proved owning is not one to trust for
// anything, and refusing keeps unverified addresses out of the database.
func identityFrom(issuer string, c claims) (Identity, error) {
	if c.Subject == "" || len(c.Subject) > maxSubject {
		return Identity{}, rejected("sub is missing or longer than %d bytes", maxSubject)
	}
	if c.Email != "" && !c.emailVerified() {
		return Identity{}, rejected("email_verified is not true")
	}
	id := Identity{
		Issuer:  issuer,
		Subject: c.Subject,
		Email:   c.Email,
		Name:    truncate(c.Name, maxName),
		Picture: c.Picture,
		Expires: time.Unix(c.Expires, 0).UTC(),
	}
	if len(id.Email) > maxEmail {
		return Identity{}, rejected("email longer than %d bytes", maxEmail)
	}
	if len(id.Picture) > maxPicture {
		id.Picture = "" // an avatar is not worth refusing a sign-in over
	}
	return id, nil
}

// truncate shortens s to at most n runes.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// Principal is the signed-in caller of a request.
type Principal struct {
	UserID   int64
	Identity Identity
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller the auth filter put in ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// asAPIError maps a verdict to docs/api.md's error codes: unavailable keys → 503,
// any other failure to authenticate → 401 with a message that names the
// category, not the detail (the detail goes to the log).
func asAPIError(err error) error {
	switch {
	case errors.Is(err, ErrKeysUnavailable):
		return apperror.Unavailable("sign-in keys cannot be fetched; try again shortly", err)
	case errors.Is(err, ErrRejected):
		msg := msgInvalid
		var r *rejection
		if errors.As(err, &r) {
			msg = r.public
		}
		return &apperror.Error{Code: apperror.CodeUnauthorized, Message: msg, Err: err}
	}
	return err
}
