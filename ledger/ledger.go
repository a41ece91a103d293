// Package ledger is Inkwell's kudos bank: double-entry accounts and
// transfers that never lose a point and never surface a deadlock.
//
// Every movement is one transaction: lock both accounts in ascending id
// order, debit the sender with a conditional update, credit the recipient,
// write the transfer and its two entries. Locking in one global order means
// transfers in opposite directions queue instead of deadlocking; deadlocks
// and lock-wait timeouts that still happen on MySQL are retried a bounded
// number of times with jitter (models.Retry, through models.InTx).
package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/models"
)

// Limits of a user's transfer (docs/api.md's ledger section).
const (
	MinAmount    = 1
	MaxAmount    = 1_000_000
	MaxMemoChars = 280
)

// Transfer kinds.
const (
	KindTransfer = "transfer" // user to user
	KindMint     = "mint"     // mint to user: points earned
	KindBurn     = "burn"     // user to mint: points taken back
	KindOpening  = "opening"  // mint to user: phase-1 points carried over by a migration
)

// Movement is what Move writes: amount from one account to another.
type Movement struct {
	FromAccountID int64
	ToAccountID   int64
	Amount        int64
	Memo          string
	Kind          string
	// IdempotencyKey, when set, makes the movement happen at most once per
	// sending account; RequestHash tells a replay from a different request
	// reusing the key.
	IdempotencyKey string
	RequestHash    string
	// SenderUserID is the user who asked for the movement (0: the system).
	SenderUserID int64
}

// ErrInsufficientFunds is returned when the sender's balance is below the amount.
var ErrInsufficientFunds = apperror.New(apperror.CodeInsufficientFunds, "your balance is too low for this transfer")

// errKeyConflict is the idempotency key reused with a different request.
var errKeyConflict = apperror.New(apperror.CodeConflict,
	"this idempotency_key was already used for a different transfer; use a new key for a new transfer")

// errKeyRace marks a transaction that lost the race to insert a transfer
// under its idempotency key: roll back and read the winner's transfer.
var errKeyRace = errors.New("ledger: a concurrent request inserted a transfer with the same idempotency key")

// Move moves m.Amount in its own transaction (models.InTx: retried on
// deadlocks and lock-wait timeouts, a failed commit is an error). It
// returns the transfer and whether it was already made earlier under the
// same idempotency key (a replay: nothing moved).
func Move(ctx context.Context, o orm.Ormer, m Movement) (*models.Transfer, bool, error) {
	var (
		t      *models.Transfer
		replay bool
	)
	err := models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		var err error
		t, replay, err = move(ctx, tx, m)
		return err
	})
	if errors.Is(err, errKeyRace) {
		// The winner has committed (our insert waited for it), so a fresh
		// read outside any transaction sees its transfer.
		return replayOf(ctx, o, m)
	}
	if err != nil {
		return nil, false, err
	}
	return t, replay, nil
}

// MoveInTx moves m.Amount inside the caller's transaction, so a points
// action and its transfer commit or roll back together. The caller owns
// retries; a key replay is returned as the earlier transfer.
func MoveInTx(ctx context.Context, tx orm.TxOrmer, m Movement) (*models.Transfer, bool, error) {
	return move(ctx, tx, m)
}

// move is the transaction body shared by Move and MoveInTx. A replay
// changes nothing, so committing its transaction is harmless.
func move(ctx context.Context, tx orm.QueryExecutor, m Movement) (*models.Transfer, bool, error) {
	if m.FromAccountID == m.ToAccountID {
		return nil, false, apperror.Validation(map[string]string{"to_user_id": "cannot send to yourself"})
	}
	if m.Amount < MinAmount {
		return nil, false, apperror.Validation(map[string]string{"amount": "must be positive"})
	}
	// One global lock order (ascending id) for every transaction that
	// touches two accounts: two transfers in opposite directions then wait
	// for each other instead of each holding what the other needs.
	first, second := m.FromAccountID, m.ToAccountID
	if second < first {
		first, second = second, first
	}
	balances := map[int64]int64{}
	for _, id := range []int64{first, second} {
		b, err := models.LockAccount(ctx, tx, id)
		if err != nil {
			return nil, false, err
		}
		balances[id] = b
	}
	if m.IdempotencyKey != "" {
		// Holding the sender's lock, this read sees any transfer an earlier
		// request with this key committed (on MySQL the snapshot is taken
		// now, after the locking reads above).
		prev, err := models.TransferByKey(ctx, tx, m.FromAccountID, m.IdempotencyKey)
		switch {
		case err == nil:
			return checkReplay(prev, m)
		case !errors.Is(err, models.ErrNotFound):
			return nil, false, err
		}
	}
	now := time.Now().UTC()
	ok, err := models.DebitAccount(ctx, tx, m.FromAccountID, m.Amount, now)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, ErrInsufficientFunds
	}
	if err := models.CreditAccount(ctx, tx, m.ToAccountID, m.Amount, now); err != nil {
		return nil, false, err
	}
	t := &models.Transfer{FromAccountID: m.FromAccountID, ToAccountID: m.ToAccountID, Amount: m.Amount,
		Memo: m.Memo, Kind: m.Kind, RequestHash: m.RequestHash, CreatedAt: now}
	if m.IdempotencyKey != "" {
		t.IdempotencyKey = &m.IdempotencyKey
	}
	if m.SenderUserID != 0 {
		t.SenderUserID = &m.SenderUserID
	}
	if err := models.InsertTransfer(ctx, tx, t); err != nil {
		if models.IsDuplicate(err) && m.IdempotencyKey != "" {
			return nil, false, fmt.Errorf("%w: %w", errKeyRace, err)
		}
		return nil, false, err
	}
	debit := models.Entry{AccountID: m.FromAccountID, Amount: -m.Amount, BalanceAfter: balances[m.FromAccountID] - m.Amount}
	credit := models.Entry{AccountID: m.ToAccountID, Amount: m.Amount, BalanceAfter: balances[m.ToAccountID] + m.Amount}
	if err := models.InsertEntries(ctx, tx, t.ID, debit, credit, now); err != nil {
		return nil, false, err
	}
	return t, false, nil
}

// replayOf answers a request whose key another request used first.
func replayOf(ctx context.Context, q orm.QueryExecutor, m Movement) (*models.Transfer, bool, error) {
	prev, err := models.TransferByKey(ctx, q, m.FromAccountID, m.IdempotencyKey)
	if err != nil {
		return nil, false, fmt.Errorf("ledger: read the transfer that won the idempotency key: %w", err)
	}
	return checkReplay(prev, m)
}

func checkReplay(prev *models.Transfer, m Movement) (*models.Transfer, bool, error) {
	if prev.RequestHash != m.RequestHash {
		return nil, false, errKeyConflict
	}
	return prev, true, nil
}
