// Command inkwell is the whole platform in one binary: with no arguments (or
// `serve`) it serves the API, the PWA and Swagger; `migrate` manages the schema.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/beego/beego/v2/server/web"

	"inkwell/comments"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
)

const usage = `usage: inkwell [command]

commands:
  serve                  serve the API, PWA and Swagger on HTTP_PORT (default)
  migrate up             apply every pending migration
  migrate down           revert the most recent migration
  migrate status         list migrations and whether each is applied
  import SOURCE          import JSON Lines posts from a folder or S3 (docs/import.md)
  users set-role EMAIL ROLE
                         make the user(s) with EMAIL a member, moderator or admin
  media reindex          rebuild the media library's table from STORAGE_URL (docs/media.md)
  help                   show this text

Configuration comes from the environment, then conf/app.conf; see README.md.
`

func main() { os.Exit(run(os.Args[1:])) }

// run runs one command and returns the process's exit code (a function of
// its own so that its deferred calls run before the process exits).
func run(args []string) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, args)
	case "migrate":
		err = runMigrate(ctx, args)
	case "import":
		err = runImport(ctx, args)
	case "users":
		err = runUsers(ctx, args)
	case "media":
		err = runMedia(ctx, args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	default:
		err = fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "inkwell: %v\n", err)
		return 1
	}
	return 0
}

// loadConfig reads the configuration with conf/app.conf as the fallback layer.
func loadConfig() (config.Config, error) {
	return config.Load(web.AppConfig)
}

func runMigrate(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("migrate needs one of up, down, status\n\n%s", usage)
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
	runner := &schema.Runner{DB: db.SQL, Dialect: db.Dialect, Log: func(f string, a ...any) { fmt.Printf(f+"\n", a...) }}
	switch args[0] {
	case "up":
		applied, err := runner.Up(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("migrate up: %d applied on %s %s\n", len(applied), cfg.DBDriver, database.Describe(cfg))
	case "down":
		name, err := runner.Down(ctx)
		if err != nil {
			return err
		}
		if name == "" {
			fmt.Println("migrate down: nothing to revert")
		}
	case "status":
		st, err := runner.Status(ctx)
		if err != nil {
			return err
		}
		pending := 0
		for _, s := range st {
			state := "pending"
			if s.Applied {
				state = "applied " + s.AppliedAt
			} else {
				pending++
			}
			fmt.Printf("%-45s %s\n", s.Name, state)
		}
		fmt.Printf("%d migrations, %d pending\n", len(st), pending)
	default:
		return fmt.Errorf("unknown migrate command %q (want up, down or status)", args[0])
	}
	return nil
}

func runUsers(ctx context.Context, args []string) error {
	if len(args) != 3 || args[0] != "set-role" {
		return fmt.Errorf("users needs: set-role EMAIL ROLE\n\n%s", usage)
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
	if err := comments.SetRole(ctx, db.Orm(), args[1], args[2]); err != nil {
		return err
	}
	fmt.Printf("users set-role: %s is now %s\n", args[1], args[2])
	return nil
}
