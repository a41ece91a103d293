package posts

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/ledger"
	"inkwell/models"
	"inkwell/testsupport"
)

// Issue 14: 10 publish-and-delete rounds gave 100 points with no posts
// left. Each new post still pays, but the day's publishing cap stops it at
// 50; the next UTC day pays again.
func TestPoints_PublishAndDeleteRoundsStopAtTheDailyCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		today := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return today }
		alice := testsupport.NewUser(t, o, "alice")
		for range 10 {
			p, err := s.Create(ctx, alice, CreateInput{Title: "farm", Status: "published"})
			require.NoError(t, err)
			require.NoError(t, s.Delete(ctx, p.ID, alice))
		}
		assert.EqualValues(t, 50, points(t, o, alice))

		// A draft published past the cap pays nothing, then or ever.
		d, err := s.Create(ctx, alice, CreateInput{Title: "late"})
		require.NoError(t, err)
		_, err = s.Update(ctx, d.ID, alice, UpdateInput{Status: ptr("published")})
		require.NoError(t, err)
		assert.EqualValues(t, 50, points(t, o, alice))

		s.now = func() time.Time { return today.Add(24 * time.Hour) }
		_, err = s.Update(ctx, d.ID, alice, UpdateInput{Status: ptr("draft")})
		require.NoError(t, err)
		_, err = s.Update(ctx, d.ID, alice, UpdateInput{Status: ptr("published")})
		require.NoError(t, err)
		assert.EqualValues(t, 50, points(t, o, alice), "a post's first publication was the one chance to pay")
		_, err = s.Create(ctx, alice, CreateInput{Title: "tomorrow", Status: "published"})
		require.NoError(t, err)
		assert.EqualValues(t, 60, points(t, o, alice), "a new day, a new cap")
	})
}

// Issue 14: "like, the author spends the point, unlike, like again" paid +1
// every round. A like pays once per (liker, post), ever.
func TestPoints_LikeSpendUnlikeRoundsPayOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice, bob, carol := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob"), testsupport.NewUser(t, o, "carol")
		p, err := s.Create(ctx, alice, CreateInput{Title: "liked", Status: "published"})
		require.NoError(t, err)
		for round := range 20 {
			st, err := s.Like(ctx, p.ID, bob)
			require.NoError(t, err)
			require.Equal(t, LikeState{Liked: true, LikeCount: 1}, *st, "round %d", round)
			// Alice spends whatever she holds, so an unlike finds nothing to take back.
			if b := points(t, o, alice); b > 0 {
				_, _, err := ledger.Send(ctx, o, ledger.SendRequest{FromUserID: alice, ToUserID: carol, Amount: b})
				require.NoError(t, err)
			}
			st, err = s.Unlike(ctx, p.ID, bob)
			require.NoError(t, err)
			require.Equal(t, LikeState{Liked: false, LikeCount: 0}, *st, "round %d", round)
		}
		assert.EqualValues(t, 0, points(t, o, alice))
		assert.EqualValues(t, 10+1, points(t, o, carol), "carol holds all alice was ever paid: the publication and one like")
	})
}

// Many likers at once: every like counts, the author is paid for exactly
// 100 of them (the day's cap), and each payment has its transfer.
func TestPoints_ConcurrentLikesStopExactlyAtTheDailyCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		today := time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return today }
		author := testsupport.NewUser(t, o, "author")
		likers := newUsers(t, o, 120)
		p, err := s.Create(ctx, author, CreateInput{Title: "viral", Status: "published"})
		require.NoError(t, err)
		errs := make([]error, len(likers))
		var wg sync.WaitGroup
		for i, u := range likers {
			wg.Go(func() { _, errs[i] = s.Like(ctx, p.ID, u) })
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "liker %d", i)
		}
		got, err := s.Get(ctx, p.ID, author)
		require.NoError(t, err)
		assert.EqualValues(t, 120, got.LikeCount)
		assert.EqualValues(t, 10+100, points(t, o, author))
		var likeTransfers int
		require.NoError(t, db.SQL.QueryRow(`SELECT COUNT(*) FROM transfers t JOIN accounts a ON a.id = t.to_account_id
			WHERE a.user_id = ? AND t.kind = 'mint' AND t.amount = 1`, author).Scan(&likeTransfers))
		assert.Equal(t, 100, likeTransfers, "past the cap no transfer is written")
		n, err := models.PointsOfDay(ctx, o, author, ledger.Day(today), ledger.CategoryLikes)
		require.NoError(t, err)
		assert.EqualValues(t, 100, n)
	})
}

// Publishing many posts at once pays exactly the day's publishing cap.
func TestPoints_ConcurrentPublicationsStopExactlyAtTheDailyCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		errs := make([]error, 30)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = s.Create(ctx, alice, CreateInput{Title: "burst", Status: "published"})
			})
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "post %d", i)
		}
		assert.Equal(t, 30, postCount(t, o, alice))
		assert.EqualValues(t, 50, points(t, o, alice))
	})
}
