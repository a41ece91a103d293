package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
)

// IsUnavailable reports whether err means the database could not be
// reached or did not answer in time (refused, reset or broken
// connections, timeouts, the request's deadline, a server going away or
// full), as opposed to a query it answered with an error. Such failures
// are the caller's 503, worth retrying later, never a 500.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		// Too many connections; server shutdown in progress; query
		// interrupted by the server going away.
		return me.Number == 1040 || me.Number == 1053 || me.Number == 1927
	}
	// SQLite: the file stayed locked by another writer past busy_timeout.
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}
