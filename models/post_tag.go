package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// ReplacePostTags sets a post's tags, in order. publishedAt is copied onto
// each row (nil for drafts) so the tag feed never has to read posts.
func ReplacePostTags(ctx context.Context, q orm.QueryExecutor, postID int64, tags []string, publishedAt *time.Time) error {
	if _, err := q.RawWithCtx(ctx, "DELETE FROM post_tags WHERE post_id = ?", postID).Exec(); err != nil {
		return fmt.Errorf("posts: clear tags of %d: %w", postID, err)
	}
	if len(tags) == 0 {
		return nil
	}
	values := make([]string, len(tags))
	args := make([]any, 0, 4*len(tags))
	for i, tag := range tags {
		values[i] = "(?, ?, ?, ?)"
		args = append(args, postID, tag, i, dbTimePtr(publishedAt))
	}
	if _, err := q.RawWithCtx(ctx, "INSERT INTO post_tags (post_id, tag, position, published_at) VALUES "+
		strings.Join(values, ", "), args...).Exec(); err != nil {
		return fmt.Errorf("posts: store tags of %d: %w", postID, err)
	}
	return nil
}

// SetPostTagsPublishedAt follows a post's publication onto its tag rows.
func SetPostTagsPublishedAt(ctx context.Context, q orm.QueryExecutor, postID int64, publishedAt *time.Time) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE post_tags SET published_at = ? WHERE post_id = ?", dbTimePtr(publishedAt), postID).Exec(); err != nil {
		return fmt.Errorf("posts: follow publication of %d onto its tags: %w", postID, err)
	}
	return nil
}

// TagsByPost loads the tags of several posts in one statement, each post's
// tags in the order the author gave them.
func TagsByPost(ctx context.Context, q orm.QueryExecutor, postIDs []int64) (map[int64][]string, error) {
	out := make(map[int64][]string, len(postIDs))
	if len(postIDs) == 0 {
		return out, nil
	}
	var ids []int64
	var tags []string
	_, err := q.RawWithCtx(ctx, "SELECT post_id, tag FROM post_tags WHERE post_id IN ("+placeholders(len(postIDs))+
		") ORDER BY post_id, position", int64Args(postIDs)...).QueryRows(&ids, &tags)
	if err != nil {
		return nil, fmt.Errorf("posts: load tags of %d posts: %w", len(postIDs), err)
	}
	for i, id := range ids {
		out[id] = append(out[id], tags[i])
	}
	return out, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
