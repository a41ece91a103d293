package controllers

import (
	"net/http"

	"inkwell/ledger"
)

// WalletController shows the caller's own ledger account.
type WalletController struct {
	APIController
	Ledger *ledger.Service
}

// Get returns the caller's balance.
// @Title Wallet
// @Summary Your balance
// @Description The caller's ledger account and balance (the account opens on first use with 0).
// @Security bearerAuth
// @Success 200 {object} ledger.Wallet
// @Failure 401 {object} controllers.ErrorBody unauthorized
// @Failure 503 {object} controllers.ErrorBody unavailable: database down
// @router / [get]
func (c *WalletController) Get() {
	w, err := c.Ledger.Wallet(c.Ctx.Request.Context(), c.UserID())
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, w)
}

// Entries returns the caller's history, newest first.
// @Title Wallet entries
// @Summary Your history
// @Description The caller's entries newest first, in keyset pages: pass next_cursor back as cursor (null on the last page). Each entry names its transfer, the other party (user_id null for points earned from or returned to Inkwell) and the memo; amount is negative for money out.
// @Security bearerAuth
// @Param limit query int false "page size, 1-100 (default 20)"
// @Param cursor query string false "next_cursor of the previous page"
// @Success 200 {object} ledger.WalletEntriesPage
// @Failure 400 {object} controllers.ErrorBody validation_failed: bad limit or cursor (fields says which)
// @Failure 401 {object} controllers.ErrorBody unauthorized
// @router /entries [get]
func (c *WalletController) Entries() {
	page, err := c.Ledger.Entries(c.Ctx.Request.Context(), c.UserID(), c.PageQuery())
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, page)
}
