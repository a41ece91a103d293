package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/models"
)

// Earn mints amount points to userID inside the caller's transaction, so
// the action that earned them (a publication, a like received) and the
// points commit or roll back together.
func Earn(ctx context.Context, tx orm.TxOrmer, userID, amount int64, memo string) error {
	mintID, acct, err := pointsAccounts(ctx, tx, userID)
	if err != nil {
		return err
	}
	if _, _, err := PostInTx(ctx, tx, Movement{FromAccountID: mintID, ToAccountID: acct, Amount: amount, Memo: memo, Kind: KindMint}); err != nil {
		return fmt.Errorf("ledger: pay %d points to user %d: %w", amount, userID, err)
	}
	return nil
}

// TakeBack returns up to amount of userID's points to the mint inside the
// caller's transaction (an unlike takes back the like's point). Points the
// user has already sent on cannot be recalled, so it takes what the balance
// still holds, possibly nothing; the action itself never fails for it.
func TakeBack(ctx context.Context, tx orm.TxOrmer, userID, amount int64, memo string) error {
	mintID, acct, err := pointsAccounts(ctx, tx, userID)
	if err != nil {
		return err
	}
	// Locks the mint before the user's account, as every transaction does.
	if _, err := models.LockAccount(ctx, tx, mintID); err != nil {
		return err
	}
	balance, err := models.LockAccount(ctx, tx, acct)
	if err != nil {
		return err
	}
	amount = min(amount, balance)
	if amount <= 0 {
		return nil
	}
	if _, _, err := PostInTx(ctx, tx, Movement{FromAccountID: acct, ToAccountID: mintID, Amount: amount, Memo: memo, Kind: KindBurn}); err != nil {
		return fmt.Errorf("ledger: take %d points back from user %d: %w", amount, userID, err)
	}
	return nil
}

// pointsAccounts returns the mint's id and userID's account id, opening the
// account inside the transaction if the user has none yet.
func pointsAccounts(ctx context.Context, tx orm.TxOrmer, userID int64) (int64, int64, error) {
	mintID, err := models.MintAccountID(ctx, tx, userID)
	if err != nil {
		return 0, 0, err
	}
	a, err := models.AccountByUser(ctx, tx, userID)
	if err == nil {
		return mintID, a.ID, nil
	}
	if !errors.Is(err, models.ErrNotFound) {
		return 0, 0, err
	}
	// An insert that leaves a concurrently opened account alone, then a
	// locking read, which sees the latest committed row even where this
	// transaction's snapshot would not.
	id, err := models.OpenUserAccountInTx(ctx, tx, userID, time.Now().UTC())
	if err != nil {
		return 0, 0, err
	}
	return mintID, id, nil
}
