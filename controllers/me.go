package controllers

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/models"
)

// MeController answers "who am I" for the signed-in caller.
type MeController struct {
	APIController
	DB *database.DB
}

// Me is the signed-in user as API.md's Identity section shows it.
type Me struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Picture   string    `json:"picture"`
	Points    int64     `json:"points"`
	CreatedAt time.Time `json:"created_at"`
}

// Get returns the caller's own user.
// @Title Current user
// @Description The user the bearer token signs in; the first valid request of a new account creates it.
// @Security bearerAuth
// @Success 200 {object} controllers.Me
// @Failure 401 {object} controllers.ErrorBody missing, malformed, expired or otherwise invalid token
// @Failure 503 {object} controllers.ErrorBody signing keys or database unreachable
// @router / [get]
func (c *MeController) Get() {
	u, err := models.UserByID(c.Ctx.Request.Context(), c.DB.Orm(), c.UserID())
	if errors.Is(err, models.ErrNotFound) {
		// The filter resolved this id moments ago; a missing row means it
		// was deleted since, and the token no longer names anyone.
		c.RenderError(apperror.New(apperror.CodeUnauthorized, "the signed-in user no longer exists"))
		return
	}
	if err != nil {
		c.RenderError(fmt.Errorf("me: %w", err))
		return
	}
	// Points are the ledger balance (issue 8); users.points is gone.
	points, err := models.BalanceOfUser(c.Ctx.Request.Context(), c.DB.Orm(), u.ID)
	if err != nil {
		c.RenderError(fmt.Errorf("me: %w", err))
		return
	}
	c.RenderJSON(http.StatusOK, Me{ID: u.ID, Email: u.Email, Name: u.Name, Picture: u.Picture,
		Points: points, CreatedAt: u.CreatedAt.UTC()})
}
