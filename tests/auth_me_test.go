package tests

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/config"
	"inkwell/controllers"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/users"
)

func TestMe_FirstRequestCreatesUserLaterOnesFindIt(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app := newAuthApp(t, db, authtest.NewProvider(t), nil)
		token := app.Google.Token(t, "1234567890", "ada@example.com", "Ada Lovelace")

		resp, body := app.do(t, http.MethodGet, "/api/v1/me", bearer(token), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var me users.Me
		require.NoError(t, json.Unmarshal([]byte(body), &me))
		assert.NotZero(t, me.ID)
		assert.Equal(t, "ada@example.com", me.Email)
		assert.Equal(t, "Ada Lovelace", me.Name)
		assert.Equal(t, "https://example.com/1234567890.png", me.Picture)
		assert.Equal(t, int64(0), me.Points)
		assert.False(t, me.CreatedAt.IsZero())
		assert.Contains(t, body, `"created_at":"`)

		// A second token of the same person finds the same row.
		again := app.Google.Token(t, "1234567890", "ada@example.com", "Ada Lovelace")
		resp, body = app.do(t, http.MethodGet, "/api/v1/me", bearer(again), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var me2 users.Me
		require.NoError(t, json.Unmarshal([]byte(body), &me2))
		assert.Equal(t, me.ID, me2.ID)
		assert.Equal(t, 1, userCount(t, db))
	})
}

func TestDevLogin_TokenPassesTheSameFilter(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app := newAuthApp(t, db, authtest.NewProvider(t), func(c *config.Config) { c.AuthDevLogin = true })

		resp, body := app.do(t, http.MethodGet, "/auth/config", "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.JSONEq(t, `{"google_client_id":"`+authtest.DefaultClientID+`","dev_login_enabled":true}`, body)

		resp, body = app.do(t, http.MethodPost, "/auth/dev-login", "", strings.NewReader(`{"name":"Alice"}`))
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var login controllers.DevLoginResponse
		require.NoError(t, json.Unmarshal([]byte(body), &login))
		assert.Equal(t, "Bearer", login.TokenType)

		resp, body = app.do(t, http.MethodGet, "/api/v1/me", bearer(login.Token), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Contains(t, body, `"name":"Alice"`)
		var issuer, subject string
		require.NoError(t, db.SQL.QueryRow("SELECT issuer, issuer_id FROM users").Scan(&issuer, &subject))
		assert.Equal(t, "dev", issuer)
		assert.Equal(t, "alice", subject)

		resp, body = app.do(t, http.MethodPost, "/auth/dev-login", "", strings.NewReader(`{"name":"../root"}`))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
		assert.Contains(t, body, `"validation_failed"`)
	})
}

func TestDevLogin_DisabledIsNotFoundAndItsTokensAreRefused(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	enabled := newAuthApp(t, db, google, func(c *config.Config) { c.AuthDevLogin = true })
	_, body := enabled.do(t, http.MethodPost, "/auth/dev-login", "", strings.NewReader(`{"name":"mallory"}`))
	var login controllers.DevLoginResponse
	require.NoError(t, json.Unmarshal([]byte(body), &login))
	require.NotEmpty(t, login.Token)

	disabled := newAuthApp(t, db, google, nil)
	resp, body := disabled.do(t, http.MethodPost, "/auth/dev-login", "", strings.NewReader(`{"name":"mallory"}`))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, body)
	_, body = disabled.do(t, http.MethodGet, "/auth/config", "", nil)
	assert.JSONEq(t, `{"google_client_id":"`+authtest.DefaultClientID+`","dev_login_enabled":false}`, body)
	resp, body = disabled.do(t, http.MethodGet, "/api/v1/me", bearer(login.Token), nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
	assert.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"))
}
