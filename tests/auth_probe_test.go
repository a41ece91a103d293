package tests

import (
	"net/http"
	"sync/atomic"

	"github.com/beego/beego/v2/server/web"

	"inkwell/auth"
	"inkwell/controllers"
)

// probeRuns counts how often a controller behind the /api/v1 filter ran,
// so tests can prove a rejected request reached no controller code.
var probeRuns atomic.Int64

// probeController is registered under /api/v1 in this test binary only.
type probeController struct {
	controllers.BaseController
}

func (c *probeController) Get() {
	probeRuns.Add(1)
	p, _ := auth.PrincipalFrom(c.Ctx.Request.Context())
	c.RenderJSON(http.StatusOK, map[string]any{"user_id": c.UserID(), "context_user_id": p.UserID, "sub": p.Identity.Subject})
}

func init() {
	web.Router("/api/v1/test-probe", &probeController{}, "get:Get")
}
