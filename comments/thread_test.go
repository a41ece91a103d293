package comments

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/models"
)

// A node shows at most five replies, the rest counted in more_replies and
// fetched through Replies, which pages them like the top level.
func TestComments_RepliesBeyondTheCapContinueThroughReplies(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 2)
		post := e.post(t, u[0], "published")
		top := e.comment(t, post, u[0], 0, "top")
		var replies []int64
		for i := range 12 {
			replies = append(replies, e.comment(t, post, u[1], top, fmt.Sprint("reply ", i)))
		}
		grand := e.comment(t, post, u[0], replies[11], "grandchild")

		page := e.list(t, post, u[0], ListRequest{Sort: SortNew, Limit: 10, Depth: 1})
		item := page.Items[0]
		assert.EqualValues(t, 12, item.ReplyCount)
		assert.Equal(t, []int64{replies[11], replies[10], replies[9], replies[8], replies[7]}, ids(item.Replies))
		assert.EqualValues(t, 7, item.MoreReplies)
		assert.Empty(t, item.Replies[0].Replies, "depth 1 stops here")
		assert.EqualValues(t, 1, item.Replies[0].MoreReplies)

		var got []int64
		req := ListRequest{Sort: SortOld, Limit: 5, Depth: 2}
		for {
			p, err := e.comments.Replies(ctx, top, u[0], req)
			require.NoError(t, err)
			got = append(got, ids(p.Items)...)
			if p.NextCursor == nil {
				break
			}
			req.Cursor = *p.NextCursor
		}
		assert.Equal(t, replies, got)

		th, err := e.comments.Get(ctx, grand, u[0], SortNew, 3)
		require.NoError(t, err)
		assert.Equal(t, grand, th.ID)
		assert.Equal(t, []int64{top, replies[11]}, ids(th.Ancestors))
		assert.Equal(t, 2, th.Depth)

		_, err = e.comments.Replies(ctx, 99999, u[0], ListRequest{Sort: SortNew, Limit: 5})
		requireCode(t, err, apperror.CodeNotFound)
		// a top-level cursor is not a replies cursor
		_, err = e.comments.Replies(ctx, top, u[0], ListRequest{Sort: SortNew, Limit: 1, Cursor: *e.list(t, post, u[0],
			ListRequest{Sort: SortNew, Limit: 1}).Items[0].encodeCursorForTest(post)})
		requireCode(t, err, apperror.CodeBadRequest)
	})
}

func (c Comment) encodeCursorForTest(post int64) *string {
	s := (&cursor{sort: SortNew, post: post, parent: 0, last: c.ID}).encode()
	return &s
}

// Concurrent creates and deletes keep comment_count and reply_count equal
// to the visible rows.
func TestComments_ConcurrentCreatesAndDeletesKeepCountsExact(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 10)
		post := e.post(t, u[0], "published")
		top := e.comment(t, post, u[0], 0, "top")
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i, user := range u {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 4 {
					c, err := e.comments.Create(ctx, post, user, CreateInput{BodyMarkdown: "r", ParentID: &top})
					if err != nil {
						errs <- err
						continue
					}
					if (i+j)%2 == 0 {
						if err := e.comments.Delete(ctx, c.ID, user); err != nil {
							errs <- err
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		var visible, replies int64
		require.NoError(t, e.db.SQL.QueryRow("SELECT COUNT(*) FROM comments WHERE post_id = ? AND status = 'visible'", post).Scan(&visible))
		require.NoError(t, e.db.SQL.QueryRow("SELECT COUNT(*) FROM comments WHERE parent_id = ? AND status = 'visible'", top).Scan(&replies))
		assert.EqualValues(t, 21, visible)
		assert.Equal(t, visible, e.postCommentCount(t, post))
		row, err := models.CommentByID(ctx, e.o, top)
		require.NoError(t, err)
		assert.Equal(t, replies, row.ReplyCount)
	})
}

// The reader's own votes and likes are written into cached JSON: each
// lands on its own comment, wherever it sits in the tree, and other
// readers of the same cached page see none of them.
func TestComments_ReadersSeeTheirOwnReactionsOnSharedCachedPages(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 3)
		post := e.post(t, u[0], "published")
		a := e.comment(t, post, u[0], 0, `a "my_vote":0,"liked_by_me":false`)
		b := e.comment(t, post, u[0], a, "b")
		c := e.comment(t, post, u[0], b, "c")
		d := e.comment(t, post, u[0], 0, "d")
		_, err := e.comments.Vote(ctx, c, u[1], VoteInput{Value: -1})
		require.NoError(t, err)
		_, err = e.comments.Like(ctx, a, u[1])
		require.NoError(t, err)
		_, err = e.comments.Vote(ctx, d, u[1], VoteInput{Value: 1})
		require.NoError(t, err)

		req := ListRequest{Sort: SortOld, Limit: 10, Depth: 5}
		for range 2 { // cold, then from the cache
			other := e.list(t, post, u[2], req)
			require.Len(t, other.Items, 2)
			assert.Zero(t, other.Items[0].Replies[0].Replies[0].MyVote)
			assert.False(t, other.Items[0].LikedByMe)

			mine := e.list(t, post, u[1], req)
			assert.True(t, mine.Items[0].LikedByMe)
			assert.Zero(t, mine.Items[0].MyVote)
			assert.Zero(t, mine.Items[0].Replies[0].MyVote)
			assert.Equal(t, -1, mine.Items[0].Replies[0].Replies[0].MyVote)
			assert.Equal(t, 1, mine.Items[1].MyVote)
			assert.Equal(t, `a "my_vote":0,"liked_by_me":false`, *mine.Items[0].BodyMarkdown)

			th, err := e.comments.Get(ctx, c, u[1], SortOld, 3)
			require.NoError(t, err)
			assert.Equal(t, -1, th.MyVote)
			require.Len(t, th.Ancestors, 2)
			assert.True(t, th.Ancestors[0].LikedByMe)
			assert.False(t, th.Ancestors[1].LikedByMe)
		}
	})
}
