package auth

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"inkwell/apperror"
	"inkwell/config"
)

// UserResolver finds or creates the user an identity names and returns its id.
type UserResolver interface {
	ResolveUser(ctx context.Context, id Identity) (int64, error)
}

// DefaultCacheSize is how many validated tokens are remembered; an entry is
// about 300 bytes, so the cache stays under a few MiB.
const DefaultCacheSize = 10_000

// Authenticator turns an Authorization header into a Principal.
type Authenticator struct {
	google *GoogleVerifier
	dev    *DevSigner // nil unless AUTH_DEV_LOGIN=true
	users  UserResolver
	cache  *lru.Cache[[32]byte, Principal]
	now    func() time.Time
	log    *slog.Logger
}

// New builds the Authenticator cfg describes: Google ID tokens for
// cfg.GoogleClientIDs with keys from cfg.GoogleCertsURL, plus development
// tokens when cfg.AuthDevLogin is set (config.Validate refuses that in prod).
func New(ctx context.Context, cfg config.Config, users UserResolver, log *slog.Logger) (*Authenticator, error) {
	google, err := NewGoogleVerifier(ctx, cfg.GoogleClientIDs, cfg.GoogleCertsURL)
	if err != nil {
		return nil, err
	}
	cache, err := newTokenCache(DefaultCacheSize)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	a := &Authenticator{google: google, users: users, cache: cache, now: time.Now, log: log}
	if cfg.AuthDevLogin {
		if cfg.RunMode == "prod" {
			return nil, fmt.Errorf("auth: AUTH_DEV_LOGIN=true is refused when RUNMODE=prod")
		}
		if a.dev, err = NewDevSigner(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// DevSigner returns the development token signer, nil when dev login is off.
func (a *Authenticator) DevSigner() *DevSigner { return a.dev }

// Authenticate validates the bearer token in authorization (the header's
// value) and returns the caller. Errors are *apperror.Error: unauthorized
// for anything wrong with the credentials, unavailable when the keys to
// judge them cannot be fetched.
func (a *Authenticator) Authenticate(ctx context.Context, authorization string) (Principal, error) {
	raw, err := bearerToken(authorization)
	if err != nil {
		return Principal{}, asAPIError(err)
	}
	key := tokenKey(raw)
	if p, ok := a.cache.Get(key); ok {
		if a.now().Before(p.Identity.Expires) {
			return p, nil
		}
		a.cache.Remove(key)
		return Principal{}, asAPIError(expired(p.Identity.Expires.Unix()))
	}
	id, err := a.Verify(ctx, raw)
	if err != nil {
		a.log.Info("bearer token refused", "error", err.Error())
		return Principal{}, asAPIError(err)
	}
	userID, err := a.users.ResolveUser(ctx, id)
	if err != nil {
		// The token is fine; the database is not answering (docs/api.md: 503).
		return Principal{}, apperror.Unavailable("the user directory cannot be reached; try again shortly",
			fmt.Errorf("auth: resolve user %s/%s: %w", id.Issuer, id.Subject, err))
	}
	p := Principal{UserID: userID, Identity: id}
	// Only a fully accepted token is remembered. The same token always
	// carries the same claims, so its user id and profile stay right until
	// it expires.
	a.cache.Add(key, p)
	return p, nil
}

// newTokenCache holds up to size accepted tokens, least recently used
// evicted first, keyed by tokenKey.
func newTokenCache(size int) (*lru.Cache[[32]byte, Principal], error) {
	c, err := lru.New[[32]byte, Principal](size)
	if err != nil {
		return nil, fmt.Errorf("auth: token cache: %w", err)
	}
	return c, nil
}

// Verify checks a raw token fully (no cache, no user lookup).
func (a *Authenticator) Verify(ctx context.Context, raw string) (Identity, error) {
	t, err := parseJWT(raw)
	if err != nil {
		return Identity{}, &rejection{public: msgInvalid, detail: err.Error()}
	}
	if a.dev != nil && t.claims.Issuer == DevIssuer {
		return a.dev.verify(ctx, t)
	}
	return a.google.verify(ctx, t)
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header value. The scheme is case-insensitive (RFC 7235); exactly one
// space separates it from the token.
func bearerToken(header string) (string, error) {
	if header == "" {
		return "", &rejection{public: msgMissing, detail: "no Authorization header"}
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", &rejection{public: msgMissing, detail: "Authorization scheme is not Bearer"}
	}
	if token == "" {
		return "", rejected("empty bearer token")
	}
	return token, nil
}
