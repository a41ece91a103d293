package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/models"
)

// Earn mints amount points to userID inside the caller's transaction,
// outside the points economy's rules (actions pay through Pay, which
// applies them and then mints here).
func Earn(ctx context.Context, tx orm.TxOrmer, userID, amount int64, memo string) error {
	mintID, acct, err := pointsAccounts(ctx, tx, userID)
	if err != nil {
		return err
	}
	return mintTo(ctx, tx, mintID, acct, userID, amount, memo)
}

// mintTo is Earn once the user's mint shard and account are known.
func mintTo(ctx context.Context, tx orm.TxOrmer, mintID, acct, userID, amount int64, memo string) error {
	if _, _, err := MoveInTx(ctx, tx, Movement{FromAccountID: mintID, ToAccountID: acct, Amount: amount, Memo: memo, Kind: KindMint}); err != nil {
		return fmt.Errorf("ledger: pay %d points to user %d: %w", amount, userID, err)
	}
	return nil
}

// pointsAccounts returns userID's mint shard and account ids, opening the
// account inside the transaction if the user has none yet (sign-up opens it,
// so this is for users who predate their wallet).
//
// Opening is serialised on the user's mint shard, which every points
// transaction of this user locks first anyway: whoever holds it inserts, and
// a later holder finds the row (or, if its snapshot is older, hits the unique
// key and reads the row with a locking read, which sees the latest commit).
// Without the shard lock, racing inserters each keep a shared lock on the
// duplicate key and then all want it exclusive: a deadlock every time.
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
	if _, err := models.LockAccount(ctx, tx, mintID); err != nil {
		return 0, 0, err
	}
	id, err := models.InsertUserAccount(ctx, tx, userID, time.Now().UTC())
	if err == nil {
		return mintID, id, nil
	}
	if !models.IsDuplicate(err) {
		return 0, 0, err
	}
	id, err = models.LockAccountOfUser(ctx, tx, userID)
	if err != nil {
		return 0, 0, err
	}
	return mintID, id, nil
}
