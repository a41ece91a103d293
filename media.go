package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"

	"inkwell/cache"
	"inkwell/config"
	"inkwell/database"
	"inkwell/media"
	"inkwell/storage"
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
	lib, err := openLibrary(ctx, slog.Default())
	if err != nil {
		return err
	}
	defer lib.Close()
	fmt.Printf("media reindex: reading %s\n", lib.bucket.Location())
	rep, err := lib.media.Reindex(ctx, func(f string, a ...any) { fmt.Printf("  "+f+"\n", a...) })
	fmt.Printf("media reindex: %d originals, %d restored (%d without an index record), %d already present, %d of unknown users, %d unreadable\n",
		rep.Objects, rep.Restored, rep.WithoutIndex, rep.Present, rep.NoOwner, rep.Unreadable)
	return err
}

// library is what every `inkwell media` command opens: the configuration,
// the database, the cache and the media library over its bucket.
type library struct {
	cfg    config.Config
	db     *database.DB
	cache  cache.Cache
	media  *media.Service
	bucket *storage.Bucket
}

// openLibrary opens a library (closing what it opened if a later step
// fails); log is the library's logger.
func openLibrary(ctx context.Context, log *slog.Logger) (_ *library, err error) {
	l := &library{}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	if l.cfg, err = loadConfig(); err != nil {
		return nil, err
	}
	if l.db, err = database.Open(ctx, l.cfg, "default"); err != nil {
		return nil, err
	}
	if l.cache, err = cache.New(ctx, l.cfg.RedisURL, l.cfg.CacheKeyPrefix); err != nil {
		return nil, err
	}
	if l.media, l.bucket, err = media.Open(ctx, l.cfg, l.db, l.cache, log); err != nil {
		return nil, err
	}
	return l, nil
}

// Close releases what openLibrary opened.
func (l *library) Close() {
	if l.bucket != nil {
		_ = l.bucket.Close()
	}
	if l.cache != nil {
		_ = l.cache.Close()
	}
	if l.db != nil {
		_ = l.db.Close()
	}
}

// progressMode resolves a --progress flag: "auto" is a bar on a terminal
// and log lines otherwise.
func progressMode(command, mode string, out io.Writer) (string, error) {
	switch mode {
	case "auto":
		if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			return "bar", nil
		}
		return "log", nil
	case "bar", "log", "none":
		return mode, nil
	}
	return "", fmt.Errorf("%s: --progress %q: want auto, bar, log or none", command, mode)
}
