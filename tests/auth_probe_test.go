package tests

import (
	"net/http"
	"sync/atomic"

	"github.com/beego/beego/v2/server/web"

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
	c.RenderJSON(http.StatusOK, map[string]int64{"user_id": c.UserID()})
}

func init() {
	web.Router("/api/v1/test-probe", &probeController{}, "get:Get")
}
