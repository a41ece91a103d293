package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/comments"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/idempotency"
	"inkwell/ledger"
	"inkwell/models"
	"inkwell/posts"
)

func commentPath(id int64) string { return fmt.Sprintf("/api/v1/comments/%d", id) }

func postCommentsPath(post int64) string { return fmt.Sprintf("/api/v1/posts/%d/comments", post) }

// publish creates a published post by c and returns its id.
func (c *postsClient) publish(t *testing.T, title string) int64 {
	t.Helper()
	var p posts.Post
	code, body := c.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": title, "status": "published"}, &p)
	require.Equal(t, http.StatusCreated, code, string(body))
	return p.ID
}

// comment writes a comment (a reply when parent is not 0) and returns it.
func (c *postsClient) comment(t *testing.T, post, parent int64, text string) comments.Comment {
	t.Helper()
	in := map[string]any{"body_markdown": text}
	if parent != 0 {
		in["parent_id"] = parent
	}
	var cm comments.Comment
	code, body := c.json(t, http.MethodPost, postCommentsPath(post), in, &cm)
	require.Equal(t, http.StatusCreated, code, string(body))
	return cm
}

// createWithKey posts a comment with an Idempotency-Key header.
func (c *postsClient) createWithKey(t *testing.T, post int64, key, text string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.app.URL+postCommentsPath(post),
		strings.NewReader(fmt.Sprintf(`{"body_markdown":%q}`, text)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(idempotency.KeyHeader, key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// wantError checks an error answer's status, code and (if given) field.
func wantError(t *testing.T, code int, body []byte, wantStatus int, wantCode, field string) {
	t.Helper()
	require.Equal(t, wantStatus, code, string(body))
	e := decodeError(t, body)
	assert.Equal(t, wantCode, e.Error.Code, string(body))
	if field != "" {
		assert.Contains(t, e.Error.Fields, field, string(body))
	}
}

func TestCommentsAPI_CreateWithIdempotencyKeyAndItsRefusals(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice, bob, carol := signIn(t, app, google, "alice"), signIn(t, app, google, "bob"), signIn(t, app, google, "carol")
		post, other := alice.publish(t, "thread"), alice.publish(t, "other")

		resp, body := bob.createWithKey(t, post, "outbox-1", "**first**")
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
		var first comments.Comment
		require.NoError(t, json.Unmarshal(body, &first))
		assert.Equal(t, commentPath(first.ID), resp.Header.Get("Location"))
		assert.Empty(t, resp.Header.Get(idempotency.ReplayedHeader))
		assert.Equal(t, post, first.PostID)
		assert.Nil(t, first.ParentID)
		assert.Equal(t, "visible", first.Status)
		require.NotNil(t, first.BodyHTML)
		assert.Contains(t, *first.BodyHTML, "<strong>first</strong>")
		require.NotNil(t, first.Author)
		assert.Equal(t, bob.ID, first.Author.ID)
		assert.Equal(t, []comments.Comment{}, first.Replies)

		// The same key again by the same user: the same comment, replayed, nothing new.
		resp, body = bob.createWithKey(t, post, "outbox-1", "**first** sent again")
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
		var replay comments.Comment
		require.NoError(t, json.Unmarshal(body, &replay))
		assert.Equal(t, first.ID, replay.ID)
		assert.Equal(t, "true", resp.Header.Get(idempotency.ReplayedHeader))
		assert.Equal(t, commentPath(first.ID), resp.Header.Get("Location"))
		// The key is per user: carol's comment with it is her own.
		resp, body = carol.createWithKey(t, post, "outbox-1", "mine")
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
		var carols comments.Comment
		require.NoError(t, json.Unmarshal(body, &carols))
		assert.NotEqual(t, first.ID, carols.ID)
		var p posts.Post
		code, _ := alice.json(t, http.MethodGet, postPath(post), nil, &p)
		require.Equal(t, http.StatusOK, code)
		assert.EqualValues(t, 2, p.CommentCount)

		// A reply names its parent.
		reply := carol.comment(t, post, first.ID, "a reply")
		require.NotNil(t, reply.ParentID)
		assert.Equal(t, first.ID, *reply.ParentID)
		assert.Equal(t, 1, reply.Depth)

		// Refusals.
		code, body = bob.json(t, http.MethodPost, postCommentsPath(post), map[string]any{"body_markdown": "  "}, nil)
		wantError(t, code, body, http.StatusBadRequest, "validation_failed", "body_markdown")
		code, body = bob.json(t, http.MethodPost, postCommentsPath(post), map[string]any{"body_markdown": strings.Repeat("x", 10_001)}, nil)
		wantError(t, code, body, http.StatusBadRequest, "validation_failed", "body_markdown")
		code, body = bob.json(t, http.MethodPost, postCommentsPath(other), map[string]any{"body_markdown": "x", "parent_id": first.ID}, nil)
		wantError(t, code, body, http.StatusBadRequest, "validation_failed", "parent_id")
		code, body = bob.json(t, http.MethodPost, postCommentsPath(post), map[string]any{"body_markdown": "x", "parent_id": 999999}, nil)
		wantError(t, code, body, http.StatusBadRequest, "validation_failed", "parent_id")
		r, b := bob.send(t, http.MethodPost, postCommentsPath(post), "application/json", []byte(`{"body_markdown":`))
		wantError(t, r.StatusCode, b, http.StatusBadRequest, "bad_request", "")
		r, b = bob.createWithKey(t, post, strings.Repeat("k", 101), "x")
		wantError(t, r.StatusCode, b, http.StatusBadRequest, "bad_request", "")
		code, body = bob.json(t, http.MethodPost, "/api/v1/posts/x/comments", map[string]any{"body_markdown": "x"}, nil)
		wantError(t, code, body, http.StatusBadRequest, "bad_request", "")
		// A post the caller cannot see: missing, or someone else's draft.
		code, body = bob.json(t, http.MethodPost, postCommentsPath(999999), map[string]any{"body_markdown": "x"}, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")
		var draft posts.Post
		code, _ = alice.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "draft"}, &draft)
		require.Equal(t, http.StatusCreated, code)
		code, body = bob.json(t, http.MethodPost, postCommentsPath(draft.ID), map[string]any{"body_markdown": "x"}, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")
		code, body = bob.json(t, http.MethodGet, postCommentsPath(draft.ID), nil, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")
		// Signed out: 401 from the filter.
		anon := &postsClient{app: app}
		code, _ = anon.json(t, http.MethodGet, postCommentsPath(post), nil, nil)
		assert.Equal(t, http.StatusUnauthorized, code)
	})
}

func TestCommentsAPI_ListingsThreadsAndTheirParameters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
		post := alice.publish(t, "thread")
		a := bob.comment(t, post, 0, "a")
		b := bob.comment(t, post, 0, "b")
		c := alice.comment(t, post, 0, "c")
		// a chain under a, four deep
		chain := []int64{a.ID}
		for i := range 4 {
			chain = append(chain, alice.comment(t, post, chain[len(chain)-1], fmt.Sprint("deep ", i)).ID)
		}

		var page comments.Page
		code, body := bob.json(t, http.MethodGet, postCommentsPath(post)+"?sort=new&limit=2&depth=1", nil, &page)
		require.Equal(t, http.StatusOK, code, string(body))
		require.Len(t, page.Items, 2)
		assert.Equal(t, []int64{c.ID, b.ID}, []int64{page.Items[0].ID, page.Items[1].ID})
		require.NotNil(t, page.NextCursor)
		var next comments.Page
		code, body = bob.json(t, http.MethodGet, postCommentsPath(post)+"?sort=new&limit=2&depth=1&cursor="+url.QueryEscape(*page.NextCursor), nil, &next)
		require.Equal(t, http.StatusOK, code, string(body))
		require.Len(t, next.Items, 1)
		assert.Equal(t, a.ID, next.Items[0].ID)
		assert.Nil(t, next.NextCursor)
		// depth 1: a shows its reply, which has replies: [] and more_replies 1
		require.Len(t, next.Items[0].Replies, 1)
		assert.Equal(t, chain[1], next.Items[0].Replies[0].ID)
		assert.Empty(t, next.Items[0].Replies[0].Replies)
		assert.EqualValues(t, 1, next.Items[0].Replies[0].MoreReplies)

		// Defaults: best, 20, depth 3 — every top-level comment, the chain three levels down.
		code, body = bob.json(t, http.MethodGet, postCommentsPath(post), nil, &page)
		require.Equal(t, http.StatusOK, code, string(body))
		require.Len(t, page.Items, 3)
		var deepest *comments.Comment
		for i := range page.Items {
			if page.Items[i].ID == a.ID {
				deepest = &page.Items[i]
			}
		}
		require.NotNil(t, deepest)
		for range 3 {
			require.Len(t, deepest.Replies, 1)
			deepest = &deepest.Replies[0]
		}
		assert.Equal(t, chain[3], deepest.ID)
		assert.EqualValues(t, 1, deepest.MoreReplies)

		// Parameters out of range or malformed.
		for q, field := range map[string]string{"sort=hot": "sort", "limit=0": "limit", "limit=101": "limit", "limit=x": "limit",
			"depth=11": "depth", "depth=-1": "depth", "depth=x": "depth"} {
			code, body = bob.json(t, http.MethodGet, postCommentsPath(post)+"?"+q, nil, nil)
			wantError(t, code, body, http.StatusBadRequest, "validation_failed", field)
		}
		code, body = bob.json(t, http.MethodGet, postCommentsPath(post)+"?cursor=garbage", nil, nil)
		wantError(t, code, body, http.StatusBadRequest, "bad_request", "")
		// a cursor of another sort is refused
		code, body = bob.json(t, http.MethodGet, postCommentsPath(post)+"?sort=old&limit=2&depth=1&cursor="+url.QueryEscape(bestCursor(t, bob, post)), nil, nil)
		wantError(t, code, body, http.StatusBadRequest, "bad_request", "")
		code, body = bob.json(t, http.MethodGet, postCommentsPath(999999), nil, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")

		// One comment: its thread below and its ancestors above.
		var thread comments.Thread
		code, body = bob.json(t, http.MethodGet, commentPath(chain[3])+"?depth=1", nil, &thread)
		require.Equal(t, http.StatusOK, code, string(body))
		assert.Equal(t, chain[3], thread.ID)
		require.Len(t, thread.Replies, 1)
		assert.Equal(t, chain[4], thread.Replies[0].ID)
		require.Len(t, thread.Ancestors, 3)
		assert.Equal(t, []int64{chain[0], chain[1], chain[2]}, []int64{thread.Ancestors[0].ID, thread.Ancestors[1].ID, thread.Ancestors[2].ID})
		code, body = bob.json(t, http.MethodGet, commentPath(chain[3])+"?depth=11", nil, nil)
		wantError(t, code, body, http.StatusBadRequest, "validation_failed", "depth")
		code, body = bob.json(t, http.MethodGet, commentPath(999999), nil, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")
		code, body = bob.json(t, http.MethodGet, "/api/v1/comments/0", nil, nil)
		wantError(t, code, body, http.StatusBadRequest, "bad_request", "")

		// Replies of one comment, in pages.
		code, body = bob.json(t, http.MethodGet, commentPath(a.ID)+"/replies?limit=1&depth=0", nil, &page)
		require.Equal(t, http.StatusOK, code, string(body))
		require.Len(t, page.Items, 1)
		assert.Equal(t, chain[1], page.Items[0].ID)
		assert.Nil(t, page.NextCursor)
		code, body = bob.json(t, http.MethodGet, commentPath(a.ID)+"/replies?limit=500", nil, nil)
		wantError(t, code, body, http.StatusBadRequest, "validation_failed", "limit")
		code, body = bob.json(t, http.MethodGet, commentPath(999999)+"/replies", nil, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")

		// A post back to draft takes its comments with it for everyone else.
		code, _ = alice.json(t, http.MethodPatch, postPath(post), map[string]any{"status": "draft"}, nil)
		require.Equal(t, http.StatusOK, code)
		code, body = bob.json(t, http.MethodGet, commentPath(a.ID), nil, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")
		code, body = bob.json(t, http.MethodGet, postCommentsPath(post), nil, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")
	})
}

// bestCursor returns the next_cursor of the post's best listing (limit 1).
func bestCursor(t *testing.T, c *postsClient, post int64) string {
	t.Helper()
	var page comments.Page
	code, body := c.json(t, http.MethodGet, postCommentsPath(post)+"?sort=best&limit=1", nil, &page)
	require.Equal(t, http.StatusOK, code, string(body))
	require.NotNil(t, page.NextCursor)
	return *page.NextCursor
}

func TestCommentsAPI_EditVoteLikeReportDeleteWithAuthorization(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice, bob, carol, mod := signIn(t, app, google, "alice"), signIn(t, app, google, "bob"),
			signIn(t, app, google, "carol"), signIn(t, app, google, "mod")
		require.NoError(t, comments.SetRole(context.Background(), db.Orm(), "mod@example.com", models.RoleModerator))
		post := alice.publish(t, "thread")
		top := bob.comment(t, post, 0, "bob's")
		reply := carol.comment(t, post, top.ID, "carol's")

		// Edit: author only.
		code, body := carol.json(t, http.MethodPatch, commentPath(top.ID), map[string]any{"body_markdown": "mine now"}, nil)
		wantError(t, code, body, http.StatusForbidden, "forbidden", "")
		var edited comments.Comment
		code, body = bob.json(t, http.MethodPatch, commentPath(top.ID), map[string]any{"body_markdown": "bob's, *edited*"}, &edited)
		require.Equal(t, http.StatusOK, code, string(body))
		require.NotNil(t, edited.EditedAt)
		assert.Contains(t, *edited.BodyHTML, "<em>edited</em>")
		code, body = bob.json(t, http.MethodPatch, commentPath(top.ID), map[string]any{"body_markdown": ""}, nil)
		wantError(t, code, body, http.StatusBadRequest, "validation_failed", "body_markdown")
		code, body = bob.json(t, http.MethodPatch, commentPath(999999), map[string]any{"body_markdown": "x"}, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")

		// Vote: idempotent, answers the counts and the caller's vote.
		var vote comments.VoteState
		for range 2 {
			code, body = carol.json(t, http.MethodPut, commentPath(top.ID)+"/vote", map[string]any{"value": 1}, &vote)
			require.Equal(t, http.StatusOK, code, string(body))
			assert.Equal(t, comments.VoteState{UpCount: 1, DownCount: 0, MyVote: 1}, vote)
		}
		code, _ = alice.json(t, http.MethodPut, commentPath(top.ID)+"/vote", map[string]any{"value": -1}, &vote)
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, comments.VoteState{UpCount: 1, DownCount: 1, MyVote: -1}, vote)
		code, _ = alice.json(t, http.MethodPut, commentPath(top.ID)+"/vote", map[string]any{"value": 0}, &vote)
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, comments.VoteState{UpCount: 1, DownCount: 0, MyVote: 0}, vote)
		code, body = carol.json(t, http.MethodPut, commentPath(top.ID)+"/vote", map[string]any{"value": 2}, nil)
		wantError(t, code, body, http.StatusBadRequest, "validation_failed", "value")
		code, body = carol.json(t, http.MethodPut, commentPath(999999)+"/vote", map[string]any{"value": 1}, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")

		// Like: idempotent; the first like pays bob one point, once.
		balance := func() int64 {
			var w ledger.Wallet
			code, body := bob.json(t, http.MethodGet, "/api/v1/wallet", nil, &w)
			require.Equal(t, http.StatusOK, code, string(body))
			return w.Balance
		}
		before := balance()
		var like comments.LikeState
		for range 2 {
			code, body = carol.json(t, http.MethodPut, commentPath(top.ID)+"/like", nil, &like)
			require.Equal(t, http.StatusOK, code, string(body))
			assert.Equal(t, comments.LikeState{Liked: true, LikeCount: 1}, like)
		}
		for range 2 {
			code, body = carol.json(t, http.MethodDelete, commentPath(top.ID)+"/like", nil, &like)
			require.Equal(t, http.StatusOK, code, string(body))
			assert.Equal(t, comments.LikeState{Liked: false, LikeCount: 0}, like)
		}
		code, _ = carol.json(t, http.MethodPut, commentPath(top.ID)+"/like", nil, &like)
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, before+comments.PointsPerLike, balance(), "like → unlike → like pays once")
		code, body = carol.json(t, http.MethodPut, commentPath(999999)+"/like", nil, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")

		// The reader's own reactions show in the listing; others' do not.
		var page comments.Page
		code, _ = carol.json(t, http.MethodGet, postCommentsPath(post), nil, &page)
		require.Equal(t, http.StatusOK, code)
		require.Len(t, page.Items, 1)
		assert.Equal(t, 1, page.Items[0].MyVote)
		assert.True(t, page.Items[0].LikedByMe)
		assert.EqualValues(t, 1, page.Items[0].LikeCount)
		code, _ = bob.json(t, http.MethodGet, postCommentsPath(post), nil, &page)
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, 0, page.Items[0].MyVote)
		assert.False(t, page.Items[0].LikedByMe)

		// Report: 202, repeatable; a reason is required.
		for range 2 {
			r, b := carol.send(t, http.MethodPost, commentPath(top.ID)+"/reports", "application/json", []byte(`{"reason":"rude"}`))
			require.Equal(t, http.StatusAccepted, r.StatusCode, string(b))
		}
		n, err := models.CommentReportCount(context.Background(), db.Orm(), top.ID)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		code, body = carol.json(t, http.MethodPost, commentPath(top.ID)+"/reports", map[string]any{"reason": " "}, nil)
		wantError(t, code, body, http.StatusBadRequest, "validation_failed", "reason")
		code, body = carol.json(t, http.MethodPost, commentPath(999999)+"/reports", map[string]any{"reason": "x"}, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")

		// Delete: carol may not delete bob's comment; bob deletes his own and it
		// stays as a tombstone while carol's reply is there.
		code, body = carol.json(t, http.MethodDelete, commentPath(top.ID), nil, nil)
		wantError(t, code, body, http.StatusForbidden, "forbidden", "")
		code, body = bob.json(t, http.MethodDelete, commentPath(top.ID), nil, nil)
		require.Equal(t, http.StatusNoContent, code, string(body))
		code, body = bob.json(t, http.MethodDelete, commentPath(top.ID), nil, nil)
		require.Equal(t, http.StatusNoContent, code, "repeating a delete changes nothing: %s", body)
		code, _ = carol.json(t, http.MethodGet, postCommentsPath(post), nil, &page)
		require.Equal(t, http.StatusOK, code)
		require.Len(t, page.Items, 1)
		tomb := page.Items[0]
		assert.Equal(t, "deleted", tomb.Status)
		assert.Nil(t, tomb.Author)
		assert.Nil(t, tomb.BodyMarkdown)
		assert.Nil(t, tomb.BodyHTML)
		require.Len(t, tomb.Replies, 1)
		assert.Equal(t, reply.ID, tomb.Replies[0].ID)
		code, body = carol.json(t, http.MethodPut, commentPath(top.ID)+"/vote", map[string]any{"value": 1}, nil)
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusNotFound}, code, "voting on a tombstone: %s", body)

		// A moderator removes carol's reply; the tombstone then leaves too.
		code, body = mod.json(t, http.MethodDelete, commentPath(reply.ID), nil, nil)
		require.Equal(t, http.StatusNoContent, code, string(body))
		code, _ = carol.json(t, http.MethodGet, postCommentsPath(post), nil, &page)
		require.Equal(t, http.StatusOK, code)
		assert.Empty(t, page.Items)
		code, body = carol.json(t, http.MethodGet, commentPath(top.ID), nil, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")
		var p posts.Post
		code, _ = alice.json(t, http.MethodGet, postPath(post), nil, &p)
		require.Equal(t, http.StatusOK, code)
		assert.EqualValues(t, 0, p.CommentCount)

		// The post's author removes a comment on her post: status removed.
		other := bob.comment(t, post, 0, "another")
		under := carol.comment(t, post, other.ID, "under it")
		code, body = alice.json(t, http.MethodDelete, commentPath(other.ID), nil, nil)
		require.Equal(t, http.StatusNoContent, code, string(body))
		var thread comments.Thread
		code, _ = carol.json(t, http.MethodGet, commentPath(under.ID), nil, &thread)
		require.Equal(t, http.StatusOK, code)
		require.Len(t, thread.Ancestors, 1)
		assert.Equal(t, "removed", thread.Ancestors[0].Status)
		code, body = carol.json(t, http.MethodDelete, commentPath(999999), nil, nil)
		wantError(t, code, body, http.StatusNotFound, "not_found", "")
	})
}
