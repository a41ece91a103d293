package comments

import (
	"context"
	"sync"
	"testing"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/models"
)

// 50 users vote, re-vote and unvote one comment at once, and like, unlike
// and like again: the counters equal the rows, every reader sees their own
// vote and like, the author is paid once per liker and the books balance.
func TestComments_ConcurrentVotesAndLikesKeepCountersExact(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const n = 50
		author := e.user(t, "author")
		voters := e.users(t, n)
		post := e.post(t, author, "published")
		c := e.comment(t, post, author, 0, "vote on me")
		before := balanceOf(t, e, author)

		finalVote := func(i int) int { return []int{1, -1, 0}[i%3] }
		var wg sync.WaitGroup
		errs := make(chan error, n*8)
		for i, v := range voters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, val := range []int{1, -1, 1, 0, finalVote(i)} {
					if _, err := e.comments.Vote(ctx, c, v, VoteInput{Value: val}); err != nil {
						errs <- err
					}
				}
				like := []func(context.Context, int64, int64) (*LikeState, error){
					func(ctx context.Context, id, u int64) (*LikeState, error) { return e.comments.Like(ctx, id, u) },
					func(ctx context.Context, id, u int64) (*LikeState, error) { return e.comments.Unlike(ctx, id, u) },
				}
				seq := []int{0, 0, 1, 0}
				if i%2 == 1 {
					seq = []int{0, 1, 1}
				}
				for _, k := range seq {
					if _, err := like[k](ctx, c, v); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		up, down, likes, err := models.CommentReactionCounts(ctx, e.o, c)
		require.NoError(t, err)
		row, err := models.CommentByID(ctx, e.o, c)
		require.NoError(t, err)
		assert.Equal(t, up, row.UpCount)
		assert.Equal(t, down, row.DownCount)
		assert.Equal(t, likes, row.LikeCount)
		assert.EqualValues(t, 17, up)   // i%3 == 0 for i < 50
		assert.EqualValues(t, 17, down) // i%3 == 1
		assert.EqualValues(t, n/2, likes)
		// every liker paid once, though half liked twice
		assert.Equal(t, before+n, balanceOf(t, e, author))
		requireBooksBalance(t, e)

		page := e.list(t, post, voters[3], ListRequest{Sort: SortBest, Limit: 10, Depth: 0})
		require.Len(t, page.Items, 1)
		assert.Equal(t, 1, page.Items[0].MyVote)
		assert.False(t, page.Items[0].LikedByMe)
		page = e.list(t, post, voters[4], ListRequest{Sort: SortBest, Limit: 10, Depth: 0})
		assert.Equal(t, -1, page.Items[0].MyVote)
		assert.True(t, page.Items[0].LikedByMe)
		assert.Equal(t, up, page.Items[0].UpCount)
		assert.Equal(t, likes, page.Items[0].LikeCount)
	})
}

func TestComments_LikesPayOncePerLikerNeverForYourOwn(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 2)
		post := e.post(t, u[0], "published")
		c := e.comment(t, post, u[0], 0, "like me")
		start := balanceOf(t, e, u[0])

		st, err := e.comments.Like(ctx, c, u[0])
		require.NoError(t, err)
		assert.Equal(t, LikeState{Liked: true, LikeCount: 1}, *st)
		assert.Equal(t, start, balanceOf(t, e, u[0]), "a like of your own comment pays nothing")

		for range 2 {
			_, err = e.comments.Like(ctx, c, u[1])
			require.NoError(t, err)
		}
		assert.Equal(t, start+PointsPerLike, balanceOf(t, e, u[0]))
		st, err = e.comments.Unlike(ctx, c, u[1])
		require.NoError(t, err)
		assert.Equal(t, LikeState{Liked: false, LikeCount: 1}, *st)
		st, err = e.comments.Like(ctx, c, u[1])
		require.NoError(t, err)
		assert.Equal(t, LikeState{Liked: true, LikeCount: 2}, *st)
		assert.Equal(t, start+PointsPerLike, balanceOf(t, e, u[0]), "like, unlike, like pays once")

		// the payer is swappable and is told who liked what
		var paid []int64
		e.comments.WithLikePayer(payerFunc(func(author, liker, comment int64) { paid = append(paid, author, liker, comment) }))
		liker := e.user(t, "third")
		_, err = e.comments.Like(ctx, c, liker)
		require.NoError(t, err)
		assert.Equal(t, []int64{u[0], liker, c}, paid)
	})
}

type payerFunc func(author, liker, comment int64)

func (f payerFunc) PayCommentLike(_ context.Context, _ orm.TxOrmer, author, liker, comment int64) error {
	f(author, liker, comment)
	return nil
}

func balanceOf(t testing.TB, e *env, user int64) int64 {
	t.Helper()
	b, err := models.BalanceOfUser(context.Background(), e.o, user)
	require.NoError(t, err)
	return b
}

func requireBooksBalance(t testing.TB, e *env) {
	t.Helper()
	var total, drift int64
	require.NoError(t, e.db.SQL.QueryRow("SELECT COALESCE(SUM(balance), 0) FROM accounts").Scan(&total))
	assert.Zero(t, total, "balances sum to zero")
	require.NoError(t, e.db.SQL.QueryRow(`SELECT COUNT(*) FROM accounts a WHERE a.balance <>
		(SELECT COALESCE(SUM(amount), 0) FROM entries e WHERE e.account_id = a.id)`).Scan(&drift))
	assert.Zero(t, drift, "every balance is the sum of its entries")
}
