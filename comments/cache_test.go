package comments

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/cache"
	"inkwell/cache/cachetest"
	"inkwell/database/dbtest"
	"inkwell/posts"
)

func redisCache(t *testing.T, prefix string) cache.Cache {
	url := cachetest.RedisURL(t) // fails, not skips, under CI=true
	c, err := cache.NewRedis(context.Background(), url, prefix)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// Two replicas on one database and one Redis: every write through one is
// read fresh through the other at once, and the reads really come from the
// shared cache.
func TestCommentCache_ReplicasSharingRedisNeverServeStaleListings(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			var b [6]byte
			_, _ = rand.Read(b[:])
			prefix := "inkwell-test-comments-" + hex.EncodeToString(b[:]) + ":"
			db := dbtest.Open(t, driver, true)
			a := newEnvOn(t, db, redisCache(t, prefix))
			r := newEnvOn(t, db, redisCache(t, prefix))
			u := a.users(t, 2)
			post := a.post(t, u[0], "published")
			req := ListRequest{Sort: SortBest, Limit: 10, Depth: 3}
			read := func() *Page { return r.list(t, post, u[1], req) }

			assert.Empty(t, read().Items)
			c := a.comment(t, post, u[1], 0, "one")
			require.Equal(t, []int64{c}, ids(read().Items), "create")
			reply := a.comment(t, post, u[0], c, "reply")
			require.Equal(t, []int64{reply}, ids(read().Items[0].Replies), "reply")

			_, err := a.comments.Vote(ctx, c, u[1], VoteInput{Value: 1})
			require.NoError(t, err)
			got := read().Items[0]
			assert.EqualValues(t, 1, got.UpCount, "vote")
			assert.Equal(t, 1, got.MyVote)
			_, err = a.comments.Like(ctx, c, u[1])
			require.NoError(t, err)
			assert.True(t, read().Items[0].LikedByMe, "like")
			_, err = a.comments.Edit(ctx, c, u[1], EditInput{BodyMarkdown: "edited"})
			require.NoError(t, err)
			assert.Equal(t, "edited", *read().Items[0].BodyMarkdown, "edit")

			// the reads come from the cache: a change behind the app's back is not seen
			_, err = db.SQL.Exec("UPDATE comments SET body_markdown = 'behind' WHERE id = ?", c)
			require.NoError(t, err)
			assert.Equal(t, "edited", *read().Items[0].BodyMarkdown)

			require.NoError(t, a.comments.Delete(ctx, reply, u[0]))
			assert.Empty(t, read().Items[0].Replies, "delete")

			// the post goes back to draft through replica a's post rules: its
			// comments are gone for others on replica r at once
			draft := "draft"
			_, err = a.posts.Update(ctx, post, u[0], posts.UpdateInput{Status: &draft})
			require.NoError(t, err)
			_, err = r.comments.List(ctx, post, u[1], req)
			requireCode(t, err, apperror.CodeNotFound)
		})
	}
}

// With the cache unreachable, reads answer from the database and writes
// are saved but answer 503, so no one is told a success a reader could
// contradict.
func TestCommentCache_WhenRedisIsGoneReadsUseTheDatabaseAndWritesSay503(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, driver, true)
			var b [6]byte
			_, _ = rand.Read(b[:])
			gone := redisCache(t, "inkwell-test-comments-gone-"+hex.EncodeToString(b[:])+":")
			e := newEnvOn(t, db, gone)
			u := e.users(t, 2)
			post := e.post(t, u[0], "published")
			c := e.comment(t, post, u[1], 0, "before")
			require.NoError(t, gone.Close()) // the client can no longer reach Redis

			page := e.list(t, post, u[0], ListRequest{Sort: SortNew, Limit: 5, Depth: 1})
			require.Equal(t, []int64{c}, ids(page.Items))

			_, err := e.comments.Create(ctx, post, u[1], CreateInput{BodyMarkdown: "during"})
			requireCode(t, err, apperror.CodeUnavailable)
			_, err = e.comments.Vote(ctx, c, u[0], VoteInput{Value: 1})
			requireCode(t, err, apperror.CodeUnavailable)
			page = e.list(t, post, u[0], ListRequest{Sort: SortNew, Limit: 5, Depth: 1})
			require.Len(t, page.Items, 2, "the create was saved")
			assert.EqualValues(t, 1, page.Items[1].UpCount, "the vote was saved")
			assert.Equal(t, 1, page.Items[1].MyVote)
		})
	}
}
