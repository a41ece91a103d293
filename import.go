package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"golang.org/x/term"

	"inkwell/cache"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/importer"
	"inkwell/logging"
	"inkwell/metrics"
	"inkwell/posts"
)

const importUsage = `usage: inkwell import [flags] SOURCE

SOURCE is a local folder or s3://bucket/prefix?endpoint=URL&region=REGION;
every *.jsonl and *.jsonl.gz under it is imported (docs/import.md).
Credentials for S3 come from the standard AWS environment variables.

flags:
`

// runImport is `inkwell import`: the exit status is non-zero only when the
// source cannot be read or nothing could be imported.
func runImport(ctx context.Context, args []string) (err error) {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), importUsage); fs.PrintDefaults() }
	workers := fs.Int("workers", importer.DefaultWorkers, "files imported at once")
	batch := fs.Int("batch", importer.DefaultBatchSize, "records per batch (one statement and one transaction)")
	maxLine := fs.Int("max-line", importer.DefaultMaxLine, "longest line in bytes; longer ones are rejected")
	errorsPath := fs.String("errors", "import-errors.log", "file listing every rejected line as file:line: reason (- for stderr)")
	progress := fs.String("progress", "auto", "auto (a bar on a terminal, log lines otherwise), bar, log or none")
	name := fs.String("name", "", "key the posts are stored under (default: the source's location); keep it when the export moves")
	every := fs.Duration("log-every", 10*time.Second, "interval of progress log lines")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the import to this file (for tuning)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("import: cpu profile: %w", err)
		}
		defer func() { _ = f.Close() }() // a profile is a diagnostic; the import's result does not depend on it
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("import: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import needs exactly one SOURCE")
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	src, err := importer.OpenSource(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	db, err := database.Open(ctx, cfg, "default")
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.DBDriver == "sqlite" {
		// Like serve: the embedded default migrates itself, so importing
		// into a fresh SQLite file works before the server ever ran.
		runner := &schema.Runner{DB: db.SQL, Dialect: db.Dialect}
		if _, err := runner.Up(ctx); err != nil {
			return fmt.Errorf("import: migrate the SQLite database: %w", err)
		}
	}

	var rejections io.Writer = os.Stderr
	if *errorsPath != "-" {
		f, err := os.Create(*errorsPath)
		if err != nil {
			return fmt.Errorf("import: error file: %w", err)
		}
		defer func() { _ = f.Close() }() // on an early return; the normal path closes it with its error below
		// Truncated: a resumed run writes the interrupted run's rejections
		// again first (importer.Options.Rejections). The importer flushes
		// the buffer after each committed batch.
		w := bufio.NewWriter(f)
		defer func() {
			// The rejections are the import's report: losing them is a failure.
			if ferr := errors.Join(w.Flush(), f.Close()); ferr != nil && err == nil {
				err = fmt.Errorf("import: error file: %w", ferr)
			}
		}()
		rejections = w
	}
	opts := importer.Options{Workers: *workers, BatchSize: *batch, MaxLine: *maxLine, Rejections: rejections, SourceName: *name}
	if cfg.RedisURL != "" {
		// The replicas' shared post cache: posts an import changes must
		// not be served from it in their old form. (Without Redis each
		// replica caches in-process, out of reach, for at most minutes.)
		postCache, err := cache.NewRedis(ctx, cfg.RedisURL, cfg.CacheKeyPrefix)
		if err != nil {
			return fmt.Errorf("import: post cache: %w", err)
		}
		defer func() { _ = postCache.Close() }()
		opts.Cache = posts.NewService(db, postCache, nil)
	}
	switch *progress {
	case "auto":
		if term.IsTerminal(int(os.Stderr.Fd())) {
			opts.Progress = &importer.Bar{Out: os.Stderr}
		} else {
			opts.Progress = &importer.LogLines{Out: os.Stderr, Every: *every}
		}
	case "bar":
		opts.Progress = &importer.Bar{Out: os.Stderr}
	case "log":
		opts.Progress = &importer.LogLines{Out: os.Stderr, Every: *every}
	case "none":
	default:
		return fmt.Errorf("import: -progress %q: want auto, bar, log or none", *progress)
	}

	if cfg.MetricsAddr != "" {
		m := metrics.New(metrics.Build{Version: version, Commit: commit})
		m.DB(db.SQL, string(db.Dialect))
		opts.Progress = newImportMetrics(m, opts.Progress)
		mctx, stop := context.WithCancel(ctx)
		defer stop()
		log := logging.New(os.Stderr, cfg.RunMode)
		go func() {
			// An import runs without its metrics rather than not at all
			// (the port may be taken, e.g. by a serve on the same host).
			if err := m.Serve(mctx, log, cfg.MetricsAddr, nil); err != nil {
				log.Warn("import: no /metrics for this run", "err", err.Error())
			}
		}()
	}

	sum, err := importer.Run(ctx, db.Orm(), src, opts)
	printImportSummary(os.Stdout, sum, *errorsPath)
	if err != nil {
		return err
	}
	if sum.Failed() {
		return errors.New("import failed: the source could not be read or nothing could be imported")
	}
	return nil
}

func printImportSummary(w io.Writer, s importer.Summary, errorsPath string) {
	run := "new run"
	if s.Resumed {
		run = "resumed an interrupted run"
	}
	rate := float64(s.Read) / max(s.Elapsed.Seconds(), 0.001)
	fmt.Fprintf(w, "import of %s (%s)\n", s.Source, run)
	fmt.Fprintf(w, "  files      %d (%d already done, %d failed)\n", s.Files, s.FilesSkipped, s.FilesFailed)
	fmt.Fprintf(w, "  read       %d\n  inserted   %d\n  updated    %d\n  unchanged  %d\n", s.Read, s.Inserted, s.Updated, s.Unchanged)
	fmt.Fprintf(w, "  rejected   %d", s.Rejected)
	switch {
	case s.RejectedEarlier > 0:
		fmt.Fprintf(w, " (and %d before the interruption; every one in %s)", s.RejectedEarlier, errorsPath)
	case s.Rejected > 0:
		fmt.Fprintf(w, " (every one in %s)", errorsPath)
	}
	fmt.Fprintln(w)
	for _, r := range s.Rejections {
		fmt.Fprintf(w, "    %s\n", r)
	}
	if n := s.Rejected - int64(len(s.Rejections)); n > 0 {
		fmt.Fprintf(w, "    … and %d more\n", n)
	}
	fmt.Fprintf(w, "  elapsed    %s (%.0f records/s)\n", s.Elapsed.Round(time.Millisecond), rate)
	for _, err := range s.Errors {
		fmt.Fprintf(w, "  error: %v\n", err)
	}
}
