package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/models"
)

// EnsureAccount returns userID's wallet, opening it on first use. Run it
// outside a transaction: when two requests open the same wallet at once,
// the unique user_id index rejects the loser, whose fresh re-read then sees
// the winner's row (a transaction's snapshot might hide it).
func EnsureAccount(ctx context.Context, q orm.QueryExecutor, userID int64) (*models.Account, error) {
	a, err := models.AccountByUser(ctx, q, userID)
	if err == nil || !errors.Is(err, models.ErrNotFound) {
		return a, err
	}
	now := time.Now().UTC()
	id, err := models.InsertUserAccount(ctx, q, userID, now)
	if err == nil {
		uid := userID
		return &models.Account{ID: id, UserID: &uid, Kind: models.AccountUser, CreatedAt: now}, nil
	}
	if !models.IsDuplicate(err) {
		return nil, err
	}
	a, err = models.AccountByUser(ctx, q, userID)
	if err != nil {
		return nil, fmt.Errorf("ledger: read account opened concurrently: %w", err)
	}
	return a, nil
}
