package schema

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// Snapshot is a comparable description of a database's tables, columns
// and indexes, used to prove that different paths build the same schema.
type Snapshot map[string]TableShape

// TableShape is one table's columns (in order) and indexes (sorted).
type TableShape struct {
	Columns []string
	Indexes []string
}

// Describe reads the live schema of db.
func Describe(ctx context.Context, db *sql.DB, d Dialect) (Snapshot, error) {
	if d == MySQL {
		return describeMySQL(ctx, db)
	}
	return describeSQLite(ctx, db)
}

// Tables lists the snapshot's table names, sorted.
func (s Snapshot) Tables() []string {
	out := make([]string, 0, len(s))
	for t := range s {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func describeMySQL(ctx context.Context, db *sql.DB) (Snapshot, error) {
	snap := Snapshot{}
	rows, err := db.QueryContext(ctx, `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COALESCE(COLUMN_DEFAULT, 'NULL'), EXTRA,
		COALESCE(COLLATION_NAME, '')
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`)
	if err != nil {
		return nil, fmt.Errorf("schema: describe columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, col, typ, nullable, def, extra, collation string
		if err := rows.Scan(&table, &col, &typ, &nullable, &def, &extra, &collation); err != nil {
			return nil, err
		}
		t := snap[table]
		t.Columns = append(t.Columns, strings.TrimSpace(fmt.Sprintf("%s %s null=%s default=%s collate=%s %s", col, typ, nullable, def, collation, extra)))
		snap[table] = t
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	irows, err := db.QueryContext(ctx, `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)
		FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE`)
	if err != nil {
		return nil, fmt.Errorf("schema: describe indexes: %w", err)
	}
	defer irows.Close()
	for irows.Next() {
		var table, index, cols string
		var nonUnique int
		if err := irows.Scan(&table, &index, &nonUnique, &cols); err != nil {
			return nil, err
		}
		t := snap[table]
		t.Indexes = append(t.Indexes, fmt.Sprintf("%s unique=%t (%s)", index, nonUnique == 0, cols))
		snap[table] = t
	}
	for name, t := range snap {
		sort.Strings(t.Indexes)
		snap[name] = t
	}
	return snap, irows.Err()
}

func describeSQLite(ctx context.Context, db *sql.DB) (Snapshot, error) {
	snap := Snapshot{}
	tables, err := collect(ctx, db, func(r *sql.Rows) (string, error) {
		var n string
		err := r.Scan(&n)
		return n, err
	}, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("schema: list tables: %w", err)
	}
	for _, table := range tables {
		var shape TableShape
		shape.Columns, err = collect(ctx, db, func(r *sql.Rows) (string, error) {
			var name, typ, def string
			var notNull, pk int
			err := r.Scan(&name, &typ, &notNull, &def, &pk)
			return fmt.Sprintf("%s %s notnull=%d default=%s pk=%d", name, typ, notNull, def, pk), err
		}, `SELECT name, type, "notnull", COALESCE(dflt_value, 'NULL'), pk FROM pragma_table_info(?)`, table)
		if err != nil {
			return nil, fmt.Errorf("schema: describe %s: %w", table, err)
		}
		shape.Indexes, err = collect(ctx, db, func(r *sql.Rows) (string, error) {
			var name, cols string
			var unique int
			err := r.Scan(&name, &unique, &cols)
			return fmt.Sprintf("%s unique=%t (%s)", name, unique == 1, cols), err
		}, `SELECT il.name, il."unique", group_concat(ii.name, ',')
			FROM pragma_index_list(?) il JOIN pragma_index_info(il.name) ii GROUP BY il.name, il."unique"`, table)
		if err != nil {
			return nil, fmt.Errorf("schema: describe indexes of %s: %w", table, err)
		}
		sort.Strings(shape.Indexes)
		snap[table] = shape
	}
	return snap, nil
}

// collect runs query and turns each row into a string with scan.
func collect(ctx context.Context, db *sql.DB, scan func(*sql.Rows) (string, error), query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		s, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
