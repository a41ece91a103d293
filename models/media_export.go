package models

import (
	"context"
	"fmt"

	"github.com/beego/beego/v2/client/orm"
)

// MediaItemsAfter lists every owner's items with ids above after, in id
// order, at most limit of them: the media export walks the whole library
// with it, a page at a time.
func MediaItemsAfter(ctx context.Context, q orm.QueryExecutor, after int64, limit int) ([]MediaItem, error) {
	var rows []MediaItem
	if _, err := q.RawWithCtx(ctx, "SELECT "+mediaColumns+" FROM media_items WHERE id > ? ORDER BY id LIMIT ?",
		after, limit).QueryRows(&rows); err != nil {
		return nil, fmt.Errorf("media: items after %d: %w", after, err)
	}
	return rows, nil
}

// MediaTotals counts every owner's items and their stored bytes.
func MediaTotals(ctx context.Context, q orm.QueryExecutor) (items, bytes int64, err error) {
	if err := q.RawWithCtx(ctx, "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM media_items").QueryRow(&items, &bytes); err != nil {
		return 0, 0, fmt.Errorf("media: totals: %w", err)
	}
	return items, bytes, nil
}
