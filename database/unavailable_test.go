package database_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"

	"inkwell/database"
)

func TestIsUnavailable(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("ledger: load account: %w", err) }
	for name, err := range map[string]error{
		"bad conn":          driver.ErrBadConn,
		"conn done":         sql.ErrConnDone,
		"invalid conn":      mysql.ErrInvalidConn,
		"deadline":          context.DeadlineExceeded,
		"refused":           &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		"reset":             syscall.ECONNRESET,
		"too many conns":    &mysql.MySQLError{Number: 1040, Message: "Too many connections"},
		"server shutdown":   &mysql.MySQLError{Number: 1053, Message: "Server shutdown in progress"},
		"sqlite locked":     errors.New("database is locked (5) (SQLITE_BUSY)"),
		"joined with other": errors.Join(errors.New("roll back"), mysql.ErrInvalidConn),
	} {
		assert.True(t, database.IsUnavailable(err), name)
		assert.True(t, database.IsUnavailable(wrap(err)), name+" wrapped")
	}
	for name, err := range map[string]error{
		"nil":       nil,
		"no rows":   sql.ErrNoRows,
		"duplicate": &mysql.MySQLError{Number: 1062, Message: "Duplicate entry"},
		"syntax":    &mysql.MySQLError{Number: 1064},
		"canceled":  context.Canceled,
		"other":     errors.New("boom"),
	} {
		assert.False(t, database.IsUnavailable(err), name)
	}
}
