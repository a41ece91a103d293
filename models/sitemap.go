package models

import (
	"context"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// PostLocation is what a sitemap says about a published post.
type PostLocation struct {
	ID        int64     `orm:"column(id)"`
	Slug      string    `orm:"column(slug)"`
	UpdatedAt time.Time `orm:"column(updated_at);type(datetime)"`
}

// PublishedPostLocations lists up to limit published posts, newest first,
// reading ix_posts_feed for the order and the rows by primary key.
func PublishedPostLocations(ctx context.Context, q orm.QueryExecutor, limit int) ([]PostLocation, error) {
	var rows []PostLocation
	_, err := q.RawWithCtx(ctx, `SELECT p.id, p.slug, p.updated_at FROM (
		SELECT id, published_at FROM posts WHERE status = 'published'
		ORDER BY published_at DESC, id DESC LIMIT ?) page
		JOIN posts p ON p.id = page.id
		ORDER BY page.published_at DESC, page.id DESC`, limit).QueryRows(&rows)
	if err != nil {
		return nil, fmt.Errorf("posts: list %d published locations: %w", limit, err)
	}
	return rows, nil
}
