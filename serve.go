package main

import (
	"context"
	"fmt"
	"os"

	"inkwell/auth"
	"inkwell/cache"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/live"
	"inkwell/logging"
	"inkwell/metrics"
	"inkwell/models"
	"inkwell/posts"
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

	var postCache cache.Cache
	postCache, err = cache.New(ctx, cfg.RedisURL, cfg.CacheKeyPrefix)
	if err != nil {
		return err
	}
	defer postCache.Close()

	var meter *metrics.Metrics
	if cfg.MetricsAddr != "" {
		meter = newMetrics(db)
		postCache = meter.Cache(postCache)
		go func() {
			if err := meter.Serve(ctx, log, cfg.MetricsAddr, nil); err != nil {
				log.Error("metrics listener stopped", "err", err)
			}
		}()
	}

	proxies, err := server.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return err
	}
	postService := posts.NewService(db, postCache, log)
	liveService, closeLive, err := live.Open(ctx, live.Options{RedisURL: cfg.RedisURL, KeyPrefix: cfg.CacheKeyPrefix,
		DB: db.Orm(), Loader: live.PostLoader{DB: db.Orm()}, Saver: postService, Tickets: postCache,
		SaveIdle: cfg.LiveSaveIdle, SaveEveryOps: cfg.LiveSaveEveryOps, Log: log})
	if err != nil {
		return err
	}
	if meter != nil {
		meter.Counter("inkwell_live_submit_retries_total", "Live ops whose append was tried again because another submission moved the head first.",
			func() float64 { return float64(liveService.Seq.Retries()) })
	}
	defer func() {
		if err := closeLive(); err != nil {
			log.Error("live: close", "err", err)
		}
	}()

	lifecycle := &server.Lifecycle{}
	app := routers.New(routers.Deps{Users: users.Directory{DB: db}, Ledger: ledger.NewService(db), Config: cfg, Log: log, DB: db, Migrations: runner, Auth: authn,
		Posts: postService, Lifecycle: lifecycle, Metrics: meter, Live: liveService})
	log.Info("starting inkwell", "runmode", cfg.RunMode, "db", cfg.DBDriver, "port", cfg.HTTPPort)
	handler := server.Forwarded(proxies, app.Handler(cfg.MaxBodyBytes))
	stopping := lifecycle.StopAfterDrain(ctx, log, cfg.ShutdownDrainDelay)
	// http.Server.Shutdown neither waits for nor closes hijacked
	// connections: the live sockets are closed with 1001 when the listener
	// stops, so their clients reconnect to another replica at once, and
	// what this replica sequenced but had not saved is written.
	liveDone := make(chan struct{})
	go func() {
		defer close(liveDone)
		<-stopping.Done()
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := liveService.Shutdown(sctx); err != nil {
			log.Error("live: shutdown", "err", err)
		}
		log.Info("live sockets closed and edits saved")
	}()
	err = server.Serve(stopping, log, fmt.Sprintf(":%d", cfg.HTTPPort), handler, cfg.ShutdownTimeout, nil)
	if stopping.Err() != nil {
		<-liveDone
	}
	return err
}

// newMetrics is the process's registry: HTTP (wired by routers.New), the
// database pool, and the domain tallies read at each scrape.
func newMetrics(db *database.DB) *metrics.Metrics {
	m := metrics.New(metrics.Build{Version: version, Commit: commit})
	m.DB(db.SQL, string(db.Dialect))
	m.Counter("inkwell_db_tx_retries_total", "Transactions run again after a deadlock or lock timeout.",
		func() float64 { return float64(models.TxRetries()) })
	m.Counter("inkwell_db_tx_retries_exhausted_total", "Transactions that still failed after their last retry.",
		func() float64 { return float64(models.TxRetriesExhausted()) })
	return m
}
