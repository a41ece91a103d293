package controllers

import (
	"fmt"
	"net/http"

	"inkwell/apperror"
	"inkwell/ledger"
)

// TransfersController sends kudos and shows one transfer to its parties.
type TransfersController struct {
	APIController
	Ledger *ledger.Service
}

// Create sends points from the caller to another user.
// @Title Send kudos
// @Summary Transfer points
// @Description Moves amount points from the caller's wallet to to_user_id's in one transaction. Amount 1-1,000,000, memo up to 280 characters. With an Idempotency-Key header, repeating the same request creates nothing and answers exactly as the first time (201, the same transfer) plus Idempotent-Replayed: true; reusing the key for a different request is 409. The body field idempotency_key is deprecated and means the same.
// @Security bearerAuth
// @Param Idempotency-Key header string false "optional, 1-100 visible ASCII characters: a repeat with the same key by the same user moves nothing and answers the first transfer (Idempotent-Replayed: true)"
// @Param body body ledger.TransferInput true "to_user_id, amount, memo"
// @Success 201 {object} ledger.Transfer the new transfer (or, with Idempotent-Replayed: true, the one made earlier with this key); Location names it
// @Failure 400 {object} controllers.ErrorBody validation_failed: amount out of range, memo too long, bad key, or sending to yourself
// @Failure 401 {object} controllers.ErrorBody unauthorized
// @Failure 404 {object} controllers.ErrorBody not_found: no user to_user_id
// @Failure 409 {object} controllers.ErrorBody conflict: the idempotency key was used for a different transfer
// @Failure 413 {object} controllers.ErrorBody too_large: body over 1 MiB
// @Failure 415 {object} controllers.ErrorBody unsupported_media_type: send application/json
// @Failure 422 {object} controllers.ErrorBody insufficient_funds: the balance is below amount
// @router / [post]
func (c *TransfersController) Create() {
	key, err := c.IdempotencyKey()
	if err != nil {
		c.RenderError(err)
		return
	}
	var in ledger.TransferInput
	if err := c.DecodeJSON(&in); err != nil {
		c.RenderError(err)
		return
	}
	switch {
	case key == "":
		key = in.IdempotencyKey // deprecated body field
	case in.IdempotencyKey != "" && in.IdempotencyKey != key:
		c.RenderError(apperror.Validation(map[string]string{
			"idempotency_key": "differs from the Idempotency-Key header; send the header only"}))
		return
	}
	t, replayed, err := c.Ledger.Send(c.Ctx.Request.Context(), ledger.SendRequest{
		FromUserID: c.UserID(), ToUserID: in.ToUserID, Amount: in.Amount, Memo: in.Memo, IdempotencyKey: key})
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderCreated(fmt.Sprintf("/api/v1/transfers/%d", t.ID), t, replayed)
}

// Get returns one transfer to its sender or recipient.
// @Title Transfer
// @Summary Read a transfer
// @Description One transfer, visible only to its two parties: anyone else gets 404, as if it did not exist.
// @Security bearerAuth
// @Param id path int true "transfer id"
// @Success 200 {object} ledger.Transfer
// @Failure 400 {object} controllers.ErrorBody bad_request: the id is not a positive integer
// @Failure 401 {object} controllers.ErrorBody unauthorized
// @Failure 404 {object} controllers.ErrorBody not_found: no such transfer, or not yours
// @router /:id [get]
func (c *TransfersController) Get() {
	id, err := c.PathID("transfer")
	if err != nil {
		c.RenderError(err)
		return
	}
	t, err := c.Ledger.Transfer(c.Ctx.Request.Context(), c.UserID(), id)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, t)
}
