package controllers

import (
	"net/http"

	"inkwell/users"
)

// MeController answers "who am I" for the signed-in caller.
type MeController struct {
	APIController
	Users users.Directory
}

// Get returns the caller's own user.
// @Title Current user
// @Description The user the bearer token signs in; the first valid request of a new account creates it.
// @Security bearerAuth
// @Success 200 {object} users.Me
// @Failure 401 {object} controllers.ErrorBody missing, malformed, expired or otherwise invalid token
// @Failure 503 {object} controllers.ErrorBody signing keys or database unreachable
// @router / [get]
func (c *MeController) Get() {
	me, err := c.Users.Me(c.Ctx.Request.Context(), c.UserID())
	if err != nil {
		c.RenderError(err)
		return
	}
	c.RenderJSON(http.StatusOK, me)
}
