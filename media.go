package main

import (
	"context"
	"fmt"
	"log/slog"

	"inkwell/cache"
	"inkwell/database"
	"inkwell/media"
)

const mediaUsage = `usage: inkwell media reindex
       inkwell media backup [--post ID] [--dry-run]
       inkwell media export DIR

reindex   rebuild the media library's table from STORAGE_URL (disaster
          recovery; rows that exist are kept; docs/media.md)
backup    copy posts' external images and videos into their authors'
          libraries (docs/backup.md)
export    write every original into DIR by owner and folder, with a
          manifest; resumable (docs/media.md "Export")
`

// runMedia is `inkwell media …`.
func runMedia(ctx context.Context, args []string) error {
	if len(args) >= 1 && args[0] == "backup" {
		return runMediaBackup(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "export" {
		return runMediaExport(ctx, args[1:])
	}
	if len(args) != 1 || args[0] != "reindex" {
		return fmt.Errorf("media needs a command\n\n%s", mediaUsage)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	db, err := database.Open(ctx, cfg, "default")
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := cache.New(ctx, cfg.RedisURL, cfg.CacheKeyPrefix)
	if err != nil {
		return err
	}
	defer c.Close()
	svc, bucket, err := media.Open(ctx, cfg, db, c, slog.Default())
	if err != nil {
		return err
	}
	defer bucket.Close()
	fmt.Printf("media reindex: reading %s\n", bucket.Location())
	rep, err := svc.Reindex(ctx, func(f string, a ...any) { fmt.Printf("  "+f+"\n", a...) })
	fmt.Printf("media reindex: %d originals, %d restored (%d without an index record), %d already present, %d of unknown users, %d unreadable\n",
		rep.Objects, rep.Restored, rep.WithoutIndex, rep.Present, rep.NoOwner, rep.Unreadable)
	return err
}
