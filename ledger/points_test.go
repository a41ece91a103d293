package ledger_test

import (
	"context"
	"sync"
	"testing"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/ledger"
	"inkwell/models"
)

func inTx(t *testing.T, o orm.Ormer, fn func(tx orm.TxOrmer) error) error {
	t.Helper()
	tx, err := o.BeginWithCtx(context.Background())
	require.NoError(t, err)
	if err := fn(tx); err != nil {
		require.NoError(t, tx.Rollback())
		return err
	}
	return tx.Commit()
}

func TestEarnAndTakeBack_MoveMintedPointsWithTheAction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		// A user with no account yet: Earn opens it inside the transaction.
		u := &models.User{Issuer: "test", IssuerID: "earner", Name: "Earner"}
		require.NoError(t, models.InsertUser(ctx, o, u))
		require.NoError(t, inTx(t, o, func(tx orm.TxOrmer) error { return ledger.Earn(ctx, tx, u.ID, 10, "published") }))
		b, err := models.BalanceOfUser(ctx, o, u.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(10), b)

		// Rolled back with its action, the points never happened.
		require.Error(t, inTx(t, o, func(tx orm.TxOrmer) error {
			require.NoError(t, ledger.Earn(ctx, tx, u.ID, 5, "rolled back"))
			return assert.AnError
		}))
		b, _ = models.BalanceOfUser(ctx, o, u.ID)
		assert.Equal(t, int64(10), b)

		// Spend 9; taking back 3 takes the 1 left, and then nothing.
		_, other := newUserWithWallet(t, o)
		acct, err := models.AccountByUser(ctx, o, u.ID)
		require.NoError(t, err)
		_, _, err = ledger.Move(ctx, o, ledger.Movement{FromAccountID: acct.ID, ToAccountID: other, Amount: 9, Kind: ledger.KindTransfer})
		require.NoError(t, err)
		require.NoError(t, inTx(t, o, func(tx orm.TxOrmer) error { return ledger.TakeBack(ctx, tx, u.ID, 3, "unliked") }))
		b, _ = models.BalanceOfUser(ctx, o, u.ID)
		assert.Equal(t, int64(0), b)
		require.NoError(t, inTx(t, o, func(tx orm.TxOrmer) error { return ledger.TakeBack(ctx, tx, u.ID, 1, "unliked") }))
		var burns int
		require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*) FROM transfers WHERE kind = 'burn'").Scan(&burns))
		assert.Equal(t, 1, burns, "nothing left to take back makes no transfer")
		requireBooksBalance(t, db)
	})
}

// Many first earnings of one new user at once open exactly one account
// (the fallback for users who predate their wallet; sign-up opens it), and
// without a retry: opening under the mint shard's lock cannot deadlock.
func TestEarn_ConcurrentFirstEarningsOpenOneAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		u := &models.User{Issuer: "test", IssuerID: "popular", Name: "Popular"}
		require.NoError(t, models.InsertUser(ctx, o, u))
		const n = 16
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				errs <- inTx(t, o, func(tx orm.TxOrmer) error { return ledger.Earn(ctx, tx, u.ID, 1, "like") })
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		var accounts int
		require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*) FROM accounts WHERE user_id = ?", u.ID).Scan(&accounts))
		assert.Equal(t, 1, accounts)
		b, _ := models.BalanceOfUser(ctx, o, u.ID)
		assert.Equal(t, int64(n), b)
		requireBooksBalance(t, db)
	})
}

// Points actions of different users lock different mint shards, and every
// shard sorts before every user account (so it is always locked first).
func TestEarn_SpreadsPointsOverTheMintShards(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		for range models.MintShards {
			user, _ := newUserWithWallet(t, o)
			require.NoError(t, models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
				return ledger.Earn(ctx, tx, user, 1, "like")
			}))
		}
		var shards, usedShards int
		var maxMint, minUser int64
		require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*), MAX(id) FROM accounts WHERE kind = 'mint'").Scan(&shards, &maxMint))
		require.NoError(t, db.SQL.QueryRow("SELECT MIN(id) FROM accounts WHERE kind = 'user'").Scan(&minUser))
		require.NoError(t, db.SQL.QueryRow("SELECT COUNT(DISTINCT from_account_id) FROM transfers WHERE kind = 'mint'").Scan(&usedShards))
		assert.Equal(t, models.MintShards, shards)
		assert.Equal(t, models.MintShards, usedShards, "consecutive users are paid by different shards")
		assert.Less(t, maxMint, minUser)
		requireBooksBalance(t, db)
	})
}
