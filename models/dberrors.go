package models

import (
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// IsDuplicate reports whether err is a unique-constraint violation, on
// MySQL (error 1062) or SQLite.
func IsDuplicate(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1062
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// IsRetryable reports whether the database aborted a transaction to break a
// deadlock or a lock wait (MySQL 1213, 1205) or found SQLite busy; the whole
// transaction may then run again.
func IsRetryable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	return err != nil && (strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked"))
}
