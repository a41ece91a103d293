package tests

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/config"
	"inkwell/controllers"
	"inkwell/database"
	"inkwell/database/dbtest"
)

// assertRejected checks docs/api.md's 401: status, envelope, WWW-Authenticate,
// and that neither a controller ran nor a user was created.
func assertRejected(t *testing.T, app *authApp, authorization string) {
	t.Helper()
	before := app.probeRuns.Load()
	users := userCount(t, app.DB)
	resp, body := app.do(t, http.MethodGet, "/api/v1/test-probe", authorization, nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
	assert.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"))
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	var env controllers.ErrorBody
	require.NoError(t, json.Unmarshal([]byte(body), &env), body)
	assert.Equal(t, "unauthorized", env.Error.Code)
	assert.NotEmpty(t, env.Error.Message)
	assert.Equal(t, before, app.probeRuns.Load(), "a controller ran for a rejected request")
	assert.Equal(t, users, userCount(t, app.DB), "a rejected request created a user")
}

func hs256(t *testing.T, secret []byte, header, claims map[string]any) string {
	input := authtest.Encode(t, header) + "." + authtest.Encode(t, claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func es256(t *testing.T, key *ecdsa.PrivateKey, header, claims map[string]any) string {
	input := authtest.Encode(t, header) + "." + authtest.Encode(t, claims)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	require.NoError(t, err)
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestAuthFilter_RejectsEveryInvalidCredential(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		google := authtest.NewProvider(t)
		app := newAuthApp(t, db, google, nil)

		claims := google.Claims("42", "grace@example.com", "Grace Hopper")
		header := google.Header()
		valid := google.Sign(t, header, claims)
		parts := strings.Split(valid, ".")

		otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		pubDER, err := x509.MarshalPKIXPublicKey(google.PublicKey())
		require.NoError(t, err)
		pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		require.NoError(t, err)
		flipped := append([]byte(nil), sig...)
		flipped[len(flipped)-1] ^= 1
		now := time.Now()

		cases := []struct {
			name          string
			authorization string
		}{
			{"no header", ""},
			{"basic scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pass"))},
			{"token without scheme", valid},
			{"bearer without token", "Bearer"},
			{"bearer with empty token", "Bearer "},
			{"bearer with two spaces", "Bearer  " + valid},
			{"two segments", bearer(parts[0] + "." + parts[1])},
			{"four segments", bearer(valid + "." + parts[2])},
			{"empty signature segment", bearer(parts[0] + "." + parts[1] + ".")},
			{"header not base64url", bearer("a" + "." + parts[1] + "." + parts[2])},
			{"padded base64", bearer(parts[0] + "==." + parts[1] + "." + parts[2])},
			{"standard base64 alphabet", bearer(strings.NewReplacer("-", "+", "_", "/").Replace(parts[0]) + "+/." + parts[1] + "." + parts[2])},
			{"header not JSON", bearer(base64.RawURLEncoding.EncodeToString([]byte("{not json")) + "." + parts[1] + "." + parts[2])},
			{"payload not JSON", bearer(parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("hello")) + "." + parts[2])},
			{"payload JSON array", bearer(parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("[1,2]")) + "." + parts[2])},
			{"trailing bytes after the token", bearer(valid + " trailing")},
			{"trailing JSON after the payload", bearer(google.SignRaw(t, mustJSON(t, header), append(mustJSON(t, claims), `{"sub":"evil"}`...)))},
			{"trailing JSON after the header", bearer(google.SignRaw(t, append(mustJSON(t, header), `{}`...), mustJSON(t, claims)))},
			{"bad signature", bearer(parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(flipped))},
			{"payload swapped under a valid signature", bearer(parts[0] + "." + authtest.Encode(t, with(claims, "sub", "43")) + "." + parts[2])},
			{"signed by another key with the known kid", bearer(authtest.SignRS256(t, otherKey, header, claims))},
			{"unknown kid", bearer(google.Sign(t, with(header, "kid", "not-in-the-set"), claims))},
			{"no kid", bearer(google.Sign(t, with(header, "kid", nil), claims))},
			{"alg none, empty signature", bearer(authtest.Encode(t, with(header, "alg", "none")) + "." + parts[1] + ".")},
			{"alg none, any signature", bearer(authtest.Encode(t, with(header, "alg", "none")) + "." + parts[1] + "." + parts[2])},
			{"alg None", bearer(authtest.Encode(t, with(header, "alg", "None")) + "." + parts[1] + "." + parts[2])},
			{"HS256 with a random secret", bearer(hs256(t, []byte("secret"), with(header, "alg", "HS256"), claims))},
			{"HS256 keyed with the public key PEM", bearer(hs256(t, pubPEM, with(header, "alg", "HS256"), claims))},
			{"HS256 keyed with the public key DER", bearer(hs256(t, pubDER, with(header, "alg", "HS256"), claims))},
			{"ES256", bearer(es256(t, ecKey, with(header, "alg", "ES256"), claims))},
			{"RS256 signature labelled RS512", bearer(google.Sign(t, with(header, "alg", "RS512"), claims))},
			{"expired", bearer(google.Sign(t, header, with(claims, "exp", now.Add(-time.Minute).Unix())))},
			{"expires this second", bearer(google.Sign(t, header, with(claims, "exp", now.Unix())))},
			{"no exp", bearer(google.Sign(t, header, with(claims, "exp", nil)))},
			{"wrong aud", bearer(google.Sign(t, header, with(claims, "aud", "someone-else.apps.googleusercontent.com")))},
			{"empty aud", bearer(google.Sign(t, header, with(claims, "aud", "")))},
			{"no aud", bearer(google.Sign(t, header, with(claims, "aud", nil)))},
			{"aud as an array", bearer(google.Sign(t, header, with(claims, "aud", []string{google.ClientID})))},
			{"wrong iss", bearer(google.Sign(t, header, with(claims, "iss", "https://evil.example.com")))},
			{"iss without scheme variant", bearer(google.Sign(t, header, with(claims, "iss", "http://accounts.google.com")))},
			{"no iss", bearer(google.Sign(t, header, with(claims, "iss", nil)))},
			{"dev issuer while dev login is off", bearer(google.Sign(t, header, with(claims, "iss", "inkwell-dev", "aud", "inkwell-dev")))},
			{"email_verified false", bearer(google.Sign(t, header, with(claims, "email_verified", false)))},
			{"email_verified \"false\"", bearer(google.Sign(t, header, with(claims, "email_verified", "false")))},
			{"email without email_verified", bearer(google.Sign(t, header, with(claims, "email_verified", nil)))},
			{"no sub", bearer(google.Sign(t, header, with(claims, "sub", nil)))},
			{"crit header", bearer(google.Sign(t, with(header, "crit", []string{"exp"}), claims))},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) { assertRejected(t, app, tc.authorization) })
		}

		// The control: the same app takes the valid token, so the cases above
		// fail for what they change, not for a broken set-up.
		resp, body := app.do(t, http.MethodGet, "/api/v1/test-probe", bearer(valid), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var userID int64
		require.NoError(t, db.SQL.QueryRow("SELECT id FROM users WHERE issuer_id = ?", "42").Scan(&userID))
		assert.JSONEq(t, fmt.Sprintf(`{"user_id":%d,"context_user_id":%d,"sub":"42"}`, userID, userID), body,
			"controllers see the caller in the Beego context and the request context")
		resp, body = app.do(t, http.MethodGet, "/api/v1/me", "bearer "+valid, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "the scheme is case-insensitive: "+body)
		assert.Equal(t, 1, userCount(t, db))
	})
}

func TestAuthFilter_EmptyClientIDAcceptsNoAudience(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, func(c *config.Config) { c.GoogleClientIDs = nil })
	for _, aud := range []string{google.ClientID, "", "anything"} {
		assertRejected(t, app, bearer(google.Sign(t, google.Header(), with(google.Claims("7", "", "x"), "aud", aud))))
	}
}

func TestAuthFilter_AcceptsEveryConfiguredAudienceAndBothIssuerSpellings(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, func(c *config.Config) {
		c.GoogleClientIDs = []string{"web.apps.googleusercontent.com", google.ClientID}
	})
	for _, tc := range []struct{ aud, iss string }{
		{"web.apps.googleusercontent.com", "accounts.google.com"},
		{google.ClientID, "https://accounts.google.com"},
	} {
		token := google.Sign(t, google.Header(), with(google.Claims("99", "", "Both"), "aud", tc.aud, "iss", tc.iss))
		resp, body := app.do(t, http.MethodGet, "/api/v1/me", bearer(token), nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	}
	assert.Equal(t, 1, userCount(t, db), "both iss spellings are one Google account")
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
