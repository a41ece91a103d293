package routers

import (
	"sync"

	"github.com/beego/beego/v2/core/logs"
	"github.com/beego/beego/v2/server/web"

	"inkwell/controllers"
)

var processWide sync.Once

// BeegoConfig is the one Beego configuration of Inkwell: our run mode, no
// template rendering (the API speaks JSON), our panic handler, no access
// log (server.Middleware writes one JSON line per request). It returns the
// configuration of one app instance.
//
// Beego also keeps some state per process rather than per server: the
// error-controller table, and web.BConfig as read by its error rendering,
// access log and static-file lookup. That part is set once, identically
// for every instance, so instances can be built concurrently.
func BeegoConfig(runMode string) *web.Config {
	processWide.Do(func() {
		web.BConfig.RunMode = runMode
		web.BConfig.AppName = "inkwell"
		web.BConfig.CopyRequestBody = false
		web.BConfig.WebConfig.AutoRender = false
		web.BConfig.EnableErrorsRender = false
		web.BConfig.Log.AccessLogs = false
		// Beego would serve /static from a "static" folder in the working
		// directory; the app's assets are embedded instead (routers/pwa.go).
		delete(web.BConfig.WebConfig.StaticDir, "/static")
		// Framework-level failures (unknown route, wrong method) answer
		// with the API's JSON envelope.
		web.ErrorController(&controllers.ErrorController{})
		// Our middleware logs each request as JSON; Beego's own lines would repeat it.
		logs.SetLevel(logs.LevelWarning)
	})
	cfg := *web.BConfig
	cfg.RunMode = runMode
	cfg.RecoverPanic = true
	cfg.RecoverFunc = controllers.RecoverPanic
	return &cfg
}
