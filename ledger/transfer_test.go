package ledger_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/ledger"
	"inkwell/models"
)

// simple-bank's check: n concurrent A→B transfers are serialized, so each
// saw a different balance: A's debits leave exactly the balances
// start-amount, start-2·amount, …, and B's credits the mirror image.
func TestTransfer_ConcurrentTransfersEachSeeADistinctSerializedState(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		_, a := newUserWithWallet(t, o)
		_, b := newUserWithWallet(t, o)
		const n, amount, start = 20, 10, 1000
		mint(t, o, a, start)

		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, _, err := ledger.Move(ctx, o, ledger.Movement{FromAccountID: a, ToAccountID: b, Amount: amount, Kind: ledger.KindTransfer})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}

		assert.Equal(t, int64(start-n*amount), balance(t, db, a))
		assert.Equal(t, int64(n*amount), balance(t, db, b))
		_, afterA := entryChain(t, db, a)
		_, afterB := entryChain(t, db, b)
		var wantA, wantB []int64
		for i := 1; i <= n; i++ {
			wantA = append(wantA, int64(start-i*amount))
			wantB = append(wantB, int64(i*amount))
		}
		require.Len(t, afterA, n+1, "the mint's credit and n debits")
		gotA := slices.Clone(afterA[1:])
		slices.Sort(gotA)
		slices.Reverse(gotA)
		assert.Equal(t, wantA, gotA, "every debit of A saw a distinct balance")
		assert.Equal(t, wantB, afterB, "B's credits in commit order")
		requireBooksBalance(t, db)
	})
}

func TestTransfer_OppositeDirectionsDoNotDeadlock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		_, a := newUserWithWallet(t, o)
		_, b := newUserWithWallet(t, o)
		mint(t, o, a, 1000)
		mint(t, o, b, 1000)
		retriesBefore := models.TxRetries()

		const n = 40
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			from, to := a, b
			if i%2 == 1 {
				from, to = b, a
			}
			wg.Go(func() {
				_, _, err := ledger.Move(ctx, o, ledger.Movement{FromAccountID: from, ToAccountID: to, Amount: 7, Kind: ledger.KindTransfer})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, int64(1000), balance(t, db, a))
		assert.Equal(t, int64(1000), balance(t, db, b))
		assert.Equal(t, retriesBefore, models.TxRetries(), "locking in id order leaves nothing to retry")
		requireBooksBalance(t, db)
	})
}

// 32 goroutines × 200 random transfers among 10 accounts: the only
// failures are insufficient funds, and the books still balance.
func TestTransfer_StressKeepsTheBooksBalanced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		const accounts, workers, perWorker, start = 10, 32, 200, 500
		ids := make([]int64, accounts)
		for i := range ids {
			_, ids[i] = newUserWithWallet(t, o)
			mint(t, o, ids[i], start)
		}

		var (
			mu           sync.Mutex
			insufficient int
			unexpected   []error
			wg           sync.WaitGroup
		)
		for w := range workers {
			rng := rand.New(rand.NewPCG(uint64(w), 8))
			wg.Go(func() {
				for range perWorker {
					from := ids[rng.IntN(accounts)]
					to := ids[rng.IntN(accounts)]
					for to == from {
						to = ids[rng.IntN(accounts)]
					}
					_, _, err := ledger.Move(ctx, o, ledger.Movement{FromAccountID: from, ToAccountID: to,
						Amount: int64(1 + rng.IntN(200)), Kind: ledger.KindTransfer})
					mu.Lock()
					switch {
					case err == nil:
					case errors.Is(err, ledger.ErrInsufficientFunds):
						insufficient++
					default:
						unexpected = append(unexpected, err)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		require.Empty(t, unexpected, "only insufficient funds may fail")

		var sum int64
		for _, id := range ids {
			b := balance(t, db, id)
			assert.GreaterOrEqual(t, b, int64(0))
			sum += b
		}
		assert.Equal(t, int64(accounts*start), sum, "transfers only move points")
		var transfers int
		require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*) FROM transfers WHERE kind = 'transfer'").Scan(&transfers))
		assert.Equal(t, workers*perWorker-insufficient, transfers, "every success and nothing else left a transfer")
		requireBooksBalance(t, db)
		t.Logf("%d transfers, %d refused for insufficient funds, %d retries so far", transfers, insufficient, models.TxRetries())
	})
}

func TestTransfer_InsufficientFundsMovesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		_, a := newUserWithWallet(t, o)
		_, b := newUserWithWallet(t, o)
		mint(t, o, a, 5)
		_, _, err := ledger.Move(context.Background(), o, ledger.Movement{FromAccountID: a, ToAccountID: b, Amount: 6, Kind: ledger.KindTransfer})
		ae, ok := apperror.As(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, apperror.CodeInsufficientFunds, ae.Code)
		assert.Equal(t, int64(5), balance(t, db, a))
		assert.Equal(t, int64(0), balance(t, db, b))
		requireBooksBalance(t, db)
	})
}
