package ledger

import (
	"context"
	"fmt"
	"time"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/models"
	"inkwell/paging"
)

// Service is the ledger as the API uses it: wallets, their history and
// transfers between users, on one database. (Move, MoveInTx, Earn and
// TakeBack are the building blocks other domains call inside their own
// transactions.)
type Service struct {
	db *database.DB
}

// NewService returns the ledger on db.
func NewService(db *database.DB) *Service { return &Service{db: db} }

// Wallet is the caller's account (GET /api/v1/wallet).
type Wallet struct {
	AccountID int64 `json:"account_id" example:"3"`
	Balance   int64 `json:"balance" example:"120"`
}

// Party is the other side of an entry: a user, or the mint (user_id null).
type Party struct {
	UserID *int64 `json:"user_id" example:"7"`
	Name   string `json:"name" example:"Ada"`
}

// WalletEntry is one line of the caller's history.
type WalletEntry struct {
	ID           int64     `json:"id" example:"41"`
	TransferID   int64     `json:"transfer_id" example:"17"`
	Kind         string    `json:"kind" enums:"transfer,mint,burn,opening" example:"transfer"`
	Amount       int64     `json:"amount" example:"-30"`
	BalanceAfter int64     `json:"balance_after" example:"90"`
	Memo         string    `json:"memo" example:"great post"`
	OtherParty   Party     `json:"other_party"`
	CreatedAt    time.Time `json:"created_at"`
}

// WalletEntriesPage is a page of history; next_cursor is null on the last page.
type WalletEntriesPage struct {
	Items      []WalletEntry `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

// MintName is how the mint appears as the other party of earned points.
const MintName = "Inkwell"

// TransferInput is the body of POST /api/v1/transfers. The sender is the
// caller; there is deliberately no "from" field.
type TransferInput struct {
	ToUserID int64  `json:"to_user_id" example:"7"`
	Amount   int64  `json:"amount" example:"30"`
	Memo     string `json:"memo" example:"great post"`
	// IdempotencyKey is deprecated: send the Idempotency-Key header.
	IdempotencyKey string `json:"idempotency_key,omitempty" example:""`
}

// Transfer is a movement of points as the API shows it; from_user_id is
// null for points minted by Inkwell, to_user_id null for points it took back.
type Transfer struct {
	ID             int64     `json:"id" example:"17"`
	FromUserID     *int64    `json:"from_user_id" example:"3"`
	ToUserID       *int64    `json:"to_user_id" example:"7"`
	Amount         int64     `json:"amount" example:"30"`
	Memo           string    `json:"memo" example:"great post"`
	Kind           string    `json:"kind" enums:"transfer,mint,burn,opening" example:"transfer"`
	IdempotencyKey *string   `json:"idempotency_key" example:"3f1c9a7e-pay-bob"`
	CreatedAt      time.Time `json:"created_at"`
}

func transferJSON(t *models.Transfer) *Transfer {
	return &Transfer{ID: t.ID, FromUserID: t.FromUserID, ToUserID: t.ToUserID, Amount: t.Amount, Memo: t.Memo,
		Kind: t.Kind, IdempotencyKey: t.IdempotencyKey, CreatedAt: t.CreatedAt.UTC()}
}

// Wallet returns userID's account, opening it on first use.
func (s *Service) Wallet(ctx context.Context, userID int64) (*Wallet, error) {
	a, err := EnsureAccount(ctx, s.db.Orm(), userID)
	if err != nil {
		return nil, fmt.Errorf("ledger: wallet of user %d: %w", userID, err)
	}
	return &Wallet{AccountID: a.ID, Balance: a.Balance}, nil
}

// Entries returns one page of userID's history, newest first; a bad limit
// or cursor is validation_failed.
func (s *Service) Entries(ctx context.Context, userID int64, q paging.Query) (*WalletEntriesPage, error) {
	fields := map[string]string{}
	req := q.Parse(paging.EntriesCursor, 1, fields)
	if len(fields) > 0 {
		return nil, apperror.Validation(fields)
	}
	page, err := History(ctx, s.db.Orm(), userID, req.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	out := &WalletEntriesPage{Items: make([]WalletEntry, 0, len(page.Entries)), NextCursor: paging.Next(page.NextCursor)}
	for _, e := range page.Entries {
		other := Party{UserID: e.OtherUserID, Name: e.OtherUserName}
		if e.OtherUserID == nil {
			other.Name = MintName
		}
		out.Items = append(out.Items, WalletEntry{ID: e.ID, TransferID: e.TransferID, Kind: e.TransferKind, Amount: e.Amount,
			BalanceAfter: e.BalanceAfter, Memo: e.Memo, OtherParty: other, CreatedAt: e.CreatedAt.UTC()})
	}
	return out, nil
}

// Send moves points from the caller to another user (see the package
// function Send); replay is true when key named an earlier transfer.
func (s *Service) Send(ctx context.Context, r SendRequest) (t *Transfer, replay bool, err error) {
	mt, replay, err := Send(ctx, s.db.Orm(), r)
	if err != nil {
		return nil, false, err
	}
	return transferJSON(mt), replay, nil
}

// Transfer returns transfer id to one of its two parties; anyone else gets
// not found.
func (s *Service) Transfer(ctx context.Context, userID, id int64) (*Transfer, error) {
	t, err := TransferFor(ctx, s.db.Orm(), userID, id)
	if err != nil {
		return nil, err
	}
	return transferJSON(t), nil
}
