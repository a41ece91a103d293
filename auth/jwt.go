package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxTokenBytes bounds the work an unauthenticated caller can ask for; Google
// ID tokens are around 1 KiB.
const MaxTokenBytes = 8 << 10

// jwtHeader is the part of a JOSE header Inkwell reads.
type jwtHeader struct {
	Algorithm string `json:"alg"`
	KeyID     string `json:"kid"`
	Type      string `json:"typ"`
	// Critical extensions must be understood or the token refused (RFC 7515
	// §4.1.11); Inkwell understands none.
	Critical json.RawMessage `json:"crit"`
}

// claims are the ID-token claims Inkwell reads. aud is a single string, as
// Google issues it; an array fails to decode and the token is refused.
type claims struct {
	Issuer        string          `json:"iss"`
	Audience      string          `json:"aud"`
	Subject       string          `json:"sub"`
	Expires       int64           `json:"exp"`
	IssuedAt      int64           `json:"iat"`
	Email         string          `json:"email"`
	EmailVerified json.RawMessage `json:"email_verified"`
	Name          string          `json:"name"`
	Picture       string          `json:"picture"`
}

// parsedToken is a JWT split and decoded but not yet verified.
type parsedToken struct {
	raw          string
	header       jwtHeader
	claims       claims
	signingInput string // header.payload, what the signature covers
	signature    []byte
}

// errMalformed is the cause of every structural rejection.
var errMalformed = errors.New("malformed token")

// b64 is base64url without padding, refusing non-canonical trailing bits so
// one token has exactly one spelling.
var b64 = base64.RawURLEncoding.Strict()

// parseJWT splits a compact JWS strictly: exactly three non-empty base64url
// segments, header and payload each exactly one JSON object, nothing else.
// idtoken's own parser is lenient (it ignores what it does not read), so
// Inkwell decides what a well-formed token is before idtoken sees it.
func parseJWT(raw string) (*parsedToken, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: empty", errMalformed)
	}
	if len(raw) > MaxTokenBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes", errMalformed, MaxTokenBytes)
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !isJWTByte(c) {
			return nil, fmt.Errorf("%w: byte %q at %d is not base64url", errMalformed, c, i)
		}
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: %d segments, want 3", errMalformed, len(parts))
	}
	for i, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("%w: segment %d is empty", errMalformed, i+1)
		}
	}
	t := &parsedToken{raw: raw, signingInput: parts[0] + "." + parts[1]}
	if err := decodeSegment(parts[0], &t.header); err != nil {
		return nil, fmt.Errorf("%w: header: %w", errMalformed, err)
	}
	if err := decodeSegment(parts[1], &t.claims); err != nil {
		return nil, fmt.Errorf("%w: payload: %w", errMalformed, err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %w", errMalformed, err)
	}
	t.signature = sig
	if len(t.header.Critical) > 0 {
		return nil, fmt.Errorf("%w: unsupported critical header", errMalformed)
	}
	return t, nil
}

// decodeSegment base64url-decodes s and reads exactly one JSON object from it.
func decodeSegment(s string, dst any) error {
	b, err := b64.DecodeString(s)
	if err != nil {
		return fmt.Errorf("base64url: %w", err)
	}
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("json: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("json: trailing data after the object")
	}
	return nil
}

// emailVerified reads email_verified, which Google has sent both as a JSON
// boolean and as the string "true".
func (c claims) emailVerified() bool {
	switch string(c.EmailVerified) {
	case "true", `"true"`:
		return true
	}
	return false
}

// tokenKey is the cache key of a token: the SHA-256 of all of it, header,
// payload and signature, so no other token can share an entry.
func tokenKey(raw string) [sha256.Size]byte { return sha256.Sum256([]byte(raw)) }

// isJWTByte reports whether c may appear in a compact JWT: base64url or the dot.
func isJWTByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}
