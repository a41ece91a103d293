// Package database opens the configured SQL database (embedded SQLite or
// MySQL/MariaDB) and hands it to Beego ORM.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/otel/trace"
	_ "modernc.org/sqlite" // pure-Go SQLite keeps the binary static

	"inkwell/config"
	"inkwell/database/schema"
	"inkwell/tracing"
)

func init() {
	// modernc registers itself as "sqlite"; Beego ORM must know its dialect.
	if err := orm.RegisterDriver("sqlite", orm.DRSqlite); err != nil {
		panic(err)
	}
	// Timestamps are stored and returned in UTC (docs/api.md: RFC 3339 in UTC).
	orm.DefaultTimeLoc = time.UTC
}

// DB is an open database registered with Beego ORM under Alias.
type DB struct {
	SQL     *sql.DB
	Dialect schema.Dialect
	Alias   string
}

// Orm returns an Ormer bound to this database.
func (d *DB) Orm() orm.Ormer { return orm.NewOrmUsingDB(d.Alias) }

// Close closes the connection pool.
func (d *DB) Close() error { return d.SQL.Close() }

// Options adjust how Open connects.
type Options struct {
	// Tracer, when not nil, wraps the driver so every statement made with a
	// traced context is a span (tracing.OpenSQL); nil leaves it bare.
	Tracer trace.TracerProvider
}

// Open connects to the database cfg names, checks that it answers, and
// registers it with Beego ORM under alias ("default" in the server).
func Open(ctx context.Context, cfg config.Config, alias string) (*DB, error) {
	return OpenWith(ctx, cfg, alias, Options{})
}

// OpenWith is Open with options (tracing).
func OpenWith(ctx context.Context, cfg config.Config, alias string, opts Options) (*DB, error) {
	var (
		driverName string
		dsn        string
		dialect    schema.Dialect
	)
	switch cfg.DBDriver {
	case "sqlite":
		if dir := filepath.Dir(cfg.SQLitePath); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("database: create folder for SQLite file %s: %w", cfg.SQLitePath, err)
			}
		}
		driverName, dsn, dialect = "sqlite", SQLiteDSN(cfg.SQLitePath), schema.SQLite
	case "mysql":
		driverName, dsn, dialect = "mysql", MySQLDSN(cfg.MySQL), schema.MySQL
	default:
		return nil, fmt.Errorf("database: unknown DB_DRIVER %q (want sqlite or mysql)", cfg.DBDriver)
	}
	var db *sql.DB
	var err error
	if opts.Tracer != nil {
		// Beego ORM is handed the wrapped *sql.DB under the same driver
		// name, so it still picks its dialect from driverName.
		db, err = tracing.OpenSQL(opts.Tracer, driverName, dsn, string(dialect))
	} else {
		db, err = sql.Open(driverName, dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("database: open %s: %w", cfg.DBDriver, err)
	}
	configurePool(db, dialect)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: %s at %s does not answer: %w", cfg.DBDriver, Describe(cfg), err)
	}
	if err := orm.AddAliasWthDB(alias, driverName, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: register ORM alias %q: %w", alias, err)
	}
	return &DB{SQL: db, Dialect: dialect, Alias: alias}, nil
}

// Describe names the database cfg points at, without secrets, for messages.
func Describe(cfg config.Config) string {
	if cfg.DBDriver == "mysql" {
		return fmt.Sprintf("%s@%s:%d/%s", cfg.MySQL.User, cfg.MySQL.Host, cfg.MySQL.Port, cfg.MySQL.Database)
	}
	return cfg.SQLitePath
}

// SQLiteDSN turns on WAL (readers don't block the writer), a busy timeout
// (writers queue instead of failing), foreign keys, and immediate write
// transactions (no lock upgrades that fail with SQLITE_BUSY mid-transaction).
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	return "file:" + path + "?" + q.Encode()
}

// MySQLDSN builds the go-sql-driver DSN: utf8mb4, parsed UTC times, and
// timeouts so a dead server fails fast instead of hanging requests.
func MySQLDSN(m config.MySQL) string {
	c := mysql.NewConfig()
	c.User = m.User
	c.Passwd = m.Password
	c.Net = "tcp"
	c.Addr = fmt.Sprintf("%s:%d", m.Host, m.Port)
	c.DBName = m.Database
	c.ParseTime = true
	c.Loc = time.UTC
	c.Collation = "utf8mb4_unicode_ci"
	c.Timeout = orDefault(m.ConnectTimeout, 3*time.Second)
	c.ReadTimeout = orDefault(m.ReadTimeout, 30*time.Second)
	c.WriteTimeout = orDefault(m.WriteTimeout, 30*time.Second)
	c.Params = map[string]string{"time_zone": "'+00:00'"}
	// Placeholders are filled in by the driver (escaped for utf8mb4, the
	// only connection charset we use) instead of a server-side prepare,
	// execute and close per statement: one round trip instead of three,
	// and no server-side parse of a 14,000-parameter import statement
	// twice. Measured with bench/import's bare upsert of 1M posts:
	// 41.8k → 45.7k rows/s.
	c.InterpolateParams = true
	return c.FormatDSN()
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func configurePool(db *sql.DB, d schema.Dialect) {
	switch d {
	case schema.MySQL:
		db.SetMaxOpenConns(50)
		db.SetMaxIdleConns(25)
		db.SetConnMaxLifetime(5 * time.Minute)
		db.SetConnMaxIdleTime(time.Minute)
	case schema.SQLite:
		// One file, one writer: a small pool keeps lock waits short.
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	}
}
