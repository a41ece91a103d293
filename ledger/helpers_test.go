package ledger_test

import (
	"context"
	"testing"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/ledger"
	"inkwell/models"
	"inkwell/testsupport"
)

// newUserWithWallet creates a user and opens their wallet.
func newUserWithWallet(t *testing.T, o orm.Ormer) (userID, accountID int64) {
	t.Helper()
	id := testsupport.NewUser(t, o, "")
	a, err := ledger.EnsureAccount(context.Background(), o, id)
	require.NoError(t, err)
	return id, a.ID
}

// mint funds an account from the mint.
func mint(t *testing.T, o orm.Ormer, accountID, amount int64) {
	t.Helper()
	ctx := context.Background()
	mintID, err := models.MintAccountID(ctx, o, accountID)
	require.NoError(t, err)
	_, _, err = ledger.Move(ctx, o, ledger.Movement{FromAccountID: mintID, ToAccountID: accountID, Amount: amount, Kind: ledger.KindMint})
	require.NoError(t, err)
}

func balance(t *testing.T, db *database.DB, accountID int64) int64 {
	t.Helper()
	var b int64
	require.NoError(t, db.SQL.QueryRow("SELECT balance FROM accounts WHERE id = ?", accountID).Scan(&b))
	return b
}

// entryChain returns an account's entries oldest first as (amount, balance_after).
func entryChain(t *testing.T, db *database.DB, accountID int64) (amounts, after []int64) {
	t.Helper()
	rows, err := db.SQL.Query("SELECT amount, balance_after FROM entries WHERE account_id = ? ORDER BY id", accountID)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		require.NoError(t, rows.Scan(&a, &b))
		amounts, after = append(amounts, a), append(after, b)
	}
	require.NoError(t, rows.Err())
	return amounts, after
}

// requireBooksBalance checks the double-entry invariants over the whole
// ledger: balances sum to zero (the mint holds minus everything issued),
// each balance is the sum of its entries, each entry's balance_after
// continues the previous one, no user balance was ever negative, and every
// transfer has exactly one debit and one credit of its amount.
func requireBooksBalance(t *testing.T, db *database.DB) {
	t.Helper()
	var total int64
	require.NoError(t, db.SQL.QueryRow("SELECT COALESCE(SUM(balance), 0) FROM accounts").Scan(&total))
	require.Zero(t, total, "balances must sum to zero")

	rows, err := db.SQL.Query("SELECT id, kind, balance FROM accounts")
	require.NoError(t, err)
	type acct struct {
		id      int64
		kind    string
		balance int64
	}
	var accts []acct
	for rows.Next() {
		var a acct
		require.NoError(t, rows.Scan(&a.id, &a.kind, &a.balance))
		accts = append(accts, a)
	}
	rows.Close()
	for _, a := range accts {
		amounts, after := entryChain(t, db, a.id)
		var running int64
		for i := range amounts {
			running += amounts[i]
			require.Equal(t, running, after[i], "account %d entry %d: balance_after must continue the chain", a.id, i)
			if a.kind == models.AccountUser {
				require.GreaterOrEqual(t, after[i], int64(0), "account %d went negative", a.id)
			}
		}
		require.Equal(t, a.balance, running, "account %d: balance must equal the sum of its entries", a.id)
	}

	var badTransfers int
	require.NoError(t, db.SQL.QueryRow(`SELECT COUNT(*) FROM transfers t WHERE
		(SELECT COUNT(*) FROM entries e WHERE e.transfer_id = t.id) <> 2
		OR NOT EXISTS (SELECT 1 FROM entries e WHERE e.transfer_id = t.id AND e.account_id = t.from_account_id AND e.amount = -t.amount)
		OR NOT EXISTS (SELECT 1 FROM entries e WHERE e.transfer_id = t.id AND e.account_id = t.to_account_id AND e.amount = t.amount)`).Scan(&badTransfers))
	require.Zero(t, badTransfers, "every transfer has one debit and one credit of its amount")
}
