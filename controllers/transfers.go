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

// TransfersController sends kudos and shows one transfer to its parties.
type TransfersController struct {
	APIController
	DB *database.DB
}

// TransferInput is the body of POST /api/v1/transfers. The sender is the
// caller; there is deliberately no "from" field.
type TransferInput struct {
	ToUserID       int64  `json:"to_user_id"`
	Amount         int64  `json:"amount"`
	Memo           string `json:"memo"`
	IdempotencyKey string `json:"idempotency_key"`
}

// Transfer is a movement of points as the API shows it; from_user_id is
// null for points minted by Inkwell, to_user_id null for points it took back.
type Transfer struct {
	ID             int64     `json:"id"`
	FromUserID     *int64    `json:"from_user_id"`
	ToUserID       *int64    `json:"to_user_id"`
	Amount         int64     `json:"amount"`
	Memo           string    `json:"memo"`
	Kind           string    `json:"kind"`
	IdempotencyKey *string   `json:"idempotency_key"`
	CreatedAt      time.Time `json:"created_at"`
}

func transferJSON(t *models.Transfer) Transfer {
	return Transfer{ID: t.ID, FromUserID: t.FromUserID, ToUserID: t.ToUserID, Amount: t.Amount, Memo: t.Memo,
		Kind: t.Kind, IdempotencyKey: t.IdempotencyKey, CreatedAt: t.CreatedAt.UTC()}
}

// Create sends points from the caller to another user.
// @Title Send kudos
// @Summary Transfer points
// @Description Moves amount points from the caller's wallet to to_user_id's in one transaction. Amount 1-1,000,000, memo up to 280 characters. With an idempotency_key, repeating the same request returns the same transfer with 200 and moves nothing again; reusing the key for a different request is 409.
// @Security bearerAuth
// @Param body body controllers.TransferInput true "to_user_id, amount, memo, idempotency_key (optional, up to 100 printable ASCII characters)"
// @Success 201 {object} controllers.Transfer the new transfer; Location names it
// @Success 200 {object} controllers.Transfer a replay: the transfer made earlier with this idempotency_key
// @Failure 400 validation_failed: amount out of range, memo too long, bad key, or sending to yourself
// @Failure 401 unauthorized
// @Failure 404 not_found: no user to_user_id
// @Failure 409 conflict: the idempotency_key was used for a different transfer
// @Failure 413 too_large: body over 1 MiB
// @Failure 415 unsupported_media_type: send application/json
// @Failure 422 insufficient_funds: the balance is below amount
// @router / [post]
func (c *TransfersController) Create() {
	var in TransferInput
	if err := c.DecodeJSON(&in); err != nil {
		c.RenderError(err)
		return
	}
	t, replay, err := ledger.Send(c.Ctx.Request.Context(), c.DB.Orm(), ledger.SendRequest{
		FromUserID: c.UserID(), ToUserID: in.ToUserID, Amount: in.Amount, Memo: in.Memo, IdempotencyKey: in.IdempotencyKey})
	if err != nil {
		c.RenderError(err)
		return
	}
	c.Ctx.Output.Header("Location", fmt.Sprintf("/api/v1/transfers/%d", t.ID))
	status := http.StatusCreated
	if replay {
		status = http.StatusOK
	}
	c.RenderJSON(status, transferJSON(t))
}

// Get returns one transfer to its sender or recipient.
// @Title Transfer
// @Summary Read a transfer
// @Description One transfer, visible only to its two parties: anyone else gets 404, as if it did not exist.
// @Security bearerAuth
// @Param id path int true "transfer id"
// @Success 200 {object} controllers.Transfer
// @Failure 400 bad_request: the id is not a positive integer
// @Failure 401 unauthorized
// @Failure 404 not_found: no such transfer, or not yours
// @router /:id [get]
func (c *TransfersController) Get() {
	id, err := strconv.ParseInt(c.Ctx.Input.Param(":id"), 10, 64)
	if err != nil || id <= 0 {
		c.RenderError(apperror.New(apperror.CodeBadRequest, "the transfer id must be a positive integer"))
		return
	}
	t, err := ledger.TransferFor(c.Ctx.Request.Context(), c.DB.Orm(), c.UserID(), id)
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, transferJSON(t))
}
