// Package routers is Inkwell's composition root for HTTP: New builds one
// app instance with every route, the filters that guard them, and the
// dependencies each controller carries.
// @APIVersion 1.0.0
// @Title Inkwell API
// @Description Self-hostable community publishing: posts, likes, points. Every /api/v1 route needs `Authorization: Bearer <Google ID token>`.
// @SecurityDefinition bearerAuth apiKey Authorization header "Bearer <Google ID token>"
package routers

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/beego/beego/v2/server/web"
	beecontext "github.com/beego/beego/v2/server/web/context"

	"inkwell/auth"
	"inkwell/backup"
	"inkwell/comments"
	"inkwell/config"
	"inkwell/controllers"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/live"
	"inkwell/media"
	"inkwell/metrics"
	"inkwell/posts"
	"inkwell/previews"
	"inkwell/public"
	"inkwell/pwa"
	"inkwell/ratelimit"
	"inkwell/routers/ns"
	"inkwell/server"
	"inkwell/swagger"
	"inkwell/tracing"
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
	// Media is the media library; its public file handler is mounted at
	// /media/ when set (a local STORAGE_URL folder).
	Media *media.Service
	// Previews answers link previews.
	Previews *previews.Service
	// Backup copies posts' external media into their authors' libraries.
	Backup *backup.Service
	// Comments holds the comment rules and cache; it is built on the same
	// Posts instance (comment counts, post visibility).
	Comments *comments.Service
	// Lifecycle makes /readyz fail once shutdown begins (nil: never).
	Lifecycle *server.Lifecycle
	// Metrics counts requests by route pattern (nil: not instrumented).
	Metrics *metrics.Metrics
	// Tracing opens each request's server span and names it by its route
	// pattern (nil: tracing off).
	Tracing *tracing.Tracing
	// Limiter enforces Config.RateLimits (nil: an in-process one).
	Limiter *ratelimit.Limiter
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
	tracing *tracing.Tracing
	site    *public.Site
	// uploadBytes is the media upload route's body limit (0: no media).
	uploadBytes int64
	// requestTimeout is each request's deadline (0: none).
	requestTimeout time.Duration
}

// uploadRoute is the one route whose body is a stream of up to
// MAX_UPLOAD_BYTES (docs/media.md).
const uploadRoute = http.MethodPost + " /api/v1/media"

// multipartOverhead is what an upload's body may carry besides the file:
// boundaries, part headers, the folder and name fields.
const multipartOverhead = 64 << 10

// ServeHTTP serves r with Beego. It is served behind Handler's
// middleware, which puts requestValues in r's context.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method+" "+strings.TrimSuffix(r.URL.Path, "/") == uploadRoute {
		// Beego would parse the whole multipart body before routing; the
		// upload controller streams it instead.
		r = controllers.HoldUploadBody(r)
	}
	a.Server.Handlers.ServeHTTP(w, r)
}

// Handler is the app behind Inkwell's request middleware (request id,
// body cap, access log, per-request deadline): what serve.go listens with. Every body is capped
// at maxBodyBytes but the media upload's, at MAX_UPLOAD_BYTES plus the
// multipart framing.
func (a *App) Handler(maxBodyBytes int64) http.Handler {
	limits := server.BodyLimits{Default: maxBodyBytes}
	if a.uploadBytes > 0 {
		n := a.uploadBytes + multipartOverhead
		limits.Routes = map[string]int64{uploadRoute: n, uploadRoute + "/": n}
	}
	hooks := server.Hooks{Context: a.requestValues}
	if a.metrics != nil {
		hooks.Observer = a.metrics
	}
	if a.tracing != nil {
		hooks.Tracer = a.tracing
	}
	return server.MiddlewareWith(a.log, limits, hooks, server.Deadline(a.requestTimeout, a))
}

// handledRoute records pattern as the route of the requests h serves: what
// BaseController.Init does for controllers (Beego's RouterPattern of a
// handler route is the pattern it was registered with).
func handledRoute(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.SetRoute(r.Context(), pattern)
		h.ServeHTTP(w, r)
	})
}

// requestValues tells the error controller and panic hook (which Beego
// builds without our fields) which app they answer for.
func (a *App) requestValues(ctx context.Context) context.Context {
	return controllers.WithSite(controllers.WithApp(ctx, a.log, a.Server.Handlers), a.site)
}

// New builds an app instance: every route with its controller's
// dependencies. d.Log must be set.
func New(d Deps) *App {
	app := web.NewHttpServerWithCfg(BeegoConfig(d.Config.RunMode))

	// The installable web app: its screens, /shell.html, /static/*, /sw.js, /manifest.webmanifest (routers/pwa.go).
	registerPWA(app)

	// A request's route pattern (not its raw path) labels its metrics and
	// names its span: controllers.BaseController.Init records it for every
	// controller route, handledRoute for the two plain handlers below. Not
	// a Beego filter on /*: Beego would match that against the path once
	// more on every request, about 1.5 % of a cached read's CPU.

	// The public reading surface: /, /posts/{id}, author and tag pages,
	// Atom feeds, sitemap, robots.txt — no token (routers/public.go).
	site, err := public.NewSite(public.Site{Posts: d.Posts, DB: d.DB, BaseURL: d.Config.PublicBaseURL,
		App: pwa.Embedded(), Comments: publicCommentsOf(d.Comments, d.Posts)})
	if err != nil {
		panic(err) // the embedded templates are checked by public's tests
	}
	registerPublic(app, site)

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
	if d.Live != nil {
		// Ops over the socket spend from the budget of POST …/edits
		// (that route is limited by the filter below).
		d.Live.Limiter = controllers.LiveOpLimiter(limiter, limits.LiveEdits)
	}
	// The one exception is the live socket's upgrade, which a browser
	// cannot send a token with: it carries a single-use ticket instead,
	// which its controller redeems first (controllers.IsLiveSocketUpgrade
	// matches only that method, path, query and header).
	requireUser := controllers.RequireUser(d.Auth, limiter, limits.AuthFailures)
	app.InsertFilter("/api/v1/*", web.BeforeRouter, func(ctx *beecontext.Context) {
		if d.Live != nil && controllers.IsLiveSocketUpgrade(ctx.Request) {
			return
		}
		requireUser(ctx)
	})
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
		ns.NSNamespace("/posts", ns.NSInclude(&controllers.PostsController{Posts: d.Posts},
			&controllers.PostCommentsController{Comments: d.Comments},
			&controllers.LiveController{Live: d.Live}, &controllers.LiveSocketController{Live: d.Live},
			&controllers.MediaBackupController{Backup: d.Backup})),
		ns.NSNamespace("/comments", ns.NSInclude(&controllers.CommentsController{Comments: d.Comments})),
		ns.NSNamespace("/wallet", ns.NSInclude(&controllers.WalletController{Ledger: d.Ledger})),
		ns.NSNamespace("/transfers", ns.NSInclude(&controllers.TransfersController{Ledger: d.Ledger})),
		ns.NSNamespace("/media", ns.NSInclude(&controllers.MediaController{Media: d.Media})),
		ns.NSNamespace("/previews", ns.NSInclude(&controllers.PreviewsController{Previews: d.Previews})),
	)
	api.MountOn(app)

	// Media objects of a local folder (public: their keys are unguessable;
	// docs/media.md "Serving"). For S3 the URLs point at the bucket or CDN.
	var uploadBytes int64
	if d.Media != nil {
		prefix := strings.TrimSuffix(media.RoutePrefix, "/")
		app.Handler(prefix, handledRoute(prefix, d.Media.Handler()), true)
		uploadBytes = d.Media.MaxUploadBytes()
	}

	// The API explorer (public, docs/api.md): spec and Swagger UI embedded in the binary.
	devLogin := d.Auth != nil && d.Auth.DevSigner() != nil
	app.Handler("/swagger", handledRoute("/swagger", swagger.Handler("/swagger/", devLogin)), true)

	app.Handlers.Init()
	return &App{Server: app, log: d.Log, metrics: d.Metrics, tracing: d.Tracing, site: site, uploadBytes: uploadBytes, requestTimeout: d.Config.RequestTimeout}
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
