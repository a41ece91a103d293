// Package schema is the single source of truth for Inkwell's tables: every
// migration's Up and Down SQL for both dialects, the runner behind
// `inkwell migrate`, and the adapter that lets `bee migrate` apply the very
// same statements from database/migrations.
package schema

import "strings"

// Dialect is the SQL flavour a statement is written for.
type Dialect string

// The two databases Inkwell runs on.
const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// Expand replaces the few dialect-specific tokens in a statement, so each
// migration is written once:
//
//	{{pk}}        auto-increment 64-bit primary key
//	{{datetime}}  timestamp with microseconds, stored in UTC
//	{{text}}      long text
//	{{table}}     table options (engine, charset) after the closing parenthesis
func (d Dialect) Expand(stmt string) string {
	var r *strings.Replacer
	if d == MySQL {
		r = strings.NewReplacer(
			"{{pk}}", "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
			"{{datetime}}", "DATETIME(6)",
			"{{text}}", "MEDIUMTEXT",
			"{{table}}", " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
		)
	} else {
		r = strings.NewReplacer(
			"{{pk}}", "INTEGER PRIMARY KEY AUTOINCREMENT",
			"{{datetime}}", "DATETIME",
			"{{text}}", "TEXT",
			"{{table}}", "",
		)
	}
	// One line per statement keeps the migrations table readable.
	return strings.Join(strings.Fields(r.Replace(stmt)), " ")
}

// DropIndex is the one statement whose shape differs between the dialects.
func (d Dialect) DropIndex(table, index string) string {
	if d == MySQL {
		return "DROP INDEX " + index + " ON " + table
	}
	return "DROP INDEX " + index
}
