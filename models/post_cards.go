package models

import (
	"context"
	"fmt"

	"github.com/beego/beego/v2/client/orm"
)

// SetPostBodyHTML replaces a post's rendered body only: its markdown and
// updated_at stay (a preview card arrived; the author changed nothing).
func SetPostBodyHTML(ctx context.Context, q orm.QueryExecutor, id int64, html string) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE posts SET body_html = ? WHERE id = ?", html, id).Exec(); err != nil {
		return fmt.Errorf("posts: set body_html of %d: %w", id, err)
	}
	return nil
}
