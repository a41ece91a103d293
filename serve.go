package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"inkwell/auth"
	"inkwell/backup"
	"inkwell/cache"
	"inkwell/comments"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/live"
	"inkwell/logging"
	"inkwell/media"
	"inkwell/metrics"
	"inkwell/models"
	"inkwell/outbound"
	"inkwell/posts"
	"inkwell/previews"
	"inkwell/ratelimit"
	"inkwell/routers"
	"inkwell/server"
	"inkwell/tracing"
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

	tracer, err := tracing.Start(ctx, tracing.Build{Version: version, Commit: commit})
	if err != nil {
		return err
	}
	if tracer != nil {
		log.Info("tracing on: spans exported over OTLP/HTTP", "endpoint", firstNonEmpty(os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")))
		// Deferred first, so it runs last: the spans of the shutdown itself
		// (the database's, the cache's) are flushed too.
		defer func() {
			if err := tracer.Shutdown(5 * time.Second); err != nil {
				log.Warn("tracing: spans lost at exit", "err", err)
			}
		}()
	}

	// A request's statements are short; a hung database must become a 503
	// within seconds (Beego's raw queries ignore the request's deadline,
	// so the driver's I/O timeouts are what bound them).
	if cfg.MySQL.ReadTimeout == 0 {
		cfg.MySQL.ReadTimeout = config.ServeDBIOTimeout
	}
	if cfg.MySQL.WriteTimeout == 0 {
		cfg.MySQL.WriteTimeout = config.ServeDBIOTimeout
	}
	db, err := database.OpenWith(ctx, cfg, "default", database.Options{Tracer: tracer.Provider()})
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
	postCache, err = cache.New(ctx, cfg.RedisURL, cfg.CacheKeyPrefix, cache.WithTracerProvider(tracer.Provider()))
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

	// Rate limits share Redis with the cache when it is configured, so every
	// replica spends from the same budgets.
	limiter, err := ratelimit.New(ctx, cfg.RedisURL, cfg.CacheKeyPrefix, log)
	if err != nil {
		return err
	}
	defer func() { _ = limiter.Close() }() // shutting down: its pool has nothing left to flush

	proxies, err := server.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return err
	}
	library, bucket, err := media.Open(ctx, cfg, db, postCache, log)
	if err != nil {
		return err
	}
	defer bucket.Close()
	// One outbound client per process: its per-host breakers and limits
	// only work if every outbound fetch shares them (docs/outbound.md).
	outboundClient := outbound.New(outbound.PolicyFromConfig(cfg))
	linkPreviews := previews.NewService(outboundClient, postCache, library.PreviewImages(outboundClient), log)
	postService := posts.NewService(db, postCache, log)
	// A bare link on its own line in a post renders as its preview card.
	postService.UseLinkCards(linkPreviews)
	mediaBackup := backup.New(db, postService, library, outboundClient, backup.Options{PublicBaseURL: cfg.PublicBaseURL,
		MediaBaseURL: library.PublicBaseURL(), Log: log})
	if cfg.MediaBackup == "auto" {
		log.Info("media backup worker on", "interval", cfg.MediaBackupInterval.String())
		workerCtx, stopWorker := context.WithCancel(ctx)
		defer stopWorker()
		go mediaBackup.Worker(workerCtx, cfg.MediaBackupInterval)
	}
	liveService, closeLive, err := live.Open(ctx, live.Options{RedisURL: cfg.RedisURL, KeyPrefix: cfg.CacheKeyPrefix,
		DB: db.Orm(), Loader: live.PostLoader{DB: db.Orm()}, Saver: postService, Tickets: postCache,
		SaveIdle: cfg.LiveSaveIdle, SaveEveryOps: cfg.LiveSaveEveryOps, Log: log})
	if err != nil {
		return err
	}
	postService.SetLiveText(liveService)
	if meter != nil {
		meter.Counter("inkwell_live_submit_retries_total", "Live ops sent to the sequencer again because their session expired between its start and the append (the append itself is one atomic step and never retried).",
			func() float64 { return float64(liveService.Seq.Retries()) })
	}
	defer func() {
		if err := closeLive(); err != nil {
			log.Error("live: close", "err", err)
		}
	}()

	lifecycle := &server.Lifecycle{}
	// One posts.Service serves posts and carries the comments' hooks (a
	// post's visibility change retires its cached comments).
	app := routers.New(routers.Deps{Users: users.Directory{DB: db}, Ledger: ledger.NewService(db), Config: cfg, Log: log, DB: db, Migrations: runner, Auth: authn,
		Posts: postService, Comments: comments.NewService(db, postCache, postService, log), Media: library, Previews: linkPreviews, Backup: mediaBackup,
		Lifecycle: lifecycle, Metrics: meter, Tracing: tracer, Limiter: limiter, Live: liveService})
	log.Info("starting inkwell", "runmode", cfg.RunMode, "db", cfg.DBDriver, "port", cfg.HTTPPort)
	// The request middleware (app.Handler) opens the server span once the
	// client is known (Forwarded) and ends it just before writing the
	// access line, which carries its ids.
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

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
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
	m.Counters("inkwell_ledger_transfers_total", "User transfers answered, by result (made, or replayed for a reused idempotency key).",
		"result", ledger.TransferResults, func(r string) float64 { return float64(ledger.Transfers(r)) })
	m.Counters("inkwell_ledger_transfers_refused_total", "User transfers refused, by reason (the error code answered).",
		"reason", ledger.RefusalReasons, func(r string) float64 { return float64(ledger.Refusals(r)) })
	return m
}
