package ledger_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/cache"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/models"
	"inkwell/posts"
)

// upToBefore applies every migration older than name.
func upToBefore(t *testing.T, r *schema.Runner, name string) {
	t.Helper()
	all := schema.All()
	for i, m := range all {
		if m.Name == name {
			require.NotZero(t, i)
			upTo(t, r, all[i-1].Name)
			return
		}
	}
	t.Fatalf("no migration %s", name)
}

func count(t *testing.T, db *database.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.SQL.QueryRow(query, args...).Scan(&n))
	return n
}

// History written before the points economy: a published post, a like
// standing, and the attack of issue 14 (six posts published and deleted
// today). The migration seeds what was paid, so none of it pays again and
// today's cap already counts the 60 points.
func TestPointAwardsMigration_SeedsHistorySoNothingPaysTwice(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, driver, false)
			o := db.Orm()
			r := &schema.Runner{DB: db.SQL, Dialect: db.Dialect}
			upToBefore(t, r, "CreatePointAwards_20261129_090030")

			alice, _ := newUserWithWallet(t, o)
			bob, _ := newUserWithWallet(t, o)
			now := time.Now().UTC()
			earn := func(user, amount int64, memo string) {
				require.NoError(t, models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
					return ledger.Earn(ctx, tx, user, amount, memo)
				}))
			}
			p := &models.Post{AuthorID: alice, Title: "old", Slug: "old", Status: models.PostPublished, CreatedAt: now, UpdatedAt: now,
				PublishedAt: &now, FirstPublishedAt: &now}
			require.NoError(t, models.InsertPost(ctx, o, p))
			earn(alice, 10, fmt.Sprintf("first publication of post %d", p.ID))
			added, err := models.InsertPostLike(ctx, o, bob, p.ID, now)
			require.NoError(t, err)
			require.True(t, added)
			require.NoError(t, models.AddPostLikeCount(ctx, o, p.ID, 1))
			earn(alice, 1, fmt.Sprintf("like on post %d", p.ID))
			for i := range 6 {
				earn(alice, 10, fmt.Sprintf("first publication of post %d", 1000+i))
			}

			upTo(t, r, "CreatePointAwards_20261129_090030")
			assert.EqualValues(t, 2, count(t, db, "SELECT COUNT(*) FROM point_awards"))
			for category, want := range map[string]int64{ledger.CategoryPublish: 70, ledger.CategoryLikes: 1} {
				got, err := models.PointsOfDay(ctx, o, alice, ledger.Day(now), category)
				require.NoError(t, err)
				assert.Equal(t, want, got, category)
			}

			s := posts.NewService(db, cache.NewMemory(1<<20), slog.New(slog.NewTextHandler(io.Discard, nil)))
			before := walletOf(t, o, alice)
			_, err = s.Unlike(ctx, p.ID, bob)
			require.NoError(t, err)
			_, err = s.Like(ctx, p.ID, bob)
			require.NoError(t, err)
			assert.Equal(t, before, walletOf(t, o, alice), "bob's like was paid before the migration")
			_, err = s.Update(ctx, p.ID, alice, posts.UpdateInput{Status: ptrTo("draft")})
			require.NoError(t, err)
			_, err = s.Update(ctx, p.ID, alice, posts.UpdateInput{Status: ptrTo("published")})
			require.NoError(t, err)
			_, err = s.Create(ctx, alice, posts.CreateInput{Title: "new", Status: "published"})
			require.NoError(t, err)
			assert.Equal(t, before, walletOf(t, o, alice), "today's 70 points from publishing are past the cap")

			name, err := r.Down(ctx)
			require.NoError(t, err)
			require.Equal(t, "CreatePointAwards_20261129_090030", name)
			_, err = db.SQL.Exec("SELECT 1 FROM point_awards")
			require.Error(t, err, "point_awards is gone")
			assert.Equal(t, before, walletOf(t, o, alice), "the ledger is untouched")
			requireBooksBalance(t, db)
		})
	}
}

func walletOf(t *testing.T, o orm.Ormer, user int64) int64 {
	t.Helper()
	b, err := models.BalanceOfUser(context.Background(), o, user)
	require.NoError(t, err)
	return b
}

func ptrTo[T any](v T) *T { return &v }
