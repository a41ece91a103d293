package ledger_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/idempotency"
	"inkwell/ledger"
	"inkwell/models"
	"inkwell/paging"
)

// requireCode requires err to be an *apperror.Error with code and
// returns its fields.
func requireCode(t *testing.T, err error, code string) map[string]string {
	t.Helper()
	ae, ok := apperror.As(err)
	require.True(t, ok, "want an apperror with code %s, got %v", code, err)
	require.Equal(t, code, ae.Code, "%v", err)
	return ae.Fields
}

func TestSend_RefusesInvalidRequests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		alice, aliceAcct := newUserWithWallet(t, o)
		bob, bobAcct := newUserWithWallet(t, o)
		mint(t, o, aliceAcct, 100)
		cases := []struct {
			name  string
			req   ledger.SendRequest
			code  string
			field string
		}{
			{"to yourself", ledger.SendRequest{FromUserID: alice, ToUserID: alice, Amount: 1}, apperror.CodeValidation, "to_user_id"},
			{"no recipient", ledger.SendRequest{FromUserID: alice, Amount: 1}, apperror.CodeValidation, "to_user_id"},
			{"zero amount", ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 0}, apperror.CodeValidation, "amount"},
			{"negative amount", ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: -5}, apperror.CodeValidation, "amount"},
			{"over the maximum", ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: ledger.MaxAmount + 1}, apperror.CodeValidation, "amount"},
			{"memo too long", ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 1, Memo: strings.Repeat("é", ledger.MaxMemoChars+1)}, apperror.CodeValidation, "memo"},
			{"key too long", ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 1, IdempotencyKey: strings.Repeat("k", idempotency.MaxKeyLen+1)}, apperror.CodeValidation, "idempotency_key"},
			{"key with spaces", ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 1, IdempotencyKey: "a b"}, apperror.CodeValidation, "idempotency_key"},
			{"unknown recipient", ledger.SendRequest{FromUserID: alice, ToUserID: bob + 1000, Amount: 1}, apperror.CodeNotFound, ""},
			{"balance too low", ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 101}, apperror.CodeInsufficientFunds, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := ledger.Send(ctx, o, tc.req)
				fields := requireCode(t, err, tc.code)
				if tc.field != "" {
					assert.Contains(t, fields, tc.field)
				}
			})
		}
		assert.Equal(t, int64(100), balance(t, db, aliceAcct), "no refused request moved anything")
		assert.Equal(t, int64(0), balance(t, db, bobAcct))

		// The limits themselves are allowed.
		tr, replay, err := ledger.Send(ctx, o, ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 100,
			Memo: strings.Repeat("é", ledger.MaxMemoChars), IdempotencyKey: strings.Repeat("k", idempotency.MaxKeyLen)})
		require.NoError(t, err)
		assert.False(t, replay)
		assert.Equal(t, int64(100), tr.Amount)
		assert.Equal(t, int64(0), balance(t, db, aliceAcct))
		assert.Equal(t, int64(100), balance(t, db, bobAcct))
	})
}

// Ten copies of one request racing with one key: exactly one debits, the
// other nine get the same transfer back as a replay.
func TestSend_ConcurrentRequestsWithOneKeyDebitOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		alice, aliceAcct := newUserWithWallet(t, o)
		bob, bobAcct := newUserWithWallet(t, o)
		mint(t, o, aliceAcct, 1000)

		const n = 10
		type result struct {
			id     int64
			replay bool
			err    error
		}
		results := make(chan result, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				tr, replay, err := ledger.Send(ctx, o, ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 30,
					Memo: "thanks", IdempotencyKey: "pay-bob-1"})
				r := result{replay: replay, err: err}
				if tr != nil {
					r.id = tr.ID
				}
				results <- r
			})
		}
		wg.Wait()
		close(results)
		ids := map[int64]int{}
		fresh := 0
		for r := range results {
			require.NoError(t, r.err)
			ids[r.id]++
			if !r.replay {
				fresh++
			}
		}
		assert.Len(t, ids, 1, "every copy returns the same transfer")
		assert.Equal(t, 1, fresh, "exactly one copy made the transfer")
		assert.Equal(t, int64(970), balance(t, db, aliceAcct))
		assert.Equal(t, int64(30), balance(t, db, bobAcct))
		requireBooksBalance(t, db)
	})
}

func TestSend_ReplayAndConflictOnOneKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		alice, aliceAcct := newUserWithWallet(t, o)
		bob, _ := newUserWithWallet(t, o)
		carol, _ := newUserWithWallet(t, o)
		mint(t, o, aliceAcct, 50)
		req := ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 40, Memo: "lunch", IdempotencyKey: "k-1"}
		first, replay, err := ledger.Send(ctx, o, req)
		require.NoError(t, err)
		require.False(t, replay)

		// The same request again is answered from the first, even though
		// the balance (10) could no longer pay for it.
		again, replay, err := ledger.Send(ctx, o, req)
		require.NoError(t, err)
		assert.True(t, replay)
		assert.Equal(t, first.ID, again.ID)
		assert.Equal(t, int64(10), balance(t, db, aliceAcct))

		for name, changed := range map[string]ledger.SendRequest{
			"other amount":    {FromUserID: alice, ToUserID: bob, Amount: 5, Memo: "lunch", IdempotencyKey: "k-1"},
			"other memo":      {FromUserID: alice, ToUserID: bob, Amount: 40, Memo: "dinner", IdempotencyKey: "k-1"},
			"other recipient": {FromUserID: alice, ToUserID: carol, Amount: 40, Memo: "lunch", IdempotencyKey: "k-1"},
		} {
			t.Run(name, func(t *testing.T) {
				_, _, err := ledger.Send(ctx, o, changed)
				requireCode(t, err, apperror.CodeConflict)
			})
		}
		assert.Equal(t, int64(10), balance(t, db, aliceAcct))

		// Keys are per sender: Bob may use the same key for his own transfer.
		_, replay, err = ledger.Send(ctx, o, ledger.SendRequest{FromUserID: bob, ToUserID: alice, Amount: 1, IdempotencyKey: "k-1"})
		require.NoError(t, err)
		assert.False(t, replay)
		requireBooksBalance(t, db)
	})
}

// Issue 14: on MariaDB "Pay-Bob" and "pay-bob" were one key (a case-
// insensitive collation), so the second transfer was answered as a replay
// of the first. Keys are exact on both databases, and read back as sent.
func TestSend_KeysDifferingOnlyInCaseAreDifferentKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		alice, aliceAcct := newUserWithWallet(t, o)
		bob, _ := newUserWithWallet(t, o)
		mint(t, o, aliceAcct, 10)
		var ids []int64
		for _, key := range []string{"Pay-Bob", "pay-bob", "PAY-BOB"} {
			tr, replay, err := ledger.Send(ctx, o, ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 1, Memo: "m", IdempotencyKey: key})
			require.NoError(t, err, key)
			assert.False(t, replay, key)
			got, err := ledger.TransferFor(ctx, o, alice, tr.ID)
			require.NoError(t, err)
			require.NotNil(t, got.IdempotencyKey)
			assert.Equal(t, key, *got.IdempotencyKey)
			ids = append(ids, tr.ID)
		}
		assert.Len(t, ids, 3)
		assert.Equal(t, int64(7), balance(t, db, aliceAcct))
		_, replay, err := ledger.Send(ctx, o, ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 1, Memo: "m", IdempotencyKey: "pay-bob"})
		require.NoError(t, err)
		assert.True(t, replay, "the exact key still replays")
		requireBooksBalance(t, db)
	})
}

func TestTransferFor_OnlyItsPartiesSeeIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		alice, aliceAcct := newUserWithWallet(t, o)
		bob, _ := newUserWithWallet(t, o)
		eve, _ := newUserWithWallet(t, o)
		mint(t, o, aliceAcct, 10)
		tr, _, err := ledger.Send(ctx, o, ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 3, Memo: "hi"})
		require.NoError(t, err)
		for _, who := range []int64{alice, bob} {
			got, err := ledger.TransferFor(ctx, o, who, tr.ID)
			require.NoError(t, err)
			assert.Equal(t, tr.ID, got.ID)
			assert.Equal(t, alice, *got.FromUserID)
			assert.Equal(t, bob, *got.ToUserID)
			assert.Equal(t, "hi", got.Memo)
		}
		_, err = ledger.TransferFor(ctx, o, eve, tr.ID)
		requireCode(t, err, apperror.CodeNotFound)
		_, err = ledger.TransferFor(ctx, o, alice, tr.ID+100)
		requireCode(t, err, apperror.CodeNotFound)
	})
}

func TestHistory_PagesNewestFirstWithTheOtherParty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o := db.Orm()
		ctx := context.Background()
		alice, aliceAcct := newUserWithWallet(t, o)
		bob, _ := newUserWithWallet(t, o)
		mint(t, o, aliceAcct, 100)
		for i := 1; i <= 24; i++ {
			_, _, err := ledger.Send(ctx, o, ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 1, Memo: fmt.Sprintf("n%d", i)})
			require.NoError(t, err)
		}
		bobUser, err := models.UserByID(ctx, o, bob)
		require.NoError(t, err)

		var all []models.Entry
		cursor, pages := "", 0
		for {
			page, err := ledger.History(ctx, o, alice, 10, cursor)
			require.NoError(t, err)
			pages++
			all = append(all, page.Entries...)
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		assert.Equal(t, 3, pages)
		require.Len(t, all, 25, "24 sends and the mint's credit")
		for i, e := range all[:24] {
			assert.Equal(t, fmt.Sprintf("n%d", 24-i), e.Memo, "newest first")
			assert.Equal(t, int64(-1), e.Amount)
			assert.Equal(t, int64(100-(24-i)), e.BalanceAfter)
			require.NotNil(t, e.OtherUserID)
			assert.Equal(t, bob, *e.OtherUserID)
			assert.Equal(t, bobUser.Name, e.OtherUserName)
			if i > 0 {
				assert.Less(t, e.ID, all[i-1].ID)
			}
		}
		opening := all[24]
		assert.Equal(t, int64(100), opening.Amount)
		assert.Nil(t, opening.OtherUserID, "the mint belongs to no user")
		assert.Equal(t, ledger.KindMint, opening.TransferKind)

		for _, bad := range []string{"nope", ledger.EncodeCursor(5)[:3], "ZTE6LTE"} {
			_, err := ledger.History(ctx, o, alice, 10, bad)
			requireCode(t, err, apperror.CodeValidation) // docs/api.md changelog: was bad_request
		}
		for _, limit := range []int{0, paging.MaxLimit + 1} {
			_, err := ledger.History(ctx, o, alice, limit, "")
			requireCode(t, err, apperror.CodeValidation)
		}
	})
}
