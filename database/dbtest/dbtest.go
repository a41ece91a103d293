// Package dbtest gives tests a fresh, migrated database of each kind Inkwell
// runs on: SQLite always, MariaDB/MySQL when MYSQL_HOST is set. Under CI
// (CI=true) a missing MySQL fails the test instead of skipping it.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
)

// Drivers lists the databases available to this test run.
func Drivers(t testing.TB) []string {
	if MySQLConfigured() {
		return []string{"sqlite", "mysql"}
	}
	if Required() {
		t.Fatalf("dbtest: CI=true but MYSQL_HOST is not set: the MariaDB-backed tests must run in CI")
	}
	return []string{"sqlite"}
}

// Required reports whether external services must be present (in CI).
func Required() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

// MySQLConfigured reports whether MYSQL_HOST points at a server to test on.
func MySQLConfigured() bool { return os.Getenv("MYSQL_HOST") != "" }

// Each runs fn as a subtest once per available driver, each with a fresh,
// fully migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	for _, driver := range Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			fn(t, Open(t, driver, true))
		})
	}
}

// Config returns a configuration for a fresh, empty database of driver:
// a temporary SQLite file, or a new MySQL database dropped after the test.
func Config(t testing.TB, driver string) config.Config {
	t.Helper()
	cfg := config.Config{RunMode: "test", HTTPPort: 8080, DBDriver: driver, PublicBaseURL: "http://localhost:8080", MaxBodyBytes: 1 << 20}
	switch driver {
	case "sqlite":
		cfg.SQLitePath = filepath.Join(t.TempDir(), "inkwell.db")
	case "mysql":
		if !MySQLConfigured() {
			if Required() {
				t.Fatalf("dbtest: CI=true but MYSQL_HOST is not set")
			}
			t.Skip("MYSQL_HOST not set; MariaDB tests run in CI")
		}
		port, _ := strconv.Atoi(os.Getenv("MYSQL_PORT"))
		if port == 0 {
			port = 3306
		}
		cfg.MySQL = config.MySQL{User: os.Getenv("MYSQL_USER"), Password: os.Getenv("MYSQL_PASSWORD"),
			Host: os.Getenv("MYSQL_HOST"), Port: port, Database: "inkwell_test_" + randomSuffix()}
		admin := cfg.MySQL
		admin.Database = ""
		conn, err := sql.Open("mysql", database.MySQLDSN(admin))
		require.NoError(t, err)
		defer conn.Close()
		_, err = conn.Exec("CREATE DATABASE " + cfg.MySQL.Database + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
		require.NoError(t, err, "dbtest: create MySQL database (does MYSQL_USER have CREATE rights?)")
		name := cfg.MySQL.Database
		t.Cleanup(func() {
			c, err := sql.Open("mysql", database.MySQLDSN(admin))
			if err == nil {
				_, _ = c.Exec("DROP DATABASE IF EXISTS " + name)
				c.Close()
			}
		})
	default:
		t.Fatalf("dbtest: unknown driver %q", driver)
	}
	return cfg
}

// Open opens a fresh database of driver under a unique ORM alias; with
// migrate it applies every migration first.
func Open(t testing.TB, driver string, migrate bool) *database.DB {
	t.Helper()
	cfg := Config(t, driver)
	db, err := database.Open(context.Background(), cfg, "test_"+randomSuffix())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	if migrate {
		_, err := (&schema.Runner{DB: db.SQL, Dialect: db.Dialect}).Up(context.Background())
		require.NoError(t, err)
	}
	return db
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Env turns cfg into environment variables for a child inkwell process.
func Env(cfg config.Config) []string {
	env := []string{"RUNMODE=" + cfg.RunMode, "DB_DRIVER=" + cfg.DBDriver}
	if cfg.DBDriver == "sqlite" {
		return append(env, "SQLITE_PATH="+cfg.SQLitePath)
	}
	return append(env,
		"MYSQL_HOST="+cfg.MySQL.Host, "MYSQL_PORT="+fmt.Sprint(cfg.MySQL.Port),
		"MYSQL_USER="+cfg.MySQL.User, "MYSQL_PASSWORD="+cfg.MySQL.Password,
		"MYSQL_DATABASE="+cfg.MySQL.Database)
}
