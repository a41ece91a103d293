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
