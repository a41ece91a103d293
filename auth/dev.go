package auth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// DevIssuer is the iss of development tokens. Their users are stored under
// devUserIssuer, so they never collide with Google's.
const DevIssuer = "inkwell-dev"

// devUserIssuer is how development users are stored.
const devUserIssuer = "dev"

// DevTokenTTL is how long a development token is valid.
const DevTokenTTL = 12 * time.Hour

// devNamePattern keeps development user names short and unsurprising.
var devNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// DevSigner mints and verifies development sign-in tokens: RS256 JWTs
// signed by a key generated when the process starts, so they die with it and
// can never be accepted by another process or once dev login is turned off.
type DevSigner struct {
	key *rsa.PrivateKey
	kid string
	now func() time.Time
}

// NewDevSigner generates a fresh signing key.
func NewDevSigner() (*DevSigner, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("auth: generate development signing key: %w", err)
	}
	var kid [8]byte
	_, _ = rand.Read(kid[:])
	return &DevSigner{key: key, kid: "dev-" + base64.RawURLEncoding.EncodeToString(kid[:]), now: time.Now}, nil
}

// ErrBadDevName is returned for a name development sign-in does not accept.
var ErrBadDevName = errors.New("name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")

// Mint returns a token that signs in as the development user name (its sub
// is the lower-cased name, so "Alice" and "alice" are one user).
func (d *DevSigner) Mint(name string) (token string, expires time.Time, err error) {
	if !devNamePattern.MatchString(name) {
		return "", time.Time{}, ErrBadDevName
	}
	now := d.now()
	expires = now.Add(DevTokenTTL).Truncate(time.Second)
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": d.kid})
	payload, _ := json.Marshal(map[string]any{
		"iss": DevIssuer, "aud": DevIssuer, "sub": strings.ToLower(name), "name": name,
		"iat": now.Unix(), "exp": expires.Unix(),
	})
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, d.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign development token: %w", err)
	}
	return input + "." + b64.EncodeToString(sig), expires, nil
}

// verify checks a token that claims to come from DevIssuer.
func (d *DevSigner) verify(_ context.Context, t *parsedToken) (Identity, error) {
	c := t.claims
	switch {
	case t.header.Algorithm != "RS256":
		return Identity{}, rejected("development token alg %q is not RS256", t.header.Algorithm)
	case t.header.KeyID != d.kid:
		return Identity{}, rejected("development token kid %q is not this process's", t.header.KeyID)
	case c.Audience != DevIssuer:
		return Identity{}, rejected("development token aud %q", c.Audience)
	case d.now().Unix() >= c.Expires:
		return Identity{}, expired(c.Expires)
	}
	digest := sha256.Sum256([]byte(t.signingInput))
	if err := rsa.VerifyPKCS1v15(&d.key.PublicKey, crypto.SHA256, digest[:], t.signature); err != nil {
		return Identity{}, rejected("development token signature: %v", err)
	}
	return identityFrom(devUserIssuer, c)
}
