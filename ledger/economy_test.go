package ledger_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/ledger"
	"inkwell/models"
)

// pay runs ledger.Pay in its own transaction, as an action would.
func pay(t *testing.T, o orm.Ormer, a ledger.Award) (bool, error) {
	t.Helper()
	var paid bool
	err := models.InTx(context.Background(), o, func(ctx context.Context, tx orm.TxOrmer) error {
		var err error
		paid, err = ledger.Pay(ctx, tx, a)
		return err
	})
	return paid, err
}

// mintTransfersTo counts the transfers the mint made to an account.
func mintTransfersTo(t *testing.T, db *database.DB, account int64) int {
	t.Helper()
	var n int
	require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*) FROM transfers WHERE to_account_id = ? AND kind = 'mint'", account).Scan(&n))
	return n
}

var day1 = time.Date(2026, 11, 29, 23, 59, 59, 0, time.UTC)

func TestPay_OncePerActionEverAndNothingForYourself(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		author, acct := newUserWithWallet(t, o)
		liker, _ := newUserWithWallet(t, o)
		steps := []struct {
			name string
			a    ledger.Award
			paid bool
		}{
			{"first publication", ledger.Award{Reason: ledger.ReasonPublish, SubjectID: 7, ActorID: author, UserID: author, At: day1}, true},
			{"the same post again", ledger.Award{Reason: ledger.ReasonPublish, SubjectID: 7, ActorID: author, UserID: author, At: day1.Add(48 * time.Hour)}, false},
			{"a like", ledger.Award{Reason: ledger.ReasonPostLike, SubjectID: 7, ActorID: liker, UserID: author, At: day1}, true},
			{"the same like again, another day", ledger.Award{Reason: ledger.ReasonPostLike, SubjectID: 7, ActorID: liker, UserID: author, At: day1.Add(24 * time.Hour)}, false},
			{"a like of your own post", ledger.Award{Reason: ledger.ReasonPostLike, SubjectID: 7, ActorID: author, UserID: author, At: day1}, false},
			{"a comment like with the same ids is another action", ledger.Award{Reason: ledger.ReasonCommentLike, SubjectID: 7, ActorID: liker, UserID: author, At: day1}, true},
			{"a like of your own comment", ledger.Award{Reason: ledger.ReasonCommentLike, SubjectID: 8, ActorID: author, UserID: author, At: day1}, false},
		}
		for _, s := range steps {
			paid, err := pay(t, o, s.a)
			require.NoError(t, err, s.name)
			assert.Equal(t, s.paid, paid, s.name)
		}
		assert.Equal(t, int64(12), balance(t, db, acct))
		assert.Equal(t, 3, mintTransfersTo(t, db, acct), "an action that pays nothing writes no transfer")
		_, err := pay(t, o, ledger.Award{Reason: "tip", SubjectID: 1, ActorID: liker, UserID: author, At: day1})
		assert.Error(t, err)
		requireBooksBalance(t, db)
	})
}

// Many actions paying one user at once pay exactly up to the day's cap,
// each cap on its own, likes of posts and comments together; the next UTC
// day pays again.
func TestPay_DailyCapsHoldExactlyUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		author, acct := newUserWithWallet(t, o)
		var awards []ledger.Award
		for i := range 12 {
			awards = append(awards, ledger.Award{Reason: ledger.ReasonPublish, SubjectID: int64(1000 + i), ActorID: author, UserID: author, At: day1})
		}
		for i := range 130 {
			reason := ledger.ReasonPostLike
			if i%2 == 1 {
				reason = ledger.ReasonCommentLike
			}
			// Likers are ids no one else uses; Pay needs only the author to exist.
			awards = append(awards, ledger.Award{Reason: reason, SubjectID: 1, ActorID: int64(1_000_000 + i), UserID: author, At: day1})
		}
		results := make([]bool, len(awards))
		errs := make([]error, len(awards))
		var wg sync.WaitGroup
		for i, a := range awards {
			wg.Go(func() { results[i], errs[i] = pay(t, o, a) })
		}
		wg.Wait()
		paidPublish, paidLikes := 0, 0
		for i, a := range awards {
			require.NoError(t, errs[i])
			if results[i] && a.Reason == ledger.ReasonPublish {
				paidPublish++
			} else if results[i] {
				paidLikes++
			}
		}
		assert.Equal(t, 5, paidPublish, "50 points a day from publishing")
		assert.Equal(t, 100, paidLikes, "100 points a day from likes received")
		assert.Equal(t, int64(150), balance(t, db, acct))
		assert.Equal(t, 105, mintTransfersTo(t, db, acct))
		for category, want := range map[string]int64{ledger.CategoryPublish: 50, ledger.CategoryLikes: 100} {
			got, err := models.PointsOfDay(context.Background(), o, author, ledger.Day(day1), category)
			require.NoError(t, err)
			assert.Equal(t, want, got, category)
		}

		// One second later it is another UTC day.
		paid, err := pay(t, o, ledger.Award{Reason: ledger.ReasonPublish, SubjectID: 2000, ActorID: author, UserID: author, At: day1.Add(time.Second)})
		require.NoError(t, err)
		assert.True(t, paid)
		paid, err = pay(t, o, ledger.Award{Reason: ledger.ReasonPostLike, SubjectID: 2, ActorID: 5, UserID: author, At: day1.Add(time.Second)})
		require.NoError(t, err)
		assert.True(t, paid)
		assert.Equal(t, int64(161), balance(t, db, acct))
		requireBooksBalance(t, db)
	})
}

// A rolled-back action leaves nothing behind: neither the award, nor the
// day's count, nor points.
func TestPay_RolledBackWithItsAction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		author, acct := newUserWithWallet(t, o)
		a := ledger.Award{Reason: ledger.ReasonPublish, SubjectID: 3, ActorID: author, UserID: author, At: day1}
		require.ErrorIs(t, inTx(t, o, func(tx orm.TxOrmer) error {
			paid, err := ledger.Pay(context.Background(), tx, a)
			require.NoError(t, err)
			require.True(t, paid)
			return assert.AnError
		}), assert.AnError)
		assert.Equal(t, int64(0), balance(t, db, acct))
		paid, err := pay(t, o, a)
		require.NoError(t, err)
		assert.True(t, paid, "the rolled-back publication never happened, so this one is the first")
		got, err := models.PointsOfDay(context.Background(), o, author, ledger.Day(day1), ledger.CategoryPublish)
		require.NoError(t, err)
		assert.Equal(t, int64(10), got)
	})
}
