package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"inkwell/backup"
	"inkwell/cache"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/media"
	"inkwell/models"
	"inkwell/outbound"
	"inkwell/posts"
	"inkwell/storage"
)

// runBackup puts the URLs into posts of 100 images each (SQLite and a
// local folder in a temporary directory) and times backup.Service.All.
func runBackup(urls []string, concurrency int) (result, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "bench-backup-")
	if err != nil {
		return result{}, err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a leftover temp folder does not change the figures
	cfg := config.Config{RunMode: "test", DBDriver: "sqlite", SQLitePath: filepath.Join(dir, "bench.db"), PublicBaseURL: "http://localhost:8080"}
	db, err := database.Open(ctx, cfg, "default")
	if err != nil {
		return result{}, err
	}
	defer db.Close()
	if _, err := (&schema.Runner{DB: db.SQL, Dialect: db.Dialect}).Up(ctx); err != nil {
		return result{}, err
	}
	o := db.Orm()
	user := &models.User{Issuer: "https://accounts.google.com", IssuerID: "bench", Email: "bench@example.com", Name: "bench"}
	if err := models.InsertUser(ctx, o, user); err != nil {
		return result{}, err
	}
	now := time.Now().UTC()
	for start := 0; start < len(urls); start += 100 {
		var body strings.Builder
		for i, u := range urls[start:min(start+100, len(urls))] {
			fmt.Fprintf(&body, "![%d](%s)\n\n", i, u)
		}
		p := &models.Post{AuthorID: user.ID, Title: "bench", Slug: "bench", BodyMarkdown: body.String(), BodyHTML: "",
			Status: models.PostPublished, CreatedAt: now, UpdatedAt: now, PublishedAt: &now, FirstPublishedAt: &now}
		if err := models.InsertPost(ctx, o, p); err != nil {
			return result{}, err
		}
	}
	bucket, err := storage.OpenDir(filepath.Join(dir, "media"))
	if err != nil {
		return result{}, err
	}
	defer bucket.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := cache.NewMemory(1 << 20)
	library := media.NewService(db, bucket, c, media.Options{PublicBase: "http://localhost:8080/media", TempDir: dir, Log: log})
	policy := outbound.Defaults
	policy.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	svc := backup.New(db, posts.NewService(db, c, log), library, outbound.New(policy),
		backup.Options{PublicBaseURL: cfg.PublicBaseURL, MediaBaseURL: "http://localhost:8080/media", Concurrency: concurrency, Log: log})
	stopProfiles := startProfiles()
	start := time.Now()
	sum, err := svc.All(ctx, 0, backup.RunOptions{})
	elapsed := time.Since(start)
	stopProfiles()
	if err != nil {
		return result{}, err
	}
	for _, f := range sum.Failures[:min(3, len(sum.Failures))] {
		fmt.Fprintf(os.Stderr, "backup: %s: %s\n", f.URL, f.Reason)
	}
	return result{Side: "backup", Items: sum.Copied, Failed: len(sum.Failures), Seconds: elapsed.Seconds()}, nil
}

// startProfiles writes a CPU and a block profile of the backup side into
// BENCH_PROFILE_DIR when it is set (go tool pprof …/backup.cpu).
func startProfiles() (stop func()) {
	dir := os.Getenv("BENCH_PROFILE_DIR")
	if dir == "" {
		return func() {}
	}
	cpu, err := os.Create(filepath.Join(dir, "backup.cpu"))
	if err != nil {
		return func() {}
	}
	_ = pprof.StartCPUProfile(cpu)
	runtime.SetBlockProfileRate(int(time.Millisecond))
	return func() {
		pprof.StopCPUProfile()
		_ = cpu.Close()
		if f, err := os.Create(filepath.Join(dir, "backup.block")); err == nil {
			_ = pprof.Lookup("block").WriteTo(f, 0)
			_ = f.Close()
		}
	}
}

// runOutbound downloads every URL through the outbound client (its checks,
// per-host slots and breakers) and discards the bodies: the fetching part
// of a backup without the pipeline, to split the cost between the two.
func runOutbound(urls []string, concurrency int) (result, error) {
	policy := outbound.Defaults
	policy.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	client := outbound.New(policy)
	next := make(chan string)
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range next {
				resp, err := client.Get(context.Background(), u, outbound.Fetch{Accept: "image/*", MaxBytes: 20 << 20})
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close() // read to the end; closing reports to the host's breaker
				}
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	for _, u := range urls {
		next <- u
	}
	close(next)
	wg.Wait()
	return result{Side: "outbound", Items: len(urls) - int(failed.Load()), Failed: int(failed.Load()),
		Seconds: time.Since(start).Seconds()}, nil
}
