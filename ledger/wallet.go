package ledger

import (
	"context"
	"fmt"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/models"
	"inkwell/paging"
)

// EntriesPage is one page of a wallet's history, newest first.
type EntriesPage struct {
	Entries []models.Entry
	// NextCursor continues after the last entry; empty on the last page.
	NextCursor string
}

// EncodeCursor makes the opaque cursor that continues below entry id.
func EncodeCursor(id int64) string { return paging.Encode(paging.EntriesCursor, id) }

// History lists userID's entries newest first, limit at a time, after cursor.
// A bad limit or cursor is validation_failed naming it.
func History(ctx context.Context, o orm.Ormer, userID int64, limit int, cursor string) (*EntriesPage, error) {
	fields := map[string]string{}
	req := paging.Query{Cursor: cursor}.Parse(paging.EntriesCursor, 1, fields)
	if !paging.ValidLimit(limit) {
		fields["limit"] = paging.LimitMessage
	}
	if len(fields) > 0 {
		return nil, apperror.Validation(fields)
	}
	var before int64
	if req.After != nil {
		before = req.After[0]
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
