package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/ratelimit"
)

// livePost creates a post by author and returns its id.
func livePost(t *testing.T, author *postsClient, body, status string) int64 {
	t.Helper()
	var p struct{ ID int64 }
	code, b := author.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "Live", "body_markdown": body, "status": status}, &p)
	require.Equal(t, http.StatusCreated, code, string(b))
	return p.ID
}

type applied struct {
	Rev int64           `json:"rev"`
	Op  json.RawMessage `json:"op"`
}

func submit(t *testing.T, c *postsClient, post, rev int64, op, client string, seq int64) (int, applied, []byte) {
	t.Helper()
	var a applied
	code, b := c.json(t, http.MethodPost, postPath(post)+"/edits",
		map[string]any{"rev": rev, "op": json.RawMessage(op), "client_id": client, "seq": seq}, &a)
	return code, a, b
}

func liveState(t *testing.T, c *postsClient, post int64) (int64, string) {
	t.Helper()
	var st struct {
		Rev  int64
		Text string
	}
	code, b := c.json(t, http.MethodGet, postPath(post)+"/live/state", nil, &st)
	require.Equal(t, http.StatusOK, code, string(b))
	return st.Rev, st.Text
}

func errCode(b []byte) string {
	var e struct{ Error struct{ Code string } }
	_ = json.Unmarshal(b, &e)
	return e.Error.Code
}

func TestLiveAPI_EditsStateAndWhoMayEdit(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPostsApp(t, db)
		alice, bob, carol := signIn(t, app, google, "alice"), signIn(t, app, google, "bob"), signIn(t, app, google, "carol")
		draft := livePost(t, alice, "héllo 😅", "draft")
		published := livePost(t, alice, "pub", "published")

		rev, text := liveState(t, alice, draft)
		assert.Equal(t, int64(0), rev)
		assert.Equal(t, "héllo 😅", text, "the session starts from body_markdown")

		// Outsiders: 404 for a draft they cannot see, 403 for a published post, on every route.
		for _, c := range []struct {
			post int64
			want int
		}{{draft, http.StatusNotFound}, {published, http.StatusForbidden}} {
			code, _, b := submit(t, bob, c.post, 0, `["x"]`, "bob1", 1)
			assert.Equal(t, c.want, code, string(b))
			code, b = bob.json(t, http.MethodGet, postPath(c.post)+"/edits?since=0", nil, nil)
			assert.Equal(t, c.want, code, string(b))
			code, b = bob.json(t, http.MethodGet, postPath(c.post)+"/live/state", nil, nil)
			assert.Equal(t, c.want, code, string(b))
			code, b = bob.json(t, http.MethodPost, postPath(c.post)+"/live/ticket", nil, nil)
			assert.Equal(t, c.want, code, string(b))
			code, b = bob.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(c.post), bob.ID), nil, nil)
			assert.Equal(t, c.want, code, string(b), "nobody adds themself")
		}
		code, _, _ := submit(t, alice, 999999, 0, `["x"]`, "a1", 1)
		assert.Equal(t, http.StatusNotFound, code)

		// The author invites bob; bob edits, carol still cannot.
		code, b := alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(draft), bob.ID), nil, nil)
		require.Equal(t, http.StatusNoContent, code, string(b))
		code, b = alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(draft), bob.ID), nil, nil)
		assert.Equal(t, http.StatusNoContent, code, "adding twice is fine: %s", b)
		code, b = bob.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(draft), carol.ID), nil, nil)
		assert.Equal(t, http.StatusForbidden, code, "only the author invites: %s", b)
		var withList struct{ Collaborators []int64 }
		code, b = bob.json(t, http.MethodGet, postPath(draft)+"/live/state", nil, &withList)
		require.Equal(t, http.StatusOK, code, string(b))
		assert.Equal(t, []int64{bob.ID}, withList.Collaborators, "the state lists the collaborators (the editor goes live)")
		code, b = alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(draft), alice.ID), nil, nil)
		assert.Equal(t, http.StatusBadRequest, code, string(b))
		code, b = alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(draft), 999999), nil, nil)
		assert.Equal(t, http.StatusNotFound, code, string(b))
		code, b = alice.json(t, http.MethodPut, postPath(draft)+"/collaborators/x", nil, nil)
		assert.Equal(t, http.StatusBadRequest, code, string(b))

		// Two ops on revision 0: the second is transformed past the first.
		code, a, b := submit(t, alice, draft, 0, `["A"]`, "alice1", 1)
		require.Equal(t, http.StatusOK, code, string(b))
		assert.Equal(t, int64(1), a.Rev)
		assert.JSONEq(t, `["A"]`, string(a.Op))
		code, a, b = submit(t, bob, draft, 0, `[7,"!"]`, "bob1", 1)
		require.Equal(t, http.StatusOK, code, string(b))
		assert.Equal(t, int64(2), a.Rev)
		assert.JSONEq(t, `[8,"!"]`, string(a.Op), "transformed past alice's insert")

		// A resend is applied once and answered like the first.
		code, a, b = submit(t, bob, draft, 0, `[7,"!"]`, "bob1", 1)
		require.Equal(t, http.StatusOK, code, string(b))
		assert.Equal(t, applied{Rev: 2, Op: json.RawMessage(`[8,"!"]`)}, applied{Rev: a.Rev, Op: compact(t, a.Op)})
		rev, text = liveState(t, bob, draft)
		assert.Equal(t, int64(2), rev)
		assert.Equal(t, "Ahéllo 😅!", text)

		var page struct {
			Rev int64
			Ops []struct {
				Rev      int64
				Op       json.RawMessage
				ClientID string `json:"client_id"`
				Seq      int64
			}
		}
		code, b = bob.json(t, http.MethodGet, postPath(draft)+"/edits?since=1", nil, &page)
		require.Equal(t, http.StatusOK, code, string(b))
		assert.Equal(t, int64(2), page.Rev)
		require.Len(t, page.Ops, 1, "since is exclusive")
		assert.Equal(t, "bob1", page.Ops[0].ClientID)
		assert.Equal(t, int64(1), page.Ops[0].Seq)
		code, b = bob.json(t, http.MethodGet, postPath(draft)+"/edits?since=2", nil, &page)
		require.Equal(t, http.StatusOK, code, string(b))
		assert.Empty(t, page.Ops)
		assert.Contains(t, string(b), `"ops":[]`)

		// Refusals.
		for _, bad := range []struct {
			path, body string
			code       int
			what       string
		}{
			{"/edits?since=-1", "", http.StatusBadRequest, "validation_failed"},
			{"/edits?since=x", "", http.StatusBadRequest, "validation_failed"},
			{"/edits?since=9", "", http.StatusConflict, "conflict"},
		} {
			code, b := bob.json(t, http.MethodGet, postPath(draft)+bad.path, nil, nil)
			assert.Equal(t, bad.code, code, "%s: %s", bad.path, b)
			assert.Equal(t, bad.what, errCode(b))
		}
		for _, bad := range []struct {
			rev  int64
			op   string
			id   string
			seq  int64
			code int
		}{
			{2, `[99,"x"]`, "bob1", 2, http.StatusBadRequest}, // past the end
			{2, `[1.5]`, "bob1", 2, http.StatusBadRequest},
			{2, `["x"]`, "bad id!", 1, http.StatusBadRequest},
			{2, `["x"]`, "bob2", 0, http.StatusBadRequest},
			{9, `["x"]`, "bob2", 1, http.StatusConflict},
		} {
			code, _, b := submit(t, bob, draft, bad.rev, bad.op, bad.id, bad.seq)
			assert.Equal(t, bad.code, code, "%+v: %s", bad, b)
		}

		// Removed, bob is an outsider again (404 on the draft).
		code, b = alice.json(t, http.MethodDelete, fmt.Sprintf("%s/collaborators/%d", postPath(draft), bob.ID), nil, nil)
		require.Equal(t, http.StatusNoContent, code, string(b))
		code, _, b = submit(t, bob, draft, 2, `["x"]`, "bob1", 2)
		assert.Equal(t, http.StatusNotFound, code, string(b))
		code, b = alice.json(t, http.MethodDelete, fmt.Sprintf("%s/collaborators/%d", postPath(draft), bob.ID), nil, nil)
		assert.Equal(t, http.StatusNoContent, code, "removing again is fine: %s", b)

		// A collaborator may leave by themself, not remove others.
		for _, u := range []int64{bob.ID, carol.ID} {
			code, b = alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(published), u), nil, nil)
			require.Equal(t, http.StatusNoContent, code, string(b))
		}
		code, b = bob.json(t, http.MethodDelete, fmt.Sprintf("%s/collaborators/%d", postPath(published), carol.ID), nil, nil)
		assert.Equal(t, http.StatusForbidden, code, string(b))
		code, b = bob.json(t, http.MethodDelete, fmt.Sprintf("%s/collaborators/%d", postPath(published), bob.ID), nil, nil)
		assert.Equal(t, http.StatusNoContent, code, string(b))
		code, _, b = submit(t, bob, published, 0, `["x"]`, "bob9", 1)
		assert.Equal(t, http.StatusForbidden, code, string(b))
		// carol edits the published post, but not live: live co-editing is
		// for drafts (409, on every route that writes to a session).
		code, _, b = submit(t, carol, published, 0, `["x"]`, "carol1", 1)
		assert.Equal(t, http.StatusConflict, code, string(b))
		assert.Contains(t, string(b), "live co-editing is for drafts")
		code, b = carol.json(t, http.MethodPost, postPath(published)+"/live/ticket", nil, nil)
		assert.Equal(t, http.StatusConflict, code, string(b))
		code, b = carol.json(t, http.MethodGet, postPath(published)+"/edits?since=0", nil, nil)
		assert.Equal(t, http.StatusConflict, code, string(b))
		rev, text = liveState(t, carol, published)
		assert.Equal(t, "pub", text, "the state of a published post is its saved body")
		assert.Zero(t, rev)
	})
}

func compact(t *testing.T, raw json.RawMessage) json.RawMessage {
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	b, _ := json.Marshal(v)
	return b
}

// The collaborators' text reaches the post through the saver: the post's
// body follows the live text once edits pause.
func TestLiveAPI_EditsAreSavedIntoThePost(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, func(c *config.Config) { c.LiveSaveIdle = 50 * time.Millisecond; c.LiveSaveEveryOps = 100 })
	alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
	post := livePost(t, alice, "start", "draft")
	code, b := alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(post), bob.ID), nil, nil)
	require.Equal(t, http.StatusNoContent, code, string(b))
	code, _, b = submit(t, bob, post, 0, `[5," **bob**"]`, "bob1", 1)
	require.Equal(t, http.StatusOK, code, string(b))

	require.Eventually(t, func() bool {
		var p struct {
			BodyMarkdown string `json:"body_markdown"`
			BodyHTML     string `json:"body_html"`
		}
		code, _ := alice.json(t, http.MethodGet, postPath(post), nil, &p)
		return code == http.StatusOK && p.BodyMarkdown == "start **bob**" && strings.Contains(p.BodyHTML, "<strong>bob</strong>")
	}, 10*time.Second, 20*time.Millisecond, "a collaborator's edit is saved into the post, rendered")
}

// A PATCH of body_markdown while a live session is open reaches the
// session as an op (the editors see it; an op made before it is kept) and
// is saved at once, so the next live save does not overwrite it.
func TestLiveAPI_PatchOfTheBodyGoesThroughTheSession(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, func(c *config.Config) { c.LiveSaveIdle = time.Hour; c.LiveSaveEveryOps = 1 })
	alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
	post := livePost(t, alice, "hello world", "draft")
	code, b := alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(post), bob.ID), nil, nil)
	require.Equal(t, http.StatusNoContent, code, string(b))
	code, _, b = submit(t, bob, post, 0, `["big "]`, "bob1", 1)
	require.Equal(t, http.StatusOK, code, string(b))
	body := func() string {
		var p struct {
			BodyMarkdown string `json:"body_markdown"`
		}
		code, b := alice.json(t, http.MethodGet, postPath(post), nil, &p)
		require.Equal(t, http.StatusOK, code, string(b))
		return p.BodyMarkdown
	}
	require.Eventually(t, func() bool { return body() == "big hello world" }, 10*time.Second, 20*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bobWS, _, err := websocket.Dial(ctx, wsURL(app, post, issueTicket(t, bob, post), "&since=1"), nil)
	require.NoError(t, err)
	defer func() { _ = bobWS.CloseNow() }()

	var patched struct {
		BodyMarkdown string `json:"body_markdown"`
	}
	code, b = alice.json(t, http.MethodPatch, postPath(post), map[string]any{"body_markdown": "big hello there"}, &patched)
	require.Equal(t, http.StatusOK, code, string(b))
	assert.Equal(t, "big hello there", patched.BodyMarkdown)
	m := readUntil(t, ctx, bobWS, "op", nil)
	assert.Equal(t, int64(2), m.Rev, "the PATCH is the session's next op")
	assert.JSONEq(t, `[10,{"d":5},"there"]`, string(m.Op))
	rev, text := liveState(t, bob, post)
	assert.Equal(t, int64(2), rev)
	assert.Equal(t, "big hello there", text)

	// Bob's op made before he saw the PATCH is transformed past it, and the
	// live save that follows keeps the PATCH.
	code, a, b := submit(t, bob, post, 1, `[3,"!"]`, "bob1", 2)
	require.Equal(t, http.StatusOK, code, string(b))
	assert.Equal(t, int64(3), a.Rev)
	require.Eventually(t, func() bool { return body() == "big! hello there" }, 10*time.Second, 20*time.Millisecond)
	_, text = liveState(t, alice, post)
	assert.Equal(t, "big! hello there", text)
}

// wsURL is the socket address of post with ticket.
func wsURL(app *authApp, post int64, ticket, extra string) string {
	return "ws" + strings.TrimPrefix(app.URL, "http") + fmt.Sprintf("/api/v1/posts/%d/live?ticket=%s%s", post, ticket, extra)
}

func issueTicket(t *testing.T, c *postsClient, post int64) string {
	t.Helper()
	var tk struct {
		Ticket    string
		ExpiresAt time.Time `json:"expires_at"`
	}
	code, b := c.json(t, http.MethodPost, postPath(post)+"/live/ticket", nil, &tk)
	require.Equal(t, http.StatusCreated, code, string(b))
	require.NotEmpty(t, tk.Ticket)
	assert.WithinDuration(t, time.Now().Add(60*time.Second), tk.ExpiresAt, 5*time.Second)
	return tk.Ticket
}

type wsMsg struct {
	Type     string          `json:"type"`
	Rev      int64           `json:"rev"`
	Text     string          `json:"text"`
	Op       json.RawMessage `json:"op"`
	ClientID string          `json:"client_id"`
	Seq      int64           `json:"seq"`
	Code     string          `json:"code"`
	// RetryAfter comes with rate_limited errors.
	RetryAfter int64 `json:"retry_after"`
	Editors    []struct {
		UserID   int64  `json:"user_id"`
		Name     string `json:"name"`
		ClientID string `json:"client_id"`
		Pos      int64  `json:"pos"`
	} `json:"editors"`
}

// readUntil reads messages until one of type typ satisfying ok arrives.
func readUntil(t *testing.T, ctx context.Context, c *websocket.Conn, typ string, ok func(wsMsg) bool) wsMsg {
	t.Helper()
	for {
		_, data, err := c.Read(ctx)
		require.NoError(t, err)
		var m wsMsg
		require.NoError(t, json.Unmarshal(data, &m), string(data))
		if m.Type == typ && (ok == nil || ok(m)) {
			return m
		}
	}
}

func TestLiveSocket_TicketsOpsAndPresence(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, nil)
	alice, bob, carol := signIn(t, app, google, "alice"), signIn(t, app, google, "bob"), signIn(t, app, google, "carol")
	post := livePost(t, alice, "ab", "draft")
	code, b := alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(post), bob.ID), nil, nil)
	require.Equal(t, http.StatusNoContent, code, string(b))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// No ticket, a wrong ticket, a ticket for another post: 401, no upgrade.
	other := livePost(t, alice, "", "draft")
	for _, tk := range []string{"", "nope", issueTicket(t, alice, other)} {
		_, resp, err := websocket.Dial(ctx, wsURL(app, post, tk, ""), nil)
		require.Error(t, err, tk)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, tk)
	}

	aliceTicket := issueTicket(t, alice, post)
	a, _, err := websocket.Dial(ctx, wsURL(app, post, aliceTicket, ""), nil)
	require.NoError(t, err)
	defer func() { _ = a.CloseNow() }()
	st := readUntil(t, ctx, a, "state", nil)
	assert.Equal(t, "ab", st.Text)
	assert.Equal(t, int64(0), st.Rev)

	// The ticket is single use.
	_, resp, err := websocket.Dial(ctx, wsURL(app, post, aliceTicket, ""), nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	bobWS, _, err := websocket.Dial(ctx, wsURL(app, post, issueTicket(t, bob, post), "&since=0"), nil)
	require.NoError(t, err)
	defer func() { _ = bobWS.CloseNow() }()

	// Presence: alice sees bob arrive, then his cursor.
	readUntil(t, ctx, a, "presence", func(m wsMsg) bool { return len(m.Editors) == 2 })
	require.NoError(t, bobWS.Write(ctx, websocket.MessageText, []byte(`{"type":"cursor","client_id":"bob1","pos":1,"end":1}`)))
	p := readUntil(t, ctx, a, "presence", func(m wsMsg) bool {
		for _, e := range m.Editors {
			if e.ClientID == "bob1" {
				return true
			}
		}
		return false
	})
	names := []string{}
	for _, e := range p.Editors {
		names = append(names, e.Name)
	}
	assert.ElementsMatch(t, []string{"alice", "bob"}, names)

	// Ops from the socket and from HTTP reach both sockets, in order, each once.
	require.NoError(t, bobWS.Write(ctx, websocket.MessageText, []byte(`{"type":"op","rev":0,"op":[1,"X"],"client_id":"bob1","seq":1}`)))
	code, _, b = submit(t, alice, post, 0, `["Y"]`, "alice1", 1)
	require.Equal(t, http.StatusOK, code, string(b))
	require.NoError(t, bobWS.Write(ctx, websocket.MessageText, []byte(`{"type":"op","rev":0,"op":[1,"X"],"client_id":"bob1","seq":1}`)), "a resend")
	for _, c := range []*websocket.Conn{a, bobWS} {
		var revs []int64
		for len(revs) < 2 {
			m := readUntil(t, ctx, c, "op", nil)
			revs = append(revs, m.Rev)
		}
		assert.Equal(t, []int64{1, 2}, revs)
	}
	_, text := liveState(t, alice, post)
	assert.Contains(t, []string{"YaXb", "aXYb"}, text)
	assert.Equal(t, 4, len([]rune(text)), "the resend was applied once")

	// A refused op is answered on the socket, which stays open.
	require.NoError(t, bobWS.Write(ctx, websocket.MessageText, []byte(`{"type":"op","rev":2,"op":[99,"Z"],"client_id":"bob1","seq":2}`)))
	e := readUntil(t, ctx, bobWS, "error", nil)
	assert.Equal(t, "validation_failed", e.Code)
	assert.Equal(t, int64(2), e.Seq)

	// Carol, an outsider, cannot get a ticket (404 on a draft).
	code, b = carol.json(t, http.MethodPost, postPath(post)+"/live/ticket", nil, nil)
	assert.Equal(t, http.StatusNotFound, code, string(b))

	// A ticket issued before its user was removed does not open the socket.
	late := issueTicket(t, bob, post)
	code, b = alice.json(t, http.MethodDelete, fmt.Sprintf("%s/collaborators/%d", postPath(post), bob.ID), nil, nil)
	require.Equal(t, http.StatusNoContent, code, string(b))
	_, resp, err = websocket.Dial(ctx, wsURL(app, post, late, ""), nil)
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// Shutdown closes the sockets with 1001 (going away).
	require.NoError(t, app.Live.Shutdown(ctx))
	_, _, err = a.Read(ctx)
	for err == nil {
		_, _, err = a.Read(ctx)
	}
	assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "%v", err)
	assert.Zero(t, app.Live.OpenSockets())
}

// Ops over the socket spend from the same per-user budget as POST
// …/edits (RATE_LIMIT_LIVE_EDITS): past it, an op is refused with an error
// message carrying retry_after, the socket stays open, and another user's
// budget is untouched.
func TestLiveSocket_OpsAreRateLimitedPerUser(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, func(c *config.Config) {
		var err error
		c.RateLimits.LiveEdits, err = ratelimit.ParseLimit("live_edits", "3/1m")
		require.NoError(t, err)
	})
	alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
	post := livePost(t, alice, "", "draft")
	code, b := alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(post), bob.ID), nil, nil)
	require.Equal(t, http.StatusNoContent, code, string(b))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, _, err := websocket.Dial(ctx, wsURL(app, post, issueTicket(t, alice, post), "&since=0"), nil)
	require.NoError(t, err)
	defer func() { _ = a.CloseNow() }()

	// One op over HTTP and two over the socket spend alice's 3.
	code, _, b = submit(t, alice, post, 0, `["h"]`, "a-http", 1)
	require.Equal(t, http.StatusOK, code, string(b))
	for seq := int64(1); seq <= 2; seq++ {
		require.NoError(t, a.Write(ctx, websocket.MessageText,
			fmt.Appendf(nil, `{"type":"op","rev":%d,"op":["x"],"client_id":"a1","seq":%d}`, seq, seq)))
		m := readUntil(t, ctx, a, "op", func(m wsMsg) bool { return m.ClientID == "a1" })
		assert.Equal(t, seq+1, m.Rev)
	}
	require.NoError(t, a.Write(ctx, websocket.MessageText, []byte(`{"type":"op","rev":3,"op":["x"],"client_id":"a1","seq":3}`)))
	e := readUntil(t, ctx, a, "error", nil)
	assert.Equal(t, "rate_limited", e.Code)
	assert.Equal(t, int64(3), e.Seq)
	assert.GreaterOrEqual(t, e.RetryAfter, int64(1))
	code, _, b = submit(t, alice, post, 3, `["y"]`, "a-http", 2)
	assert.Equal(t, http.StatusTooManyRequests, code, "one budget for both doors: %s", b)

	// Bob's ops still pass, and alice's socket is open: she receives his op.
	code, _, b = submit(t, bob, post, 3, `["b"]`, "b-http", 1)
	require.Equal(t, http.StatusOK, code, string(b))
	m := readUntil(t, ctx, a, "op", nil)
	assert.Equal(t, "b-http", m.ClientID)
	rev, text := liveState(t, alice, post)
	assert.Equal(t, int64(4), rev)
	assert.Equal(t, "bxxh", text, "the refused op was not applied")
}

// The token filter lets one request through without a token: a WebSocket
// upgrade of GET /api/v1/posts/{id}/live with a ticket. Every other route,
// method and spelling, even with a valid ticket and upgrade headers, still
// needs the token.
func TestLiveSocket_OnlyTheUpgradeIsExemptFromTheToken(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthApp(t, db, google, nil)
	alice := signIn(t, app, google, "alice")
	post := livePost(t, alice, "x", "draft")
	require.Equal(t, int64(1), post, "the walk's paths name post 1")

	upgrade := func(t *testing.T, method, path string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, app.URL, http.NoBody)
		require.NoError(t, err)
		req.URL.Opaque = path
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	checked := map[string]bool{}
	for pattern, methods := range apiRoutes(app) {
		for _, method := range methods {
			if pattern == "/api/v1/posts/:id/live" && method == http.MethodGet {
				continue
			}
			path := concretePath(pattern) + "?ticket=" + issueTicket(t, alice, post)
			t.Run(method+" "+pattern, func(t *testing.T) {
				before := app.probeRuns.Load()
				resp := upgrade(t, method, path)
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
				assert.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"), "answered by the token filter")
				assert.Equal(t, before, app.probeRuns.Load())
			})
			checked[method+" "+pattern] = true
		}
	}
	for _, route := range []string{"POST /api/v1/posts/:id/edits", "GET /api/v1/posts/:id/live/state",
		"POST /api/v1/posts/:id/live/ticket", "PUT /api/v1/posts/:id/collaborators/:user_id", "GET /api/v1/me/"} {
		assert.True(t, checked[route], "the walk missed %s", route)
	}
	for _, path := range []string{"/api/v1/test-probe", "/api/v1/posts/1/live/", "/api/v1/posts/1/live/state",
		"/api/v1/posts/1/../1/live/state", "/api/v1/posts/01/live/ticket", "/api/v1/posts/1/edits"} {
		t.Run(path, func(t *testing.T) {
			before := app.probeRuns.Load()
			resp := upgrade(t, http.MethodGet, path+"?ticket="+issueTicket(t, alice, post))
			assert.Contains(t, []int{http.StatusUnauthorized, http.StatusNotFound}, resp.StatusCode)
			assert.Equal(t, before, app.probeRuns.Load())
		})
	}
	// The exempt request itself: a valid ticket upgrades; without the
	// upgrade headers the same request is refused by the filter.
	resp := upgrade(t, http.MethodGet, "/api/v1/posts/1/live?ticket="+issueTicket(t, alice, post))
	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	resp, _ = app.do(t, http.MethodGet, "/api/v1/posts/1/live?ticket="+issueTicket(t, alice, post), "", nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"))
}
