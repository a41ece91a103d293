package tests

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/tests/apptest"
)

// Spellings of the unsafe prod settings beyond the plain ones that
// TestStart_RefusesBadConfigurationWithOneClearLine covers.
func TestBinary_ProdRefusesEverySpellingOfUnsafeAuth(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"dev login as 1", []string{"RUNMODE=prod", "GOOGLE_CLIENT_ID=x", "AUTH_DEV_LOGIN=1"}, "AUTH_DEV_LOGIN=true is refused when RUNMODE=prod"},
		{"dev login as TRUE", []string{"RUNMODE=prod", "GOOGLE_CLIENT_ID=x", "AUTH_DEV_LOGIN=TRUE"}, "AUTH_DEV_LOGIN=true is refused when RUNMODE=prod"},
		{"blank client id list", []string{"RUNMODE=prod", "GOOGLE_CLIENT_ID= , "}, "GOOGLE_CLIENT_ID is required when RUNMODE=prod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code := apptest.Run(t, append(tc.env, "SQLITE_PATH="+filepath.Join(t.TempDir(), "i.db")), "serve")
			assert.Equal(t, 1, code, out)
			assert.Contains(t, out, tc.want)
			assert.NotContains(t, out, "listening", "it must refuse before serving")
		})
	}
}

// A correctly configured prod process trusts GOOGLE_CERTS_URL's keys for
// GOOGLE_CLIENT_ID and has no development sign-in.
func TestBinary_ProdServesGoogleTokensOnly(t *testing.T) {
	google := authtest.NewProvider(t)
	app := apptest.Start(t, append(google.Env(), "RUNMODE=prod", "SQLITE_PATH="+filepath.Join(t.TempDir(), "i.db"))...)

	resp := mustGet(t, app.URL+"/api/v1/me", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"))
	resp = mustGet(t, app.URL+"/api/v1/me", bearer(google.Token(t, "8", "p@example.com", "Prod")))
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	login, err := http.Post(app.URL+"/auth/dev-login", "application/json", strings.NewReader(`{"name":"alice"}`))
	require.NoError(t, err)
	login.Body.Close()
	assert.Equal(t, http.StatusNotFound, login.StatusCode)
}

func TestBinary_DevLoginWorksOutsideProd(t *testing.T) {
	google := authtest.NewProvider(t)
	app := apptest.Start(t, append(google.Env(), "RUNMODE=dev", "AUTH_DEV_LOGIN=true", "SQLITE_PATH="+filepath.Join(t.TempDir(), "i.db"))...)
	login, err := http.Post(app.URL+"/auth/dev-login", "application/json", strings.NewReader(`{"name":"bob"}`))
	require.NoError(t, err)
	defer login.Body.Close()
	require.Equal(t, http.StatusOK, login.StatusCode)
	var body struct{ Token string }
	require.NoError(t, jsonDecode(login, &body))
	resp := mustGet(t, app.URL+"/api/v1/me", bearer(body.Token))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func mustGet(t *testing.T, url, authorization string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, http.NoBody)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}
