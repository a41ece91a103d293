package tests

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/cache/cachetest"
	"inkwell/database/dbtest"
	"inkwell/testsupport/testapp"
)

func hasEditor(m wsMsg, clientOrName string, pos int64) bool {
	for _, e := range m.Editors {
		if (e.ClientID == clientOrName || e.Name == clientOrName) && (pos < 0 || e.Pos == pos) {
			return true
		}
	}
	return false
}

// Presence crosses replicas: two app instances on one Redis. An editor on
// A sees an editor on B arrive, move their cursor and leave; the editors of
// a replica that stops publishing (killed: no goodbye) vanish after the
// presence TTL.
func TestLivePresence_AcrossReplicas(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	url, prefix := cachetest.RedisURL(t), cachetest.Prefix()
	cachetest.DeleteAfter(t, url, prefix)
	opts := testapp.Options{LiveRedisURL: url, LiveKeyPrefix: prefix}
	appA, appB := newAuthAppWith(t, db, google, opts), newAuthAppWith(t, db, google, opts)
	for _, a := range []*authApp{appA, appB} {
		a.Live.PresenceHeartbeat, a.Live.PresenceTTL = 100*time.Millisecond, 500*time.Millisecond
	}
	alice, bob := signIn(t, appA, google, "alice"), signIn(t, appB, google, "bob")
	post := livePost(t, alice, "hello", "draft")
	code, b := alice.json(t, http.MethodPut, fmt.Sprintf("%s/collaborators/%d", postPath(post), bob.ID), nil, nil)
	require.Equal(t, http.StatusNoContent, code, string(b))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	a, _, err := websocket.Dial(ctx, wsURL(appA, post, issueTicket(t, alice, post), "&since=0"), nil)
	require.NoError(t, err)
	defer func() { _ = a.CloseNow() }()
	readUntil(t, ctx, a, "presence", func(m wsMsg) bool { return hasEditor(m, "alice", -1) })
	bobWS, _, err := websocket.Dial(ctx, wsURL(appB, post, issueTicket(t, bob, post), "&since=0"), nil)
	require.NoError(t, err)
	defer func() { _ = bobWS.CloseNow() }()

	// Each sees the other, across the replicas.
	readUntil(t, ctx, a, "presence", func(m wsMsg) bool { return hasEditor(m, "bob", -1) })
	readUntil(t, ctx, bobWS, "presence", func(m wsMsg) bool { return hasEditor(m, "alice", -1) })
	// Bob's cursor reaches alice.
	require.NoError(t, bobWS.Write(ctx, websocket.MessageText, []byte(`{"type":"cursor","client_id":"bob1","pos":3,"end":4}`)))
	readUntil(t, ctx, a, "presence", func(m wsMsg) bool { return hasEditor(m, "bob1", 3) })
	// Bob leaves: alice sees him go.
	require.NoError(t, bobWS.Close(websocket.StatusNormalClosure, ""))
	p := readUntil(t, ctx, a, "presence", func(m wsMsg) bool { return !hasEditor(m, "bob", -1) })
	require.True(t, hasEditor(p, "alice", -1))

	// A replica killed mid-session says no goodbye: its last list, published
	// here by hand, is shown until the TTL passes without a repeat.
	rdb := redis.NewClient(mustParseRedis(t, url))
	defer func() { _ = rdb.Close() }()
	channel := fmt.Sprintf("%slive:{%d}:presence", prefix, post)
	require.NoError(t, rdb.Publish(ctx, channel,
		`{"replica":"killed","editors":[{"user_id":999,"name":"ghost","client_id":"g1","pos":0,"end":0}]}`).Err())
	readUntil(t, ctx, a, "presence", func(m wsMsg) bool { return hasEditor(m, "ghost", -1) })
	p = readUntil(t, ctx, a, "presence", func(m wsMsg) bool { return !hasEditor(m, "ghost", -1) })
	require.True(t, hasEditor(p, "alice", -1))
}

func mustParseRedis(t *testing.T, url string) *redis.Options {
	o, err := redis.ParseURL(url)
	require.NoError(t, err)
	return o
}
