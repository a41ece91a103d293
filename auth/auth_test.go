package auth

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/auth/authtest"
	"inkwell/config"
	"inkwell/testsupport"
)

// countingUsers resolves every identity to user 7 and counts the calls.
type countingUsers struct{ calls atomic.Int64 }

func (c *countingUsers) ResolveUser(context.Context, Identity) (int64, error) {
	c.calls.Add(1)
	return 7, nil
}

func newTestAuthenticator(t *testing.T, google *authtest.Provider, devLogin bool) (*Authenticator, *countingUsers) {
	t.Helper()
	cfg := config.Config{RunMode: "test", AuthDevLogin: devLogin}
	google.Configure(&cfg)
	users := &countingUsers{}
	a, err := New(context.Background(), cfg, users, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	return a, users
}

func TestParseJWT_Malformed(t *testing.T) {
	good := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"
	_, err := parseJWT(good)
	require.NoError(t, err, "the control token must parse")
	for name, raw := range map[string]string{
		"empty":              "",
		"one segment":        "abc",
		"two segments":       "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0",
		"four segments":      good + ".c2ln",
		"empty payload":      "eyJhbGciOiJSUzI1NiJ9..c2ln",
		"space":              good + " ",
		"padding":            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0=.c2ln",
		"std alphabet":       "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2l+",
		"non-canonical b64":  "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn1.c2ln",
		"header not object":  b64.EncodeToString([]byte(`"RS256"`)) + ".eyJzdWIiOiIxIn0.c2ln",
		"header trailing":    b64.EncodeToString([]byte(`{"alg":"RS256"} x`)) + ".eyJzdWIiOiIxIn0.c2ln",
		"payload wrong type": "eyJhbGciOiJSUzI1NiJ9." + b64.EncodeToString([]byte(`{"exp":"tomorrow"}`)) + ".c2ln",
		"too long":           "eyJhbGciOiJSUzI1NiJ9." + strings.Repeat("A", MaxTokenBytes) + ".c2ln",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseJWT(raw)
			assert.ErrorIs(t, err, errMalformed)
		})
	}
}

func TestBearerToken(t *testing.T) {
	for header, want := range map[string]string{
		"Bearer abc": "abc", "bearer abc": "abc", "BEARER abc": "abc",
		"": "", "Bearer": "", "Bearer ": "", "Basic abc": "", "Bearerabc": "", "Token abc": "",
	} {
		got, err := bearerToken(header)
		if want == "" {
			assert.ErrorIs(t, err, ErrRejected, header)
		} else {
			assert.NoError(t, err, header)
			assert.Equal(t, want, got)
		}
	}
}

func TestAuthenticate_CachesUntilExpiry(t *testing.T) {
	google := authtest.NewProvider(t)
	a, users := newTestAuthenticator(t, google, false)
	exp := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	token := google.Sign(t, google.Header(), with(google.Claims("1", "", "One"), "exp", exp.Unix()))
	var verified atomic.Int64
	a.google.now = func() time.Time { verified.Add(1); return time.Now() }

	for range 5 {
		p, err := a.Authenticate(context.Background(), "Bearer "+token)
		require.NoError(t, err)
		assert.Equal(t, int64(7), p.UserID)
		assert.Equal(t, "One", p.Identity.Name)
	}
	assert.Equal(t, int64(1), verified.Load(), "one validation for five requests")
	assert.Equal(t, int64(1), users.calls.Load(), "one user lookup for five requests")

	// Once exp passes the cached entry no longer answers, and a fresh
	// validation refuses the token too.
	a.now = func() time.Time { return exp }
	_, err := a.Authenticate(context.Background(), "Bearer "+token)
	assert.Equal(t, apperror.CodeUnauthorized, testsupport.Code(err))
	a.google.now = func() time.Time { return exp }
	_, err = a.Authenticate(context.Background(), "Bearer "+token)
	assert.Equal(t, apperror.CodeUnauthorized, testsupport.Code(err))
	assert.Equal(t, 0, a.cache.Len())
}

func TestAuthenticate_CacheIsBounded(t *testing.T) {
	google := authtest.NewProvider(t)
	a, _ := newTestAuthenticator(t, google, false)
	small, err := newTokenCache(3)
	require.NoError(t, err)
	a.cache = small
	for i := range 5 {
		_, err := a.Authenticate(context.Background(), "Bearer "+google.Sign(t, google.Header(), with(google.Claims("1", "", ""), "jti", i)))
		require.NoError(t, err)
	}
	assert.Equal(t, 3, a.cache.Len())
}

func TestDevSigner(t *testing.T) {
	google := authtest.NewProvider(t)
	a, _ := newTestAuthenticator(t, google, true)
	other, _ := newTestAuthenticator(t, google, true)
	token, exp, err := a.DevSigner().Mint("Carol")
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(DevTokenTTL), exp, time.Minute)

	id, err := a.Verify(context.Background(), token)
	require.NoError(t, err)
	assert.Equal(t, Identity{Issuer: "dev", Subject: "carol", Name: "Carol", Expires: exp.UTC()}, id)

	_, err = other.Verify(context.Background(), token)
	assert.ErrorIs(t, err, ErrRejected, "another process's dev key must not verify")

	a.dev.now = func() time.Time { return exp }
	_, err = a.Verify(context.Background(), token)
	assert.ErrorIs(t, err, ErrRejected, "expired dev token")

	for _, bad := range []string{"", "-x", "a b", "a/b", strings.Repeat("a", 65), "é"} {
		_, _, err := a.DevSigner().Mint(bad)
		assert.ErrorIs(t, err, ErrBadDevName, bad)
	}
}

func TestNew_RefusesDevLoginInProd(t *testing.T) {
	_, err := New(context.Background(), config.Config{RunMode: "prod", AuthDevLogin: true,
		GoogleClientIDs: []string{"x"}, GoogleCertsURL: config.DefaultGoogleCertsURL}, &countingUsers{}, nil)
	assert.ErrorContains(t, err, "AUTH_DEV_LOGIN")
}

func TestCertsTransport_ClassifiesFailures(t *testing.T) {
	var status atomic.Int64
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
		_, _ = w.Write([]byte(body.Load().(string)))
	}))
	defer srv.Close()
	tr := &certsTransport{target: mustURL(t, srv.URL+"/jwks"), base: http.DefaultTransport}
	get := func(url string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, url, http.NoBody)
		return tr.RoundTrip(req)
	}

	for _, tc := range []struct {
		status int
		body   string
	}{
		{500, `{"keys":[{"kid":"a"}]}`}, {404, ""}, {200, "not json"}, {200, `{"keys":[]}`}, {200, `{}`},
		{200, `{"keys":[{}]}` + strings.Repeat(" ", maxJWKSBytes)},
	} {
		status.Store(int64(tc.status))
		body.Store(tc.body)
		resp, err := get(googleCertsURL)
		if resp != nil {
			resp.Body.Close()
		}
		assert.ErrorIs(t, err, ErrKeysUnavailable, "%d %.30s", tc.status, tc.body)
	}

	status.Store(200)
	body.Store(`{"keys":[{"kid":"a"}]}`)
	resp, err := get(googleCertsURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	assert.Equal(t, `{"keys":[{"kid":"a"}]}`, string(got))
	assert.Equal(t, "max-age=300", resp.Header.Get("Cache-Control"), "a key set without max-age is reused for a while")

	other, err := get("https://www.gstatic.com/iap/verify/public_key-jwk")
	if other != nil {
		other.Body.Close()
	}
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrKeysUnavailable), "IAP keys are never fetched, and asking is not an outage")
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}
