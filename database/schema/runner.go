package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The migrations table exactly as bee creates it on MySQL, so bee and
// inkwell share one history; SQLite gets the same columns.
const (
	//nolint:misspell // Beego's own migrations table, word for word: `bee migrate` creates the same one.
	mysqlMigrationsDDL = `CREATE TABLE IF NOT EXISTS migrations (
	id_migration int(10) unsigned NOT NULL AUTO_INCREMENT COMMENT 'surrogate key',
	name varchar(255) DEFAULT NULL COMMENT 'migration name, unique',
	created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP COMMENT 'date migrated or rolled back',
	statements longtext COMMENT 'SQL statements for this migration',
	rollback_statements longtext COMMENT 'SQL statment for rolling back migration',
	status ENUM('update', 'rollback') COMMENT 'update indicates it is a normal migration while rollback means this migration is rolled back',
	PRIMARY KEY (id_migration)
) ENGINE=InnoDB DEFAULT CHARSET=utf8`
	sqliteMigrationsDDL = `CREATE TABLE IF NOT EXISTS migrations (
	id_migration INTEGER PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(255) DEFAULT NULL,
	created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
	statements TEXT,
	rollback_statements TEXT,
	status VARCHAR(8) CHECK (status IN ('update', 'rollback'))
)`
	// beeDateFormat is how beego's migration package writes created_at.
	beeDateFormat = "2006-01-02 15:04:05"
	lockName      = "inkwell_migrate"
)

// Status is one migration and whether it is applied.
type Status struct {
	Name      string
	Applied   bool
	AppliedAt string
}

// Runner applies and reverts the registered migrations on one database.
type Runner struct {
	DB      *sql.DB
	Dialect Dialect
	// Log receives one line per step; nil discards.
	Log func(format string, args ...any)
}

func (r *Runner) logf(format string, args ...any) {
	if r.Log != nil {
		r.Log(format, args...)
	}
}

// Up applies every pending migration in order and returns their names.
func (r *Runner) Up(ctx context.Context) ([]string, error) { return r.up(ctx, -1) }

// UpOne applies only the next pending migration ("" when none is pending).
func (r *Runner) UpOne(ctx context.Context) (string, error) {
	applied, err := r.up(ctx, 1)
	if len(applied) == 0 {
		return "", err
	}
	return applied[0], err
}

func (r *Runner) up(ctx context.Context, limit int) ([]string, error) {
	var applied []string
	err := r.locked(ctx, func(conn *sql.Conn) error {
		done, err := appliedSet(ctx, conn)
		if err != nil {
			return err
		}
		for _, m := range All() {
			if done[m.Name] {
				continue
			}
			if limit >= 0 && len(applied) >= limit {
				break
			}
			start := time.Now()
			if err := r.apply(ctx, conn, m, "up"); err != nil {
				return err
			}
			r.logf("migrate: applied %s (%s)", m.Name, time.Since(start).Round(time.Millisecond))
			applied = append(applied, m.Name)
		}
		return nil
	})
	return applied, err
}

// Down reverts the most recently applied migration and returns its name
// ("" when nothing is applied).
func (r *Runner) Down(ctx context.Context) (string, error) {
	var reverted string
	err := r.locked(ctx, func(conn *sql.Conn) error {
		var name string
		err := conn.QueryRowContext(ctx,
			"SELECT name FROM migrations WHERE status = 'update' ORDER BY id_migration DESC LIMIT 1").Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("migrate: find last applied migration: %w", err)
		}
		m, err := Lookup(name)
		if err != nil {
			return fmt.Errorf("migrate: the database's last migration %s is unknown to this binary (is it newer?): %w", name, err)
		}
		if err := r.apply(ctx, conn, m, "down"); err != nil {
			return err
		}
		r.logf("migrate: reverted %s", m.Name)
		reverted = m.Name
		return nil
	})
	return reverted, err
}

// Status lists every known migration with its state.
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	if err := r.ensureTable(ctx, r.DB); err != nil {
		return nil, err
	}
	rows, err := r.DB.QueryContext(ctx, "SELECT name, status, created_at FROM migrations ORDER BY id_migration")
	if err != nil {
		return nil, fmt.Errorf("migrate: read migrations table: %w", err)
	}
	defer rows.Close()
	state := map[string]Status{}
	for rows.Next() {
		var name, status sql.NullString
		var at any
		if err := rows.Scan(&name, &status, &at); err != nil {
			return nil, fmt.Errorf("migrate: read migrations row: %w", err)
		}
		state[name.String] = Status{Name: name.String, Applied: status.String == "update", AppliedAt: formatTime(at)}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Status
	for _, m := range All() {
		s, ok := state[m.Name]
		if !ok {
			s = Status{Name: m.Name}
		}
		if !s.Applied {
			s.AppliedAt = ""
		}
		out = append(out, s)
	}
	return out, nil
}

// Pending counts migrations not yet applied; readiness fails while it is > 0.
// A database that has never been migrated has no migrations table: then
// every migration is pending.
func (r *Runner) Pending(ctx context.Context) (int, error) {
	exists, err := r.historyExists(ctx)
	if err != nil {
		return 0, err
	}
	if !exists {
		return len(All()), nil
	}
	done, err := appliedSet(ctx, r.DB)
	if err != nil {
		return 0, err
	}
	pending := 0
	for _, m := range All() {
		if !done[m.Name] {
			pending++
		}
	}
	return pending, nil
}

func (r *Runner) historyExists(ctx context.Context) (bool, error) {
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
	if r.Dialect == MySQL {
		q = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'migrations'"
	}
	var n int
	if err := r.DB.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return false, fmt.Errorf("migrate: look for the migrations table: %w", err)
	}
	return n > 0, nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (r *Runner) ensureTable(ctx context.Context, db execer) error {
	ddl := sqliteMigrationsDDL
	if r.Dialect == MySQL {
		ddl = mysqlMigrationsDDL
	}
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("migrate: create migrations table: %w", err)
	}
	return nil
}

// locked runs fn on one connection while holding the migration lock, so two
// replicas or Jobs starting at once never apply the same migration twice.
func (r *Runner) locked(ctx context.Context, fn func(*sql.Conn) error) error {
	conn, err := r.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close()
	if err := r.ensureTable(ctx, conn); err != nil {
		return err
	}
	if r.Dialect == MySQL {
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 120)", lockName).Scan(&got); err != nil {
			return fmt.Errorf("migrate: take lock: %w", err)
		}
		if got.Int64 != 1 {
			return fmt.Errorf("migrate: another migration holds the lock %q; try again when it has finished", lockName)
		}
		// If the release fails the lock dies with the connection, closed next.
		defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", lockName) }()
		return fn(conn)
	}
	// SQLite: one immediate transaction around the whole run is the lock;
	// SQLite's DDL is transactional, so a failed migration leaves nothing behind.
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("migrate: lock SQLite database: %w", err)
	}
	if err := fn(conn); err != nil {
		if _, rbErr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
			return errors.Join(err, fmt.Errorf("migrate: roll back: %w", rbErr))
		}
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// appliedSet maps each recorded migration to whether it is applied now.
func appliedSet(ctx context.Context, conn queryer) (map[string]bool, error) {
	rows, err := conn.QueryContext(ctx, "SELECT name, status FROM migrations ORDER BY id_migration")
	if err != nil {
		return nil, fmt.Errorf("migrate: read migrations table: %w", err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var name, status sql.NullString
		if err := rows.Scan(&name, &status); err != nil {
			return nil, err
		}
		done[name.String] = status.String == "update"
	}
	return done, rows.Err()
}

// apply runs one direction of m and records it the way beego's migration
// package does: "update" rows for applied migrations, flipped to "rollback"
// with the rollback statements when reverted.
func (r *Runner) apply(ctx context.Context, conn *sql.Conn, m Migration, direction string) error {
	f := m.Up
	if direction == "down" {
		f = m.Down
	}
	stmts := Statements(r.Dialect, f)
	for i, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			partial := ""
			if r.Dialect == MySQL && i > 0 {
				// MySQL commits each DDL statement on its own.
				partial = fmt.Sprintf(" (statements 1-%d already took effect; MySQL cannot roll back DDL)", i)
			}
			return fmt.Errorf("migrate: %s %s, statement %d: %w%s\n%s", direction, m.Name, i+1, err, partial, s)
		}
	}
	now := time.Now().UTC().Format(beeDateFormat)
	joined := strings.Join(stmts, "; ")
	var err error
	if direction == "down" {
		_, err = conn.ExecContext(ctx,
			"UPDATE migrations SET status = 'rollback', rollback_statements = ?, created_at = ? WHERE name = ? AND status = 'update'",
			joined, now, m.Name)
	} else {
		// A re-applied migration replaces its rollback row, so the table
		// keeps one row per migration, in the order they were applied.
		if _, err = conn.ExecContext(ctx, "DELETE FROM migrations WHERE name = ?", m.Name); err == nil {
			_, err = conn.ExecContext(ctx,
				"INSERT INTO migrations (name, created_at, statements, status) VALUES (?, ?, ?, 'update')",
				m.Name, now, joined)
		}
	}
	if err != nil {
		return fmt.Errorf("migrate: record %s of %s: %w", direction, m.Name, err)
	}
	return nil
}

// formatTime renders created_at, which drivers return as time.Time, bytes or text.
func formatTime(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format(time.RFC3339)
	case []byte:
		return string(t)
	case nil:
		return ""
	default:
		return fmt.Sprint(t)
	}
}
