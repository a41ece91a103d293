// Package routers is Inkwell's composition root for HTTP: New builds one
// app instance with every route, the filters that guard them, and the
// dependencies each controller carries.
// @APIVersion 1.0.0
// @Title Inkwell API
// @Description Self-hostable community publishing: posts, likes, points. Every /api/v1 route needs `Authorization: Bearer <Google ID token>`.
// @SecurityDefinition bearerAuth apiKey Authorization header "Bearer <Google ID token>"
package routers

import (
	"log/slog"
	"net/http"

	"github.com/beego/beego/v2/server/web"
	beecontext "github.com/beego/beego/v2/server/web/context"

	"inkwell/auth"
	"inkwell/config"
	"inkwell/controllers"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/live"
	"inkwell/metrics"
	"inkwell/posts"
	"inkwell/routers/ns"
	"inkwell/server"
	"inkwell/swagger"
	"inkwell/users"
)

// Deps is everything the HTTP layer is built from; serve.go, the tests and
// the benchmarks each assemble one.
type Deps struct {
	Config config.Config
	Log    *slog.Logger
	// DB is pinged by /readyz; the domain services hold their own handle.
	DB         *database.DB
	Migrations *schema.Runner
	// Auth validates bearer tokens for the /api/v1 filter and mints
	// development tokens when AUTH_DEV_LOGIN=true.
	Auth *auth.Authenticator
	// Users is the user directory (who is signed in, their profile).
	Users users.Directory
	// Posts holds the post, like and point rules and the post cache.
	Posts *posts.Service
	// Ledger holds wallets and transfers.
	Ledger *ledger.Service
	// Lifecycle makes /readyz fail once shutdown begins (nil: never).
	Lifecycle *server.Lifecycle
	// Metrics counts requests by route pattern (nil: not instrumented).
	Metrics *metrics.Metrics
	// Live is live co-editing (nil only in tests that do not reach it).
	Live *live.Service
}

// App is one instance of Inkwell's HTTP routes. Several can live in one
// process (the API tests run in parallel, each against its own).
type App struct {
	// Server is the Beego server holding the route table; tests walk it
	// and may register probe routes on it.
	Server  *web.HttpServer
	log     *slog.Logger
	metrics *metrics.Metrics
}

// ServeHTTP serves r with Beego, telling the error controller and panic
// hook (which Beego builds without our fields) which app they answer for.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(controllers.WithApp(r.Context(), a.log, a.Server.Handlers))
	a.Server.Handlers.ServeHTTP(w, r)
}

// Handler is the app behind Inkwell's request middleware (request id,
// body cap, access log): what serve.go listens with.
func (a *App) Handler(maxBodyBytes int64) http.Handler {
	if a.metrics != nil {
		return server.ObservedMiddleware(a.log, maxBodyBytes, a.metrics, a)
	}
	return server.Middleware(a.log, maxBodyBytes, a)
}

// New builds an app instance: every route with its controller's
// dependencies. d.Log must be set.
func New(d Deps) *App {
	app := web.NewHttpServerWithCfg(BeegoConfig(d.Config.RunMode))

	// The installable web app: /, its screens, /static/*, /sw.js, /manifest.webmanifest (routers/pwa.go).
	registerPWA(app)

	if d.Metrics != nil {
		// Once a route has matched, its pattern (not the raw path) labels
		// the request's metrics; see metrics.Unmatched for the rest.
		app.InsertFilter("/*", web.BeforeExec, func(ctx *beecontext.Context) {
			if p, ok := ctx.Input.GetData("RouterPattern").(string); ok {
				metrics.SetRoute(ctx.Request.Context(), p)
			}
		}, web.WithReturnOnOutput(false))
	}

	health := &controllers.HealthController{DB: d.DB, Migrations: d.Migrations, Lifecycle: d.Lifecycle}
	app.Router("/healthz", health, "get:Healthz")
	app.Router("/readyz", health, "get:Readyz")

	// Every /api/v1 route, present and future, sits behind this one filter
	// ("/api/v1/*" also matches "/api/v1" itself; tests/auth_routes_test.go
	// walks every registered route to prove it).
	// The one exception is the live socket's upgrade, which a browser
	// cannot send a token with: it carries a single-use ticket instead,
	// which its controller redeems first (controllers.IsLiveSocketUpgrade
	// matches only that method, path, query and header).
	requireUser := controllers.RequireUser(d.Auth)
	app.InsertFilter("/api/v1/*", web.BeforeRouter, func(ctx *beecontext.Context) {
		if d.Live != nil && controllers.IsLiveSocketUpgrade(ctx.Request) {
			return
		}
		requireUser(ctx)
	})

	// Public sign-in helpers (docs/api.md: the dev sign-in route is public when enabled).
	signIn := &controllers.AuthController{Auth: d.Auth, GoogleClientID: firstOf(d.Config.GoogleClientIDs)}
	app.Router("/auth/config", signIn, "get:Config")
	app.Router("/auth/dev-login", signIn, "post:DevLogin")

	// API routes come from the @router annotations above each controller
	// method (compiled into annotated_routes.go by `make docs`); the same
	// annotations and this tree feed the swagger spec, so the served routes
	// and swagger/ cannot drift apart unnoticed (tests/swagger_test.go).
	api := ns.NewNamespace("/api/v1",
		ns.NSNamespace("/me", ns.NSInclude(&controllers.MeController{Users: d.Users})),
		ns.NSNamespace("/posts", ns.NSInclude(&controllers.PostsController{Posts: d.Posts},
			&controllers.LiveController{Live: d.Live}, &controllers.LiveSocketController{Live: d.Live})),
		ns.NSNamespace("/wallet", ns.NSInclude(&controllers.WalletController{Ledger: d.Ledger})),
		ns.NSNamespace("/transfers", ns.NSInclude(&controllers.TransfersController{Ledger: d.Ledger})),
	)
	api.MountOn(app)

	// The API explorer (public, docs/api.md): spec and Swagger UI embedded in the binary.
	app.Handler("/swagger", swagger.Handler("/swagger/"), true)

	app.Handlers.Init()
	return &App{Server: app, log: d.Log, metrics: d.Metrics}
}

func firstOf(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}
