package tests

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/config"
	"inkwell/controllers"
	"inkwell/database/dbtest"
)

// assertUnavailable checks the 503 of docs/api.md and that no controller ran.
func assertUnavailable(t *testing.T, app *authApp, token string) {
	t.Helper()
	before := app.probeRuns.Load()
	resp, body := app.do(t, http.MethodGet, "/api/v1/test-probe", bearer(token), nil)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
	var env controllers.ErrorBody
	require.NoError(t, json.Unmarshal([]byte(body), &env), body)
	assert.Equal(t, "unavailable", env.Error.Code)
	assert.Empty(t, resp.Header.Get("WWW-Authenticate"), "the caller's token is not at fault")
	assert.Equal(t, before, app.probeRuns.Load())
	assert.Equal(t, 0, userCount(t, app.DB))
}

func TestAuthFilter_KeysUnreachableIs503(t *testing.T) {
	t.Parallel()
	// A port that was free a moment ago: connections are refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedURL := "http://" + ln.Addr().String() + "/certs"
	require.NoError(t, ln.Close())

	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>maintenance</html>"))
	}))
	defer garbage.Close()
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	defer empty.Close()

	for _, tc := range []struct {
		name     string
		certsURL string
	}{
		{"connection refused", closedURL},
		{"not a key set", garbage.URL},
		{"empty key set", empty.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := dbtest.Open(t, "sqlite", true)
			google := authtest.NewProvider(t)
			app := newAuthApp(t, db, google, func(c *config.Config) { c.GoogleCertsURL = tc.certsURL })
			assertUnavailable(t, app, google.Token(t, "1", "a@example.com", "A"))
		})
	}
}

func TestAuthFilter_KeysErrorStatusIs503ThenRecovers(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, nil)
	token := google.Token(t, "1", "a@example.com", "A")

	google.FailJWKS(http.StatusInternalServerError)
	assertUnavailable(t, app, token)
	// A token that is wrong on its face is still the caller's fault.
	assertRejected(t, app, bearer(google.Sign(t, google.Header(), with(google.Claims("1", "", ""), "aud", "other"))))

	google.FailJWKS(0)
	resp, body := app.do(t, http.MethodGet, "/api/v1/me", bearer(token), nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
}

func TestAuthFilter_RepeatedTokenSkipsValidation(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	// Keys served uncacheable: every real validation fetches them, so the
	// fetch count shows how many validations ran.
	google.SetKeysMaxAge(0)
	app := newAuthApp(t, db, google, nil)
	token := google.Token(t, "5", "c@example.com", "C")

	for range 3 {
		resp, body := app.do(t, http.MethodGet, "/api/v1/me", bearer(token), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
	}
	assert.Equal(t, int64(1), google.Fetches(), "one validation for three requests of one token")

	// A different token is validated on its own, even for the same person.
	other := google.Token(t, "5", "c@example.com", "C2")
	resp, body := app.do(t, http.MethodGet, "/api/v1/me", bearer(other), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, int64(2), google.Fetches())

	// A tampered copy of a cached token is not a cache hit.
	assertRejected(t, app, bearer(token[:len(token)-2]+flipChar(token[len(token)-2])+token[len(token)-1:]))
}

func flipChar(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestAuthFilter_DatabaseDownIs503(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, nil)
	require.NoError(t, db.Close())
	before := app.probeRuns.Load()
	resp, body := app.do(t, http.MethodGet, "/api/v1/test-probe", bearer(google.Token(t, "1", "", "A")), nil)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
	assert.Contains(t, body, `"code":"unavailable"`)
	assert.Equal(t, before, app.probeRuns.Load())
}
