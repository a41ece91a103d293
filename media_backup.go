package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"inkwell/backup"
	"inkwell/outbound"
	"inkwell/posts"
)

const mediaBackupUsage = `usage: inkwell media backup [--post ID] [--dry-run] [--progress auto|bar|log|none]

Copies the external images and videos of every post (or of post ID) into
their authors' libraries (folder backup/{post id}) through the outbound
client and the media pipeline; posts then show the copies (docs/backup.md).
A second run fetches nothing; a stopped run continues where it stopped.
`

// runMediaBackup is `inkwell media backup …`.
func runMediaBackup(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("media backup", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), mediaBackupUsage); fs.PrintDefaults() }
	post := fs.Int64("post", 0, "only this post id")
	dryRun := fs.Bool("dry-run", false, "list what would be fetched; fetch and write nothing")
	progress := fs.String("progress", "auto", "auto (a bar on a terminal, log lines otherwise), bar, log or none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *post < 0 {
		return fmt.Errorf("media backup: unexpected arguments\n\n%s", mediaBackupUsage)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	lib, err := openLibrary(ctx, log)
	if err != nil {
		return err
	}
	defer lib.Close()
	cfg, db, c, library := lib.cfg, lib.db, lib.cache, lib.media
	svc := backup.New(db, posts.NewService(db, c, log), library, outbound.New(outbound.PolicyFromConfig(cfg)),
		backup.Options{PublicBaseURL: cfg.PublicBaseURL, MediaBaseURL: library.PublicBaseURL(), Log: log})

	show, stop, err := progressDisplay(*progress, os.Stderr)
	if err != nil {
		return err
	}
	sum, err := svc.All(ctx, *post, backup.RunOptions{DryRun: *dryRun, Progress: show})
	stop()
	if err == nil && *post > 0 && sum.Posts == 0 {
		return fmt.Errorf("media backup: no post %d", *post)
	}
	for _, f := range sum.Failures {
		fmt.Printf("  post %d: %s: %s\n", f.PostID, f.URL, f.Reason)
	}
	verb := "copied"
	if *dryRun {
		verb = "to fetch"
	}
	fmt.Printf("media backup: %d posts, %d media found, %d %s, %d already copied, %d not copied\n",
		sum.Posts, sum.Found, sum.Copied, verb, sum.Already, len(sum.Failures))
	return err
}

// progressDisplay is a bar on a terminal (or with "bar") and a plain line
// every few seconds otherwise, fed (done, total) by the run.
func progressDisplay(mode string, out io.Writer) (func(done, total int), func(), error) {
	mode, err := progressMode("media backup", mode, out)
	if err != nil {
		return nil, nil, err
	}
	switch mode {
	case "bar":
		bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(out), progressbar.OptionSetDescription("media backup"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("media"),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionFullWidth())
		var mu sync.Mutex
		return func(done, total int) {
				mu.Lock()
				defer mu.Unlock()
				if total > 0 && int64(total) != bar.GetMax64() {
					bar.ChangeMax(total)
				}
				_ = bar.Set(done)
			}, func() {
				_ = bar.Finish()
				fmt.Fprintln(out)
			}, nil
	case "log":
		var mu sync.Mutex
		last := time.Time{}
		return func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			if time.Since(last) >= 5*time.Second || (done == total && total > 0) {
				last = time.Now()
				fmt.Fprintf(out, "media backup: %d/%d media handled\n", done, total)
			}
		}, func() {}, nil
	}
	return nil, func() {}, nil
}
