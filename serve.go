package main

import (
	"context"
	"fmt"
	"os"

	"inkwell/auth"
	"inkwell/cache"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/logging"
	"inkwell/posts"
	"inkwell/ratelimit"
	"inkwell/routers"
	"inkwell/server"
	"inkwell/users"
)

func runServe(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("serve takes no arguments\n\n%s", usage)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := logging.New(os.Stdout, cfg.RunMode)

	// A request's statements are short; a hung database must become a 503
	// within seconds (Beego's raw queries ignore the request's deadline,
	// so the driver's I/O timeouts are what bound them).
	if cfg.MySQL.ReadTimeout == 0 {
		cfg.MySQL.ReadTimeout = config.ServeDBIOTimeout
	}
	if cfg.MySQL.WriteTimeout == 0 {
		cfg.MySQL.WriteTimeout = config.ServeDBIOTimeout
	}
	db, err := database.Open(ctx, cfg, "default")
	if err != nil {
		return err
	}
	defer func() {
		db.Close()
		log.Info("database closed")
	}()
	runner := &schema.Runner{DB: db.SQL, Dialect: db.Dialect, Log: func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) }}
	if cfg.DBDriver == "sqlite" {
		// The embedded default migrates itself so one command runs the app.
		if _, err := runner.Up(ctx); err != nil {
			return err
		}
	} else if n, err := runner.Pending(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Warn("migrations pending: /readyz answers 503 until `inkwell migrate up` runs", "pending", n)
	}

	authn, err := auth.New(ctx, cfg, users.Directory{DB: db}, log)
	if err != nil {
		return err
	}
	if cfg.AuthDevLogin {
		log.Warn("AUTH_DEV_LOGIN=true: POST /auth/dev-login signs anyone in as anyone; development only")
	}

	if len(cfg.OutboundAllowCIDRs) > 0 {
		log.Warn("OUTBOUND_ALLOW_CIDRS opens these otherwise blocked ranges, on any port, to user-supplied URLs",
			"cidrs", fmt.Sprint(cfg.OutboundAllowCIDRs))
	}

	postCache, err := cache.New(ctx, cfg.RedisURL, cfg.CacheKeyPrefix)
	if err != nil {
		return err
	}
	defer postCache.Close()

	// Rate limits share Redis with the cache when it is configured, so every
	// replica spends from the same budgets.
	limiter, err := ratelimit.New(ctx, cfg.RedisURL, cfg.CacheKeyPrefix, log)
	if err != nil {
		return err
	}
	defer limiter.Close()

	proxies, err := server.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return err
	}
	lifecycle := &server.Lifecycle{}
	app := routers.New(routers.Deps{Users: users.Directory{DB: db}, Ledger: ledger.NewService(db), Config: cfg, Log: log, DB: db, Migrations: runner, Auth: authn,
		Posts: posts.NewService(db, postCache, log), Lifecycle: lifecycle, Limiter: limiter})
	log.Info("starting inkwell", "runmode", cfg.RunMode, "db", cfg.DBDriver, "port", cfg.HTTPPort)
	handler := server.Forwarded(proxies, app.Handler(cfg.MaxBodyBytes))
	return server.Serve(lifecycle.StopAfterDrain(ctx, log, cfg.ShutdownDrainDelay), log,
		fmt.Sprintf(":%d", cfg.HTTPPort), handler, cfg.ShutdownTimeout, nil)
}
