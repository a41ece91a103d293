package ledger

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/models"
)

// Page sizes of a wallet's history.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// EntriesPage is one page of a wallet's history, newest first.
type EntriesPage struct {
	Entries []models.Entry
	// NextCursor continues after the last entry; empty on the last page.
	NextCursor string
}

// cursorPrefix versions the opaque cursor so its shape can change later.
const cursorPrefix = "e1:"

// EncodeCursor makes the opaque cursor that continues below entry id.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

// DecodeCursor reads a cursor EncodeCursor made; "" is the first page.
func DecodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && strings.HasPrefix(string(raw), cursorPrefix) {
		if id, err := strconv.ParseInt(strings.TrimPrefix(string(raw), cursorPrefix), 10, 64); err == nil && id > 0 {
			return id, nil
		}
	}
	return 0, apperror.New(apperror.CodeBadRequest, "unknown cursor: pass back the next_cursor of the previous page")
}

// History lists userID's entries newest first, limit at a time, after cursor.
func History(ctx context.Context, o orm.Ormer, userID int64, limit int, cursor string) (*EntriesPage, error) {
	if limit < 1 || limit > MaxPageSize {
		return nil, apperror.Validation(map[string]string{"limit": fmt.Sprintf("must be from 1 to %d", MaxPageSize)})
	}
	before, err := DecodeCursor(cursor)
	if err != nil {
		return nil, err
	}
	acct, err := EnsureAccount(ctx, o, userID)
	if err != nil {
		return nil, fmt.Errorf("ledger: history of user %d: %w", userID, err)
	}
	// One extra row tells whether another page follows without a COUNT.
	rows, err := models.EntriesPage(ctx, o, acct.ID, before, limit+1)
	if err != nil {
		return nil, err
	}
	page := &EntriesPage{Entries: rows}
	if len(rows) > limit {
		page.Entries = rows[:limit]
		page.NextCursor = EncodeCursor(rows[limit-1].ID)
	}
	return page, nil
}
