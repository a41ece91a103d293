package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/posts"
)

// postsClient talks to an in-process Inkwell as one signed-in user.
type postsClient struct {
	app   *authApp
	token string
	ID    int64
}

// newPostsApp serves the whole app on db (real auth filter trusting a fake
// Google, real controllers and post rules, in-process cache).
func newPostsApp(t *testing.T, db *database.DB) (*authApp, *authtest.Provider) {
	t.Helper()
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, nil)
	return app, google
}

// signIn mints a token for name and learns its user id from /api/v1/me
// (the first request creates the user).
func signIn(t *testing.T, app *authApp, google *authtest.Provider, name string) *postsClient {
	t.Helper()
	c := &postsClient{app: app, token: google.Token(t, "sub-"+name, name+"@example.com", name)}
	resp, body := c.send(t, http.MethodGet, "/api/v1/me", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	var me struct{ ID int64 }
	require.NoError(t, json.Unmarshal(body, &me))
	c.ID = me.ID
	return c
}

// send makes one request; a non-nil body goes with contentType.
func (c *postsClient) send(t *testing.T, method, path, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.app.URL+path, r)
	require.NoError(t, err)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// json sends v as a JSON body (nil: no body) and decodes a 2xx answer into out.
func (c *postsClient) json(t *testing.T, method, path string, v, out any) (int, []byte) {
	t.Helper()
	var body []byte
	ct := ""
	if v != nil {
		var err error
		body, err = json.Marshal(v)
		require.NoError(t, err)
		ct = "application/json"
	}
	resp, b := c.send(t, method, path, ct, body)
	if out != nil && resp.StatusCode < 300 {
		require.NoError(t, json.Unmarshal(b, out), string(b))
	}
	return resp.StatusCode, b
}

func postPath(id int64) string { return fmt.Sprintf("/api/v1/posts/%d", id) }

func TestPostsAPI_CreateReadEditDeleteWithAuthorization(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")

		req, _ := json.Marshal(map[string]any{"title": "Hello", "body_markdown": "**hi** <script>alert(1)</script>", "tags": []string{"go"}})
		resp, body := alice.send(t, http.MethodPost, "/api/v1/posts", "application/json; charset=utf-8", req)
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
		var created map[string]any
		require.NoError(t, json.Unmarshal(body, &created))
		id := int64(created["id"].(float64))
		assert.Equal(t, postPath(id), resp.Header.Get("Location"))
		for _, key := range []string{"id", "author", "title", "slug", "body_markdown", "body_html", "tags", "status",
			"like_count", "comment_count", "liked_by_me", "created_at", "updated_at", "published_at"} {
			assert.Contains(t, created, key)
		}
		assert.Equal(t, "draft", created["status"])
		assert.Nil(t, created["published_at"])
		assert.Equal(t, map[string]any{"id": float64(alice.ID), "name": "alice", "picture": "https://example.com/sub-alice.png"}, created["author"])
		assert.NotContains(t, created["body_html"], "script")

		// A draft: its author reads it, others get 404 for every verb.
		var p posts.Post
		code, _ := alice.json(t, http.MethodGet, resp.Header.Get("Location"), nil, &p)
		assert.Equal(t, http.StatusOK, code)
		for _, tc := range []struct{ method, path string }{
			{http.MethodGet, postPath(id)}, {http.MethodPatch, postPath(id)}, {http.MethodDelete, postPath(id)},
			{http.MethodPut, postPath(id) + "/like"}, {http.MethodDelete, postPath(id) + "/like"},
		} {
			var v any
			if tc.method == http.MethodPatch {
				v = map[string]any{"title": "mine"}
			}
			code, body := bob.json(t, tc.method, tc.path, v, nil)
			assert.Equal(t, http.StatusNotFound, code, "%s %s: %s", tc.method, tc.path, body)
			assert.Equal(t, "not_found", decodeError(t, body).Error.Code)
		}

		// Published: bob reads and likes it but may not change it (403).
		code, _ = alice.json(t, http.MethodPatch, postPath(id), map[string]any{"status": "published"}, &p)
		require.Equal(t, http.StatusOK, code)
		require.NotNil(t, p.PublishedAt)
		code, _ = bob.json(t, http.MethodGet, postPath(id), nil, &p)
		assert.Equal(t, http.StatusOK, code)
		code, body = bob.json(t, http.MethodPatch, postPath(id), map[string]any{"title": "mine"}, nil)
		assert.Equal(t, http.StatusForbidden, code)
		assert.Equal(t, "forbidden", decodeError(t, body).Error.Code)
		code, _ = bob.json(t, http.MethodDelete, postPath(id), nil, nil)
		assert.Equal(t, http.StatusForbidden, code)

		var like posts.LikeState
		code, body = bob.json(t, http.MethodPut, postPath(id)+"/like", nil, &like)
		require.Equal(t, http.StatusOK, code, string(body))
		assert.JSONEq(t, `{"liked": true, "like_count": 1}`, string(body))
		code, body = bob.json(t, http.MethodPut, postPath(id)+"/like", nil, &like)
		assert.Equal(t, http.StatusOK, code)
		assert.JSONEq(t, `{"liked": true, "like_count": 1}`, string(body), "repeating a like changes nothing")
		code, _ = bob.json(t, http.MethodGet, postPath(id), nil, &p)
		assert.Equal(t, http.StatusOK, code)
		assert.True(t, p.LikedByMe)
		code, _ = alice.json(t, http.MethodGet, postPath(id), nil, &p)
		assert.Equal(t, http.StatusOK, code)
		assert.False(t, p.LikedByMe)
		assert.EqualValues(t, 1, p.LikeCount)
		code, body = bob.json(t, http.MethodDelete, postPath(id)+"/like", nil, nil)
		assert.Equal(t, http.StatusOK, code)
		assert.JSONEq(t, `{"liked": false, "like_count": 0}`, string(body))

		var me struct{ Points int64 }
		alice.json(t, http.MethodGet, "/api/v1/me", nil, &me)
		assert.EqualValues(t, 11, me.Points, "+10 first publication, +1 like; an unlike takes nothing back")

		resp, body = alice.send(t, http.MethodDelete, postPath(id), "", nil)
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
		assert.Empty(t, body)
		code, _ = alice.json(t, http.MethodGet, postPath(id), nil, nil)
		assert.Equal(t, http.StatusNotFound, code)
	})
}

func TestPostsAPI_RejectsBadRequestsWithTheErrorEnvelope(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice := signIn(t, app, google, "alice")
		var p posts.Post
		code, _ := alice.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "t", "status": "published"}, &p)
		require.Equal(t, http.StatusCreated, code)

		huge := `{"title": "t", "body_markdown": "` + strings.Repeat("a", 1<<20) + `"}`
		tests := []struct {
			name, method, path, contentType, body string
			status                                int
			code                                  string
			fields                                map[string]string
		}{
			{"text body", "POST", "/api/v1/posts", "text/plain", `{"title":"t"}`, 415, "unsupported_media_type", nil},
			{"form body", "PATCH", postPath(p.ID), "application/x-www-form-urlencoded", "title=t", 415, "unsupported_media_type", nil},
			{"no content type", "POST", "/api/v1/posts", "", `{"title":"t"}`, 415, "unsupported_media_type", nil},
			{"over 1 MiB", "POST", "/api/v1/posts", "application/json", huge, 413, "too_large", nil},
			{"malformed JSON", "POST", "/api/v1/posts", "application/json", `{"title":`, 400, "bad_request", nil},
			{"two values", "POST", "/api/v1/posts", "application/json", `{"title":"a"}{}`, 400, "bad_request", nil},
			{"not an object", "POST", "/api/v1/posts", "application/json", `["t"]`, 400, "bad_request", nil},
			{"wrong type", "POST", "/api/v1/posts", "application/json", `{"title": 5}`, 400, "validation_failed", map[string]string{"title": "must be string"}},
			{"invalid fields", "POST", "/api/v1/posts", "application/json", `{"title": "", "tags": ["Go"], "status": "live"}`, 400, "validation_failed",
				map[string]string{"title": "required", "tags[0]": "must be 1-32 characters of a-z, 0-9 and -", "status": "must be draft or published"}},
			{"too many tags", "PATCH", postPath(p.ID), "application/json", `{"tags": ["a","b","c","d","e","f","g","h","i","j","k"]}`, 400, "validation_failed",
				map[string]string{"tags": "at most 10 tags"}},
			{"id not a number", "GET", "/api/v1/posts/abc", "", "", 400, "bad_request", nil},
			{"id zero", "GET", "/api/v1/posts/0", "", "", 400, "bad_request", nil},
			{"id negative", "DELETE", "/api/v1/posts/-3", "", "", 400, "bad_request", nil},
			{"id overflowing", "PUT", "/api/v1/posts/99999999999999999999/like", "", "", 400, "bad_request", nil},
			{"no such post", "GET", "/api/v1/posts/999999", "", "", 404, "not_found", nil},
			{"limit 0", "GET", "/api/v1/posts?limit=0", "", "", 400, "validation_failed", map[string]string{"limit": "must be an integer from 1 to 100"}},
			{"limit 101", "GET", "/api/v1/posts?limit=101", "", "", 400, "validation_failed", map[string]string{"limit": "must be an integer from 1 to 100"}},
			{"bad cursor", "GET", "/api/v1/posts?cursor=bm9wZQ", "", "", 400, "validation_failed",
				map[string]string{"cursor": "unknown cursor; pass next_cursor from a previous page unchanged"}},
			{"bad author", "GET", "/api/v1/posts?author=me", "", "", 400, "validation_failed", map[string]string{"author": "must be a user id (a positive integer)"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var body []byte
				if tt.body != "" {
					body = []byte(tt.body)
				}
				resp, b := alice.send(t, tt.method, tt.path, tt.contentType, body)
				assert.Equal(t, tt.status, resp.StatusCode, string(b))
				e := decodeError(t, b)
				assert.Equal(t, tt.code, e.Error.Code)
				assert.NotEmpty(t, e.Error.Message)
				assert.Equal(t, tt.fields, e.Error.Fields)
			})
		}
	})
}

func TestPostsAPI_EveryRouteNeedsAToken(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	app, _ := newPostsApp(t, db)
	anonymous := &postsClient{app: app}
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/posts"}, {"POST", "/api/v1/posts"}, {"GET", "/api/v1/posts/1"}, {"PATCH", "/api/v1/posts/1"},
		{"DELETE", "/api/v1/posts/1"}, {"PUT", "/api/v1/posts/1/like"}, {"DELETE", "/api/v1/posts/1/like"},
	} {
		resp, b := anonymous.send(t, tc.method, tc.path, "application/json", []byte(`{"title":"t"}`))
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s %s", tc.method, tc.path)
		assert.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"))
		assert.Equal(t, "unauthorized", decodeError(t, b).Error.Code)
	}
}

func TestPostsAPI_FeedPagesWithFilters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
		var all, alicesGo []int64
		for i := range 7 {
			author, tags := alice, []string{"go"}
			if i%2 == 1 {
				author, tags = bob, []string{"rust"}
			}
			var p posts.Post
			code, b := author.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": fmt.Sprint(i), "status": "published", "tags": tags}, &p)
			require.Equal(t, http.StatusCreated, code, string(b))
			all = append([]int64{p.ID}, all...)
			if author == alice {
				alicesGo = append([]int64{p.ID}, alicesGo...)
			}
		}
		read := func(query string) []int64 {
			var ids []int64
			path := "/api/v1/posts?limit=3" + query
			for range 10 {
				var page struct {
					Items      []posts.Post `json:"items"`
					NextCursor *string      `json:"next_cursor"`
				}
				code, b := bob.json(t, http.MethodGet, path, nil, &page)
				require.Equal(t, http.StatusOK, code, string(b))
				assert.Contains(t, string(b), `"next_cursor":`)
				for _, p := range page.Items {
					ids = append(ids, p.ID)
				}
				if page.NextCursor == nil {
					return ids
				}
				path = "/api/v1/posts?limit=3" + query + "&cursor=" + *page.NextCursor
			}
			t.Fatal("the feed does not end")
			return nil
		}
		assert.Equal(t, all, read(""))
		assert.Equal(t, alicesGo, read("&tag=go"))
		assert.Equal(t, alicesGo, read(fmt.Sprintf("&author=%d&tag=go", alice.ID)))
		assert.Empty(t, read("&tag=python"))

		code, body := bob.json(t, http.MethodGet, "/api/v1/posts", nil, nil)
		require.Equal(t, http.StatusOK, code)
		var page map[string]any
		require.NoError(t, json.Unmarshal(body, &page))
		assert.Len(t, page["items"], 7, "the default page holds 20")
		assert.Nil(t, page["next_cursor"])
	})
}
