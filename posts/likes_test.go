package posts

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/ledger"
	"inkwell/models"
	"inkwell/testsupport"
)

func TestLikes_ConcurrentLikesAndUnlikesKeepCountsExact(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		author := testsupport.NewUser(t, o, "author")
		likers := newUsers(t, o, 50)
		p, err := s.Create(ctx, author, CreateInput{Title: "popular", Status: "published"})
		require.NoError(t, err)
		pointsBefore := points(t, o, author)

		// Every liker likes twice at once (the repeat must not count); then
		// every other liker unlikes twice at once while the rest like again.
		run := func(fn func(i int, user int64) error) {
			var wg sync.WaitGroup
			errs := make(chan error, 2*len(likers))
			for i, u := range likers {
				for range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						errs <- fn(i, u)
					}()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
		}
		run(func(_ int, u int64) error { _, err := s.Like(ctx, p.ID, u); return err })
		rows, err := models.CountPostLikes(ctx, o, p.ID)
		require.NoError(t, err)
		assert.EqualValues(t, 50, rows)
		got, err := s.Get(ctx, p.ID, author)
		require.NoError(t, err)
		assert.EqualValues(t, rows, got.LikeCount)

		run(func(i int, u int64) error {
			var err error
			if i%2 == 0 {
				_, err = s.Unlike(ctx, p.ID, u)
			} else {
				_, err = s.Like(ctx, p.ID, u)
			}
			return err
		})
		rows, err = models.CountPostLikes(ctx, o, p.ID)
		require.NoError(t, err)
		assert.EqualValues(t, 25, rows)
		got, err = s.Get(ctx, p.ID, author)
		require.NoError(t, err)
		assert.EqualValues(t, rows, got.LikeCount, "like_count equals the like rows")
		assert.Equal(t, pointsBefore+int64(len(likers)), points(t, o, author),
			"each liker paid the author once: unlikes take nothing back and likes again pay nothing")
		for i, u := range likers {
			mine, err := s.Get(ctx, p.ID, u)
			require.NoError(t, err)
			assert.Equal(t, i%2 == 1, mine.LikedByMe, "liker %d", i)
		}
	})
}

func TestLikes_CrossLikesBetweenAuthorsDoNotDeadlock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		users := newUsers(t, o, 10)
		ids := make([]int64, len(users))
		for i, u := range users {
			p, err := s.Create(ctx, u, CreateInput{Title: "t", Status: "published"})
			require.NoError(t, err)
			ids[i] = p.ID
		}
		// Everyone likes everyone else's post at once: each transaction
		// locks one post and one author, in opposite orders across pairs.
		var wg sync.WaitGroup
		errs := make(chan error, len(users)*len(users))
		for i, u := range users {
			for j, id := range ids {
				if i == j {
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.Like(ctx, id, u)
					errs <- err
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		for i, u := range users {
			assert.EqualValues(t, ledger.Rules[ledger.ReasonPublish].Points+int64(len(users)-1), points(t, o, u), "user %d", i)
		}
	})
}
