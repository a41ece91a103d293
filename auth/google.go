package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"google.golang.org/api/idtoken"
	"google.golang.org/api/option"
)

// GoogleIssuer is how users signed in with Google are stored, whichever of
// Google's two spellings of iss their token carried.
const GoogleIssuer = "https://accounts.google.com"

// googleIssuers are the iss values Google puts in ID tokens.
var googleIssuers = []string{"accounts.google.com", "https://accounts.google.com"}

// googleCertsURL is the URL idtoken fetches RS256 keys from; the transport
// below sends that request to GOOGLE_CERTS_URL instead.
const googleCertsURL = "https://www.googleapis.com/oauth2/v3/certs"

// ErrKeysUnavailable means the signing keys could not be fetched: the
// token could not be judged, which is the server's problem, not the caller's.
var ErrKeysUnavailable = errors.New("auth: signing keys cannot be fetched")

// GoogleVerifier validates Google ID tokens: Inkwell's own checks on the
// header and claims, then idtoken for the RS256 signature and exp.
type GoogleVerifier struct {
	clientIDs []string
	validator *idtoken.Validator
	now       func() time.Time
}

// NewGoogleVerifier accepts tokens whose aud is one of clientIDs, signed by
// a key published at certsURL (Google's JWKS in production). An empty
// clientIDs accepts nothing.
func NewGoogleVerifier(ctx context.Context, clientIDs []string, certsURL string) (*GoogleVerifier, error) {
	target, err := url.Parse(certsURL)
	if err != nil || (target.Scheme != "https" && target.Scheme != "http") || target.Host == "" {
		return nil, fmt.Errorf("auth: GOOGLE_CERTS_URL must be an http(s) URL, got %q", certsURL)
	}
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &certsTransport{target: target, base: http.DefaultTransport},
	}
	v, err := idtoken.NewValidator(ctx, option.WithHTTPClient(client))
	if err != nil {
		return nil, fmt.Errorf("auth: create ID-token validator: %w", err)
	}
	ids := slices.DeleteFunc(slices.Clone(clientIDs), func(s string) bool { return s == "" })
	return &GoogleVerifier{clientIDs: ids, validator: v, now: time.Now}, nil
}

// verify checks t and returns who it names. Every check that needs no key
// runs first, so a token that is wrong on its face never costs a key fetch.
func (g *GoogleVerifier) verify(ctx context.Context, t *parsedToken) (Identity, error) {
	c := t.claims
	switch {
	case t.header.Algorithm != "RS256":
		// idtoken would also take ES256 (checked against Google's IAP keys,
		// which do not sign sign-in tokens), and HS256/none must never pass.
		return Identity{}, rejected("alg %q is not RS256", t.header.Algorithm)
	case t.header.KeyID == "":
		return Identity{}, rejected("no kid in the header")
	case !slices.Contains(googleIssuers, c.Issuer):
		// idtoken does not check iss.
		return Identity{}, rejected("iss %q is not Google", c.Issuer)
	case len(g.clientIDs) == 0:
		// idtoken treats an empty audience as "any"; Inkwell treats no
		// configured client id as "none".
		return Identity{}, rejected("no GOOGLE_CLIENT_ID is configured")
	case c.Audience == "" || !slices.Contains(g.clientIDs, c.Audience):
		return Identity{}, rejected("aud %q is not one of GOOGLE_CLIENT_ID", c.Audience)
	case g.now().Unix() >= c.Expires:
		return Identity{}, expired(c.Expires)
	}
	id, err := identityFrom(GoogleIssuer, c)
	if err != nil {
		return Identity{}, err
	}
	if _, err := g.validator.Validate(ctx, t.raw, c.Audience); err != nil {
		if errors.Is(err, ErrKeysUnavailable) {
			return Identity{}, err
		}
		return Identity{}, rejected("%v", err)
	}
	return id, nil
}

// certsTransport sends idtoken's request for Google's RS256 keys to the
// configured JWKS and turns every way of not getting a usable key set into
// ErrKeysUnavailable, which idtoken passes back up unchanged (wrapped in a
// *url.Error). That is how "cannot judge the token" (503) is told apart from
// "the token is bad" (401).
type certsTransport struct {
	target *url.URL
	base   http.RoundTripper
}

// maxJWKSBytes bounds a key-set response; Google's is about 2 KiB.
const maxJWKSBytes = 1 << 20

// defaultKeysMaxAge is how long a key set is reused when its server gives no
// max-age: without it idtoken would refetch the keys for every new token.
const defaultKeysMaxAge = 5 * time.Minute

func (t *certsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.String() != googleCertsURL {
		// Only RS256 keys are ever wanted; IAP's ES256 keys never are.
		return nil, fmt.Errorf("auth: refusing unexpected key request to %s", req.URL.Redacted())
	}
	out := req.Clone(req.Context())
	out.URL = t.target
	out.Host = t.target.Host
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrKeysUnavailable, t.target.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s: status %d", ErrKeysUnavailable, t.target.Redacted(), resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %w", ErrKeysUnavailable, t.target.Redacted(), err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrKeysUnavailable, t.target.Redacted(), maxJWKSBytes)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("%w: %s is not a JSON key set: %w", ErrKeysUnavailable, t.target.Redacted(), err)
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("%w: %s has no keys", ErrKeysUnavailable, t.target.Redacted())
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if !strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
		resp.Header.Set("Cache-Control", fmt.Sprintf("max-age=%d", int(defaultKeysMaxAge.Seconds())))
		resp.Header.Del("Age")
	}
	return resp, nil
}
