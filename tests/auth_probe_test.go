package tests

import (
	"net/http"
	"sync/atomic"

	"inkwell/auth"
	"inkwell/controllers"
)

// probeController is registered under /api/v1 by newAuthApp on its own
// app instance; Runs is that instance's counter (Beego copies the field
// into every request's controller).
type probeController struct {
	controllers.BaseController
	Runs *atomic.Int64
}

func (c *probeController) Get() {
	c.Runs.Add(1)
	p, _ := auth.PrincipalFrom(c.Ctx.Request.Context())
	c.RenderJSON(http.StatusOK, map[string]any{"user_id": c.UserID(), "context_user_id": p.UserID, "sub": p.Identity.Subject})
}
