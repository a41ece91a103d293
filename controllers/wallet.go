package controllers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/ledger"
	"inkwell/models"
)

// WalletController shows the caller's own ledger account.
type WalletController struct {
	APIController
	DB *database.DB
}

// Wallet is the caller's account.
type Wallet struct {
	AccountID int64 `json:"account_id"`
	Balance   int64 `json:"balance"`
}

// Party is the other side of an entry: a user, or the mint (user_id null).
type Party struct {
	UserID *int64 `json:"user_id"`
	Name   string `json:"name"`
}

// WalletEntry is one line of the caller's history.
type WalletEntry struct {
	ID           int64     `json:"id"`
	TransferID   int64     `json:"transfer_id"`
	Kind         string    `json:"kind"`
	Amount       int64     `json:"amount"`
	BalanceAfter int64     `json:"balance_after"`
	Memo         string    `json:"memo"`
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

// Get returns the caller's balance.
// @Title Wallet
// @Summary Your balance
// @Description The caller's ledger account and balance (the account opens on first use with 0).
// @Security bearerAuth
// @Success 200 {object} controllers.Wallet
// @Failure 401 unauthorized
// @Failure 503 unavailable: database down
// @router / [get]
func (c *WalletController) Get() {
	a, err := ledger.EnsureAccount(c.Ctx.Request.Context(), c.DB.Orm(), c.UserID())
	if err != nil {
		c.RenderError(fmt.Errorf("wallet: %w", err))
		return
	}
	c.RenderJSON(http.StatusOK, Wallet{AccountID: a.ID, Balance: a.Balance})
}

// Entries returns the caller's history, newest first.
// @Title Wallet entries
// @Summary Your history
// @Description The caller's entries newest first, in keyset pages: pass next_cursor back as cursor (null on the last page). Each entry names its transfer, the other party (user_id null for points earned from or returned to Inkwell) and the memo; amount is negative for money out.
// @Security bearerAuth
// @Param limit query int false "page size, 1-100 (default 20)"
// @Param cursor query string false "next_cursor of the previous page"
// @Success 200 {object} controllers.WalletEntriesPage
// @Failure 400 validation_failed (bad limit) or bad_request (unknown cursor)
// @Failure 401 unauthorized
// @router /entries [get]
func (c *WalletController) Entries() {
	limit := ledger.DefaultPageSize
	if s := c.GetString("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			c.RenderError(apperror.Validation(map[string]string{"limit": "must be a whole number"}))
			return
		}
		limit = n
	}
	page, err := ledger.History(c.Ctx.Request.Context(), c.DB.Orm(), c.UserID(), limit, c.GetString("cursor"))
	if err != nil {
		c.RenderError(err)
		return
	}
	out := WalletEntriesPage{Items: make([]WalletEntry, 0, len(page.Entries))}
	for _, e := range page.Entries {
		out.Items = append(out.Items, walletEntry(e))
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	c.RenderJSON(http.StatusOK, out)
}

func walletEntry(e models.Entry) WalletEntry {
	other := Party{UserID: e.OtherUserID, Name: e.OtherUserName}
	if e.OtherUserID == nil {
		other.Name = MintName
	}
	return WalletEntry{ID: e.ID, TransferID: e.TransferID, Kind: e.TransferKind, Amount: e.Amount,
		BalanceAfter: e.BalanceAfter, Memo: e.Memo, OtherParty: other, CreatedAt: e.CreatedAt.UTC()}
}
