package controllers

import (
	"errors"
	"net/http"
	"time"

	"inkwell/apperror"
	"inkwell/auth"
)

// AuthController serves the public sign-in helpers: what the PWA needs to
// start Google sign-in, and the development sign-in when it is enabled.
type AuthController struct {
	BaseController
	// Auth mints development tokens when AUTH_DEV_LOGIN=true (nil: none).
	Auth *auth.Authenticator
	// GoogleClientID is the OAuth client the PWA signs in with ("" when
	// Google sign-in is not configured).
	GoogleClientID string
}

// AuthConfig tells a client how to sign in.
type AuthConfig struct {
	GoogleClientID  string `json:"google_client_id"`
	DevLoginEnabled bool   `json:"dev_login_enabled"`
}

// Config says how to sign in.
// @Title Sign-in configuration
// @Description The Google OAuth client id the PWA signs in with (the first of GOOGLE_CLIENT_ID) and whether POST /auth/dev-login is enabled. Public.
// @Success 200 {object} controllers.AuthConfig
// @router /auth/config [get]
func (c *AuthController) Config() {
	c.RenderJSON(http.StatusOK, AuthConfig{GoogleClientID: c.GoogleClientID, DevLoginEnabled: c.devSigner() != nil})
}

// DevLoginRequest names the development user to sign in as.
type DevLoginRequest struct {
	Name string `json:"name"`
}

// DevLoginResponse carries a bearer token the /api/v1 filter accepts.
type DevLoginResponse struct {
	Token     string    `json:"token"`
	TokenType string    `json:"token_type"`
	ExpiresAt time.Time `json:"expires_at"`
}

// DevLogin signs in as a named local user without Google.
// @Title Development sign-in
// @Description Only when AUTH_DEV_LOGIN=true (never in prod): returns a bearer token for the development user `name` (created on first use, stored under issuer "dev"). Tokens die when the process restarts. 404 when disabled.
// @Param body body controllers.DevLoginRequest true "the user to sign in as"
// @Success 200 {object} controllers.DevLoginResponse
// @Failure 400 {object} controllers.ErrorBody invalid name or body
// @Failure 404 {object} controllers.ErrorBody development sign-in is disabled
// @router /auth/dev-login [post]
func (c *AuthController) DevLogin() {
	signer := c.devSigner()
	if signer == nil {
		// Disabled looks exactly like absent.
		c.RenderError(apperror.NotFound("no route for POST /auth/dev-login"))
		return
	}
	var req DevLoginRequest
	if err := c.DecodeJSON(&req); err != nil {
		c.RenderError(err)
		return
	}
	token, exp, err := signer.Mint(req.Name)
	if errors.Is(err, auth.ErrBadDevName) {
		c.RenderError(apperror.Validation(map[string]string{"name": err.Error()}))
		return
	}
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, DevLoginResponse{Token: token, TokenType: "Bearer", ExpiresAt: exp})
}

func (c *AuthController) devSigner() *auth.DevSigner {
	if c.Auth == nil {
		return nil
	}
	return c.Auth.DevSigner()
}
