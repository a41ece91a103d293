package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/idempotency"
	"inkwell/models"
)

// SendRequest is a user's transfer to another user. The sender is always
// the signed-in caller, never a field of the request body.
type SendRequest struct {
	FromUserID     int64
	ToUserID       int64
	Amount         int64
	Memo           string
	IdempotencyKey string
}

// Validate checks the request's fields against docs/api.md's limits.
func (r SendRequest) Validate() error {
	fields := map[string]string{}
	switch {
	case r.ToUserID <= 0:
		fields["to_user_id"] = "required: the id of the user to send to"
	case r.ToUserID == r.FromUserID:
		fields["to_user_id"] = "cannot send to yourself"
	}
	if r.Amount < MinAmount || r.Amount > MaxAmount {
		fields["amount"] = fmt.Sprintf("must be a whole number from %d to %d", MinAmount, MaxAmount)
	}
	if !utf8.ValidString(r.Memo) || utf8.RuneCountInString(r.Memo) > MaxMemoChars {
		fields["memo"] = fmt.Sprintf("at most %d characters", MaxMemoChars)
	}
	if r.IdempotencyKey != "" && !idempotency.ValidKey(r.IdempotencyKey) {
		fields["idempotency_key"] = "must be " + idempotency.KeyRule
	}
	if len(fields) > 0 {
		return apperror.Validation(fields)
	}
	return nil
}

// hash fingerprints what the request asks for, so reusing its idempotency
// key for anything else is a conflict rather than a silent replay.
func (r SendRequest) hash() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\x00%d\x00%s", r.ToUserID, r.Amount, r.Memo))
	return hex.EncodeToString(sum[:])
}

// Send moves points from one user's wallet to another's. It returns the
// transfer and whether it is a replay of an earlier request with the same
// idempotency key (then nothing moved again).
func Send(ctx context.Context, o orm.Ormer, r SendRequest) (t *models.Transfer, replay bool, err error) {
	defer func() { countSend(replay, err) }()
	return send(ctx, o, r)
}

func send(ctx context.Context, o orm.Ormer, r SendRequest) (*models.Transfer, bool, error) {
	if err := r.Validate(); err != nil {
		return nil, false, err
	}
	if _, err := models.UserByID(ctx, o, r.ToUserID); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return nil, false, apperror.NotFound(fmt.Sprintf("no user with id %d", r.ToUserID))
		}
		return nil, false, fmt.Errorf("ledger: find recipient: %w", err)
	}
	from, err := EnsureAccount(ctx, o, r.FromUserID)
	if err != nil {
		return nil, false, fmt.Errorf("ledger: sender's account: %w", err)
	}
	to, err := EnsureAccount(ctx, o, r.ToUserID)
	if err != nil {
		return nil, false, fmt.Errorf("ledger: recipient's account: %w", err)
	}
	t, replay, err := Move(ctx, o, Movement{FromAccountID: from.ID, ToAccountID: to.ID, Amount: r.Amount, Memo: r.Memo,
		Kind: KindTransfer, IdempotencyKey: r.IdempotencyKey, RequestHash: r.hash(), SenderUserID: r.FromUserID})
	if err != nil {
		return nil, false, err
	}
	// A new transfer comes back as written, without its accounts' owners.
	t.FromUserID, t.ToUserID = from.UserID, to.UserID
	return t, replay, nil
}

// TransferFor returns transfer id if userID is one of its two parties;
// anyone else gets not found, as if it did not exist.
func TransferFor(ctx context.Context, q orm.QueryExecutor, userID, id int64) (*models.Transfer, error) {
	t, err := models.TransferByID(ctx, q, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, apperror.NotFound(fmt.Sprintf("no transfer %d", id))
	}
	if err != nil {
		return nil, err
	}
	if !isUser(t.FromUserID, userID) && !isUser(t.ToUserID, userID) {
		return nil, apperror.NotFound(fmt.Sprintf("no transfer %d", id))
	}
	return t, nil
}

func isUser(owner *int64, userID int64) bool { return owner != nil && *owner == userID }
