package tests

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
)

// Issue 14 item 2 over HTTP: markdown the renderer refuses is a 400 that
// names body_markdown and says why; the feed carries an excerpt, not the
// body, so its size does not grow with the posts'; a title that is only
// zero-width characters is refused.
func TestPostsAPI_RefusedMarkdownIs400AndTheFeedCarriesExcerpts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice := signIn(t, app, google, "alice")

		code, body := alice.json(t, http.MethodPost, "/api/v1/posts",
			map[string]any{"title": "deep", "body_markdown": strings.Repeat("1. ", 60_000)}, nil)
		require.Equal(t, http.StatusBadRequest, code, string(body))
		var refused struct {
			Error struct {
				Code   string            `json:"code"`
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		require.NoError(t, json.Unmarshal(body, &refused))
		assert.Equal(t, "validation_failed", refused.Error.Code)
		assert.Contains(t, refused.Error.Fields["body_markdown"], "nests quotes and lists more than 32 levels deep")

		code, body = alice.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "\u200b\u200b"}, nil)
		require.Equal(t, http.StatusBadRequest, code, string(body))
		assert.Contains(t, string(body), `"title":"must contain visible characters"`)

		long := "Intro with **bold** and a [link](https://example.com).\n\n" + strings.Repeat("Many words in a long post. ", 7_000)
		for range 3 {
			code, body = alice.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "long", "body_markdown": long, "status": "published"}, nil)
			require.Equal(t, http.StatusCreated, code, string(body))
		}
		resp, feed := alice.send(t, http.MethodGet, "/api/v1/posts?limit=100", "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var page struct {
			Items []map[string]any `json:"items"`
		}
		require.NoError(t, json.Unmarshal(feed, &page))
		require.Len(t, page.Items, 3)
		for _, item := range page.Items {
			assert.NotContains(t, item, "body_html")
			assert.NotContains(t, item, "body_markdown")
			assert.True(t, strings.HasPrefix(item["excerpt"].(string), "Intro with bold and a link. Many words"), item["excerpt"])
		}
		assert.Less(t, len(feed), 3*1_000, "three posts of %d bytes each", len(long))
	})
}
