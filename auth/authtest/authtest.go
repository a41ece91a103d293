// Package authtest stands in for Google in tests: it serves a JWKS over
// HTTP and mints RS256 ID tokens signed by its key, so an Inkwell started
// with Env() (or Configure) accepts them exactly as it accepts Google's.
package authtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"inkwell/config"
)

// DefaultClientID is the audience Provider's tokens carry unless changed.
const DefaultClientID = "inkwell-test.apps.googleusercontent.com"

// Provider is a fake Google: a signing key, its JWKS served over HTTP, and
// a token minter.
type Provider struct {
	// ClientID is the aud of minted tokens and what Env/Configure trust.
	ClientID string
	// KeyID is the kid of the signing key in the JWKS.
	KeyID string
	// CertsURL is where the JWKS is served (GOOGLE_CERTS_URL).
	CertsURL string

	key      *rsa.PrivateKey
	server   *httptest.Server
	fetches  atomic.Int64
	failWith atomic.Int64 // non-zero: answer JWKS requests with this status
	maxAge   atomic.Int64 // the JWKS's Cache-Control max-age, seconds
}

// NewProvider starts a JWKS server for the test's lifetime.
func NewProvider(t testing.TB) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	p := &Provider{ClientID: DefaultClientID, KeyID: "authtest-" + randomID(), key: key}
	p.maxAge.Store(3600) // Google's own endpoint sends a max-age of hours
	p.server = httptest.NewServer(http.HandlerFunc(p.serveJWKS))
	t.Cleanup(p.server.Close)
	p.CertsURL = p.server.URL + "/oauth2/v3/certs"
	return p
}

func (p *Provider) serveJWKS(w http.ResponseWriter, r *http.Request) {
	p.fetches.Add(1)
	if code := p.failWith.Load(); code != 0 {
		http.Error(w, "unavailable", int(code))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", p.maxAge.Load()))
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{JWK(p.KeyID, &p.key.PublicKey)}})
}

// JWK renders an RSA public key as a JWKS entry.
func JWK(kid string, pub *rsa.PublicKey) map[string]string {
	return map[string]string{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// Fetches counts the JWKS requests served so far.
func (p *Provider) Fetches() int64 { return p.fetches.Load() }

// FailJWKS makes the JWKS answer status (e.g. 500) from now on; 0 restores it.
func (p *Provider) FailJWKS(status int) { p.failWith.Store(int64(status)) }

// SetKeysMaxAge sets the max-age the JWKS is served with; 0 makes every
// validation fetch the keys again.
func (p *Provider) SetKeysMaxAge(seconds int) { p.maxAge.Store(int64(seconds)) }

// PublicKey is the key tokens are signed with.
func (p *Provider) PublicKey() *rsa.PublicKey { return &p.key.PublicKey }

// Env is the environment a child inkwell process needs to trust p.
func (p *Provider) Env() []string {
	return []string{"GOOGLE_CERTS_URL=" + p.CertsURL, "GOOGLE_CLIENT_ID=" + p.ClientID}
}

// Configure makes cfg trust p.
func (p *Provider) Configure(cfg *config.Config) {
	cfg.GoogleCertsURL = p.CertsURL
	cfg.GoogleClientIDs = []string{p.ClientID}
}

// Claims are the claims of a valid Google ID token for sub, valid for an
// hour; change them and pass them to Sign to build any variant.
func (p *Provider) Claims(sub, email, name string) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": "https://accounts.google.com", "aud": p.ClientID, "azp": p.ClientID,
		"sub": sub, "name": name, "picture": "https://example.com/" + sub + ".png",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if email != "" {
		c["email"], c["email_verified"] = email, true
	}
	return c
}

// Header is the JOSE header of a valid token.
func (p *Provider) Header() map[string]any {
	return map[string]any{"alg": "RS256", "kid": p.KeyID, "typ": "JWT"}
}

// Token mints a valid ID token for sub.
func (p *Provider) Token(t testing.TB, sub, email, name string) string {
	t.Helper()
	return p.Sign(t, p.Header(), p.Claims(sub, email, name))
}

// Sign encodes header and claims and signs them RS256 with p's key,
// whatever header says (so tests can lie about alg or kid).
func (p *Provider) Sign(t testing.TB, header, claims map[string]any) string {
	t.Helper()
	return SignRS256(t, p.key, header, claims)
}

// SignRaw signs the exact bytes given as header and payload JSON (which
// need not be valid JSON), for tests of malformed tokens.
func (p *Provider) SignRaw(t testing.TB, header, payload []byte) string {
	t.Helper()
	return signInput(t, p.key, base64.RawURLEncoding.EncodeToString(header)+"."+base64.RawURLEncoding.EncodeToString(payload))
}

// SignRS256 signs header.claims with key.
func SignRS256(t testing.TB, key *rsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	return signInput(t, key, Encode(t, header)+"."+Encode(t, claims))
}

func signInput(t testing.TB, key *rsa.PrivateKey, input string) string {
	t.Helper()
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	require.NoError(t, err)
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// Encode is a JWT segment: v as JSON, base64url without padding.
func Encode(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base64.RawURLEncoding.EncodeToString(b[:]))
}
