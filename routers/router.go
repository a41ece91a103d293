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
	"regexp"
	"time"

	"github.com/beego/beego/v2/server/web"

	"inkwell/auth"
	"inkwell/config"
	"inkwell/controllers"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/posts"
	"inkwell/ratelimit"
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
	// Limiter enforces Config.RateLimits (nil: an in-process one).
	Limiter *ratelimit.Limiter
}

// App is one instance of Inkwell's HTTP routes. Several can live in one
// process (the API tests run in parallel, each against its own).
type App struct {
	// Server is the Beego server holding the route table; tests walk it
	// and may register probe routes on it.
	Server *web.HttpServer
	log    *slog.Logger
	// requestTimeout is each request's deadline (0: none).
	requestTimeout time.Duration
}

// ServeHTTP serves r with Beego, telling the error controller and panic
// hook (which Beego builds without our fields) which app they answer for.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(controllers.WithApp(r.Context(), a.log, a.Server.Handlers))
	a.Server.Handlers.ServeHTTP(w, r)
}

// Handler is the app behind Inkwell's request middleware (request id,
// body cap, access log, per-request deadline): what serve.go listens with.
func (a *App) Handler(maxBodyBytes int64) http.Handler {
	return server.Middleware(a.log, maxBodyBytes, server.Deadline(a.requestTimeout, a))
}

// New builds an app instance: every route with its controller's
// dependencies. d.Log must be set.
func New(d Deps) *App {
	app := web.NewHttpServerWithCfg(BeegoConfig(d.Config.RunMode))

	// The installable web app: /, its screens, /static/*, /sw.js, /manifest.webmanifest (routers/pwa.go).
	registerPWA(app)

	health := &controllers.HealthController{DB: d.DB, Migrations: d.Migrations, Lifecycle: d.Lifecycle}
	app.Router("/healthz", health, "get:Healthz")
	app.Router("/readyz", health, "get:Readyz")

	// Every /api/v1 route, present and future, sits behind this one filter
	// ("/api/v1/*" also matches "/api/v1" itself; tests/auth_routes_test.go
	// walks every registered route to prove it).
	limiter := d.Limiter
	if limiter == nil {
		limiter = ratelimit.NewLimiter(ratelimit.NewMemory(ratelimit.DefaultMemoryKeys), d.Log)
	}
	limits := d.Config.RateLimits
	app.InsertFilter("/api/v1/*", web.BeforeRouter, controllers.RequireUser(d.Auth, limiter, limits.AuthFailures))
	// Then every state-changing /api/v1 request, present and future, spends
	// from its user's budget (filters run in the order inserted).
	app.InsertFilter("/api/v1/*", web.BeforeRouter, controllers.LimitWrites(limiter, RateRules(limits)))
	app.InsertFilter("/auth/dev-login", web.BeforeRouter, controllers.LimitByClient(limiter, http.MethodPost, limits.DevLogin))

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
		ns.NSNamespace("/posts", ns.NSInclude(&controllers.PostsController{Posts: d.Posts})),
		ns.NSNamespace("/wallet", ns.NSInclude(&controllers.WalletController{Ledger: d.Ledger})),
		ns.NSNamespace("/transfers", ns.NSInclude(&controllers.TransfersController{Ledger: d.Ledger})),
	)
	api.MountOn(app)

	// The API explorer (public, docs/api.md): spec and Swagger UI embedded in the binary.
	app.Handler("/swagger", swagger.Handler("/swagger/"), true)

	app.Handlers.Init()
	return &App{Server: app, log: d.Log, requestTimeout: d.Config.RequestTimeout}
}

// RateRules gives the actions with their own budget their limit instead of
// the default writes limit (docs/operations.md lists them).
func RateRules(l config.RateLimits) ratelimit.Rules {
	re := regexp.MustCompile
	return ratelimit.Rules{Default: l.Writes, Rules: []ratelimit.Rule{
		{Method: http.MethodPost, Path: re(`^/api/v1/posts/[0-9]+/comments/?$`), Limit: l.Comments},
		{Method: http.MethodPut, Path: re(`^/api/v1/comments/[0-9]+/vote/?$`), Limit: l.Votes},
		{Method: http.MethodPost, Path: re(`^/api/v1/media(/uploads)?/?$`), Limit: l.Uploads},
		{Method: http.MethodGet, Path: re(`^/api/v1/previews/?$`), Limit: l.Previews},
		{Method: http.MethodPost, Path: re(`^/api/v1/posts/[0-9]+/edits/?$`), Limit: l.LiveEdits},
	}}
}

func firstOf(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}
