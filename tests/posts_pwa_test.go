package tests

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
)

// createWithKey POSTs a post with an Idempotency-Key header (empty: none).
func createWithKey(t *testing.T, c *postsClient, key, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.app.URL+"/api/v1/posts", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out), string(b))
	return resp, out
}

// The PWA's offline outbox resends a create whose answer it never got; the
// same Idempotency-Key must then answer the first post, not make another.
func TestPostsAPI_IdempotencyKeyMakesARetriedCreateHarmless(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
		body := `{"title":"Written on the train","body_markdown":"No signal.","status":"draft"}`

		first, p1 := createWithKey(t, alice, "6f1c9a52-2b7e-4c0e-9d3f-1a2b3c4d5e6f", body)
		require.Equal(t, http.StatusCreated, first.StatusCode, p1)
		assert.Empty(t, first.Header.Get("Idempotent-Replayed"))

		again, p2 := createWithKey(t, alice, "6f1c9a52-2b7e-4c0e-9d3f-1a2b3c4d5e6f", body)
		require.Equal(t, http.StatusCreated, again.StatusCode, p2)
		assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
		assert.Equal(t, p1["id"], p2["id"])
		assert.Equal(t, first.Header.Get("Location"), again.Header.Get("Location"))

		other, p3 := createWithKey(t, bob, "6f1c9a52-2b7e-4c0e-9d3f-1a2b3c4d5e6f", body)
		require.Equal(t, http.StatusCreated, other.StatusCode, p3)
		assert.NotEqual(t, p1["id"], p3["id"], "keys are per user")

		plain, p4 := createWithKey(t, alice, "", body)
		require.Equal(t, http.StatusCreated, plain.StatusCode, p4)
		assert.NotEqual(t, p1["id"], p4["id"], "without a key every create is new")

		bad, e := createWithKey(t, alice, "not a key", body)
		assert.Equal(t, http.StatusBadRequest, bad.StatusCode)
		assert.Equal(t, "bad_request", e["error"].(map[string]any)["code"])
	})
}

// "My drafts" in the PWA: status=draft lists the caller's drafts only.
func TestPostsAPI_StatusDraftListsOnlyTheCallersDrafts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
		for _, c := range []struct {
			who           *postsClient
			title, status string
		}{{alice, "alice draft", "draft"}, {alice, "alice published", "published"}, {bob, "bob draft", "draft"}} {
			code, body := c.who.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": c.title, "body_markdown": "x", "status": c.status}, nil)
			require.Equal(t, http.StatusCreated, code, string(body))
		}

		var page struct {
			Items []struct {
				Title  string `json:"title"`
				Status string `json:"status"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		code, body := alice.json(t, http.MethodGet, "/api/v1/posts?status=draft&author="+strconv.FormatInt(alice.ID, 10), nil, &page)
		require.Equal(t, http.StatusOK, code, string(body))
		require.Len(t, page.Items, 1)
		assert.Equal(t, "alice draft", page.Items[0].Title)
		assert.Equal(t, "draft", page.Items[0].Status)
		assert.Nil(t, page.NextCursor)

		code, body = alice.json(t, http.MethodGet, "/api/v1/posts?status=draft&author="+strconv.FormatInt(bob.ID, 10), nil, nil)
		assert.Equal(t, http.StatusBadRequest, code, string(body))
		assert.Contains(t, string(body), `"author"`)
		code, body = alice.json(t, http.MethodGet, "/api/v1/posts?status=secret", nil, nil)
		assert.Equal(t, http.StatusBadRequest, code, string(body))
		assert.Contains(t, string(body), `"status"`)

		code, body = alice.json(t, http.MethodGet, "/api/v1/posts?status=published", nil, &page)
		require.Equal(t, http.StatusOK, code, string(body))
		require.Len(t, page.Items, 1, "the feed is unchanged")
		assert.Equal(t, "alice published", page.Items[0].Title)
	})
}
