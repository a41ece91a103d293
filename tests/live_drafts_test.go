package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/cache/cachetest"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/live"
	"inkwell/ot"
	"inkwell/testsupport/testapp"
)

// Live co-editing is for drafts (docs/live.md, "Drafts only").

// liveOnRedis puts live co-editing on the test Redis when there is one (CI
// has one), else in process.
func liveOnRedis(t *testing.T, opts testapp.Options) testapp.Options {
	t.Helper()
	if os.Getenv("TEST_REDIS_URL") == "" && os.Getenv("CI") == "" {
		return opts
	}
	url, prefix := cachetest.RedisURL(t), cachetest.Prefix()
	cachetest.DeleteAfter(t, url, prefix)
	opts.LiveRedisURL, opts.LiveKeyPrefix = url, prefix
	return opts
}

type postBody struct {
	Slug         string `json:"slug"`
	Status       string `json:"status"`
	BodyMarkdown string `json:"body_markdown"`
	BodyHTML     string `json:"body_html"`
}

func setStatus(t *testing.T, c *postsClient, post int64, status string) postBody {
	t.Helper()
	var p postBody
	code, b := c.json(t, http.MethodPatch, postPath(post), map[string]any{"status": status}, &p)
	require.Equal(t, http.StatusOK, code, string(b))
	return p
}

// readEnded reads until the session's last message, a conflict error with
// fields.status, and then requires the normal close.
func readEnded(t *testing.T, ctx context.Context, c *websocket.Conn) {
	t.Helper()
	for {
		_, data, err := c.Read(ctx)
		require.NoError(t, err, "the error message comes before the close")
		var m struct {
			Type, Code, Message string
			Fields              map[string]string
		}
		require.NoError(t, json.Unmarshal(data, &m))
		if m.Type != "error" {
			continue
		}
		assert.Equal(t, "conflict", m.Code)
		assert.Equal(t, "not a draft", m.Fields["status"])
		assert.Contains(t, m.Message, "live co-editing is for drafts")
		break
	}
	_, _, err := c.Read(ctx)
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "then a clean close: %v", err)
}

func TestLiveDrafts_PublishingEndsTheSessionWithItsLatestText(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		google := authtest.NewProvider(t)
		// No live save on its own during the test: what the post holds after
		// publishing comes from the publication.
		opts := liveOnRedis(t, testapp.Options{Configure: func(c *config.Config) {
			c.LiveSaveIdle, c.LiveSaveEveryOps = time.Hour, 1000
			c.PublicBaseURL = publicBase
		}})
		app := newAuthAppWith(t, db, google, opts)
		alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
		post := livePost(t, alice, "start", "draft")
		code, b := alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(post), bob.ID), nil, nil)
		require.Equal(t, http.StatusNoContent, code, string(b))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, wsURL(app, post, issueTicket(t, bob, post), "&since=0"), nil)
		require.NoError(t, err)
		defer func() { _ = ws.CloseNow() }()
		code, _, b = submit(t, bob, post, 0, `[5," typed"]`, "bob1", 1)
		require.Equal(t, http.StatusOK, code, string(b))
		readUntil(t, ctx, ws, "op", func(m wsMsg) bool { return m.Rev == 1 })

		p := setStatus(t, alice, post, "published")
		assert.Equal(t, "start typed", p.BodyMarkdown, "the published body is the session's text at publication")
		readEnded(t, ctx, ws)

		// The session takes nothing more, on any route.
		code, _, b = submit(t, bob, post, 1, `[11,"!"]`, "bob1", 2)
		assert.Equal(t, http.StatusConflict, code, string(b))
		assert.Contains(t, string(b), "live co-editing is for drafts")
		code, b = bob.json(t, http.MethodPost, postPath(post)+"/live/ticket", nil, nil)
		assert.Equal(t, http.StatusConflict, code, string(b))
		// A debounced save arriving late does not change the published body.
		require.NoError(t, app.Posts.SaveLiveText(ctx, post, "start typed and more", 7))
		// The public page shows the published text.
		resp, page := fetch(t, app, http.MethodGet, fmt.Sprintf("/posts/%d/%s", post, p.Slug))
		require.Equal(t, http.StatusOK, resp.StatusCode, page)
		assert.Contains(t, page, "start typed")
		assert.NotContains(t, page, "and more")
		var got postBody
		code, b = alice.json(t, http.MethodGet, postPath(post), nil, &got)
		require.Equal(t, http.StatusOK, code, string(b))
		assert.Equal(t, "start typed", got.BodyMarkdown)
		rev, text := liveState(t, bob, post)
		assert.Equal(t, "start typed", text, "the state of a published post is its body")
		assert.Equal(t, int64(1), rev)

		// Back to draft: a new session starts from the post, after the
		// ended one's head, so an op on the old revision reloads.
		setStatus(t, alice, post, "draft")
		issueTicket(t, bob, post)
		rev, text = liveState(t, bob, post)
		assert.Equal(t, "start typed", text)
		assert.Equal(t, int64(2), rev)
		code, _, b = submit(t, bob, post, 1, `[11,"!"]`, "bob2", 1)
		assert.Equal(t, http.StatusConflict, code, "the old session's revision is too old: %s", b)
		code, _, b = submit(t, bob, post, 2, `[11,"!"]`, "bob2", 1)
		require.Equal(t, http.StatusOK, code, string(b))
		_, text = liveState(t, alice, post)
		assert.Equal(t, "start typed!", text)
	})
}

// A PATCH that publishes and sets the body: the body reaches the session
// as an op, as a PATCH of the body does (it replaces the whole body), and
// the session's text after it is published.
func TestLiveDrafts_PublishingWithABodyPublishesTheSessionAfterIt(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthAppWith(t, db, google, liveOnRedis(t, testapp.Options{Configure: func(c *config.Config) {
		c.LiveSaveIdle, c.LiveSaveEveryOps = time.Hour, 1000
	}}))
	alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
	post := livePost(t, alice, "hello world", "draft")
	code, b := alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(post), bob.ID), nil, nil)
	require.Equal(t, http.StatusNoContent, code, string(b))
	code, _, b = submit(t, bob, post, 0, `["big "]`, "bob1", 1)
	require.Equal(t, http.StatusOK, code, string(b))
	var p postBody
	code, b = alice.json(t, http.MethodPatch, postPath(post), map[string]any{"status": "published", "body_markdown": "hello world!"}, &p)
	require.Equal(t, http.StatusOK, code, string(b))
	assert.Equal(t, "published", p.Status)
	assert.Equal(t, "hello world!", p.BodyMarkdown)
	code, _, b = submit(t, bob, post, 2, `["x"]`, "bob1", 2)
	assert.Equal(t, http.StatusConflict, code, string(b))
	code, b = alice.json(t, http.MethodPost, postPath(post)+"/live/ticket", nil, nil)
	assert.Equal(t, http.StatusConflict, code, string(b))
}

// A PATCH by someone who may not publish the post does not end its session.
func TestLiveDrafts_AStrangersPublishLeavesTheSessionOpen(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthAppWith(t, db, google, liveOnRedis(t, testapp.Options{}))
	alice, bob, carol := signIn(t, app, google, "alice"), signIn(t, app, google, "bob"), signIn(t, app, google, "carol")
	post := livePost(t, alice, "hello", "draft")
	code, b := alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(post), bob.ID), nil, nil)
	require.Equal(t, http.StatusNoContent, code, string(b))
	code, _, b = submit(t, bob, post, 0, `["a"]`, "bob1", 1)
	require.Equal(t, http.StatusOK, code, string(b))
	for _, c := range []*postsClient{bob, carol} {
		code, b = c.json(t, http.MethodPatch, postPath(post), map[string]any{"status": "published"}, nil)
		require.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, code, string(b))
	}
	code, _, b = submit(t, bob, post, 1, `[1,"b"]`, "bob1", 2)
	assert.Equal(t, http.StatusOK, code, "the session is still open: %s", b)
}

// Two replicas on one Redis: publishing through A ends the session on B
// too (its socket is told and closed; its ops are refused), without B
// reading the post.
func TestLiveDrafts_PublishingThroughOneReplicaEndsTheSessionOnAnother(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	url, prefix := cachetest.RedisURL(t), cachetest.Prefix()
	cachetest.DeleteAfter(t, url, prefix)
	opts := testapp.Options{LiveRedisURL: url, LiveKeyPrefix: prefix,
		Configure: func(c *config.Config) { c.LiveSaveIdle, c.LiveSaveEveryOps = time.Hour, 1000 }}
	appA, appB := newAuthAppWith(t, db, google, opts), newAuthAppWith(t, db, google, opts)
	alice, bob := signIn(t, appA, google, "alice"), signIn(t, appB, google, "bob")
	post := livePost(t, alice, "hello", "draft")
	code, b := alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(post), bob.ID), nil, nil)
	require.Equal(t, http.StatusNoContent, code, string(b))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL(appB, post, issueTicket(t, bob, post), "&since=0"), nil)
	require.NoError(t, err)
	defer func() { _ = ws.CloseNow() }()
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte(`{"type":"op","rev":0,"op":[5," from B"],"client_id":"bob1","seq":1}`)))
	readUntil(t, ctx, ws, "op", func(m wsMsg) bool { return m.Rev == 1 })

	p := setStatus(t, alice, post, "published") // through A
	assert.Equal(t, "hello from B", p.BodyMarkdown)
	readEnded(t, ctx, ws)

	// B's sequencer refuses the op from the flag in Redis, not from the
	// post (the socket path reads the post at most every 5 s).
	_, err = appB.Live.Seq.Submit(ctx, post, submission(t, 1, `[12,"!"]`, "bob9", 1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "live co-editing is for drafts")
	code, _, b = submit(t, bob, post, 1, `[12,"!"]`, "bob1", 2) // HTTP through B
	assert.Equal(t, http.StatusConflict, code, string(b))
	var got postBody
	code, b = bob.json(t, http.MethodGet, postPath(post), nil, &got)
	require.Equal(t, http.StatusOK, code, string(b))
	assert.Equal(t, "hello from B", got.BodyMarkdown)
}

func submission(t *testing.T, rev int64, op, client string, seq int64) live.Submission {
	t.Helper()
	o, err := ot.Parse(json.RawMessage(op))
	require.NoError(t, err)
	return live.Submission{Rev: rev, Op: o, ClientID: client, Seq: seq}
}
