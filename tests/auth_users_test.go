package tests

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/users"
)

func TestAuthFilter_ConcurrentFirstSignInCreatesOneUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		google := authtest.NewProvider(t)
		app := newAuthApp(t, db, google, nil)
		const n = 20
		// Distinct tokens of one new person, so no request is answered from
		// another's cache entry: all 20 race to create the user.
		tokens := make([]string, n)
		for i := range tokens {
			tokens[i] = google.Sign(t, google.Header(), with(google.Claims("314159", "pi@example.com", "Pi"), "jti", i))
		}
		ids := make([]int64, n)
		statuses := make([]int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				req, _ := http.NewRequest(http.MethodGet, app.URL+"/api/v1/me", http.NoBody)
				req.Header.Set("Authorization", bearer(tokens[i]))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				defer resp.Body.Close()
				statuses[i] = resp.StatusCode
				var me users.Me
				if json.NewDecoder(resp.Body).Decode(&me) == nil {
					ids[i] = me.ID
				}
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			assert.Equal(t, http.StatusOK, statuses[i], "request %d", i)
			assert.Equal(t, ids[0], ids[i], "request %d saw another user", i)
		}
		assert.NotZero(t, ids[0])
		assert.Equal(t, 1, userCount(t, db))
	})
}

func TestAuthFilter_RefreshesProfileWhenTheTokenDiffers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		google := authtest.NewProvider(t)
		app := newAuthApp(t, db, google, nil)
		first := google.Token(t, "2718", "old@example.com", "Old Name")
		resp, body := app.do(t, http.MethodGet, "/api/v1/me", bearer(first), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var before users.Me
		require.NoError(t, json.Unmarshal([]byte(body), &before))

		second := google.Sign(t, google.Header(), with(google.Claims("2718", "new@example.com", "New Name"),
			"picture", "https://example.com/new.png"))
		resp, body = app.do(t, http.MethodGet, "/api/v1/me", bearer(second), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var after users.Me
		require.NoError(t, json.Unmarshal([]byte(body), &after))

		assert.Equal(t, before.ID, after.ID)
		assert.Equal(t, "new@example.com", after.Email)
		assert.Equal(t, "New Name", after.Name)
		assert.Equal(t, "https://example.com/new.png", after.Picture)
		assert.True(t, before.CreatedAt.Equal(after.CreatedAt), "created_at must not move")
		var email, name, picture string
		require.NoError(t, db.SQL.QueryRow("SELECT email, name, picture FROM users WHERE id = ?", after.ID).Scan(&email, &name, &picture))
		assert.Equal(t, []string{"new@example.com", "New Name", "https://example.com/new.png"}, []string{email, name, picture})
		assert.Equal(t, 1, userCount(t, db))
	})
}
