package models

import (
	"context"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// InsertPostLike records that userID likes postID and reports whether a row
// was added; a like that already exists is left alone (the primary key
// decides, so concurrent duplicates cannot both count).
func InsertPostLike(ctx context.Context, q orm.QueryExecutor, userID, postID int64, at time.Time) (bool, error) {
	query := "INSERT INTO post_likes (user_id, post_id, created_at) VALUES (?, ?, ?) ON CONFLICT (user_id, post_id) DO NOTHING"
	if isMySQL(q) {
		// Affected rows is 0 when the duplicate row is left unchanged.
		query = "INSERT INTO post_likes (user_id, post_id, created_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE post_id = post_id"
	}
	res, err := q.RawWithCtx(ctx, query, userID, postID, dbTime(at)).Exec()
	if err != nil {
		return false, fmt.Errorf("likes: user %d likes post %d: %w", userID, postID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("likes: user %d likes post %d: rows affected: %w", userID, postID, err)
	}
	return n == 1, nil
}

// DeletePostLike removes userID's like of postID and reports whether there was one.
func DeletePostLike(ctx context.Context, q orm.QueryExecutor, userID, postID int64) (bool, error) {
	res, err := q.RawWithCtx(ctx, "DELETE FROM post_likes WHERE user_id = ? AND post_id = ?", userID, postID).Exec()
	if err != nil {
		return false, fmt.Errorf("likes: user %d unlikes post %d: %w", userID, postID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("likes: user %d unlikes post %d: rows affected: %w", userID, postID, err)
	}
	return n == 1, nil
}

// AddPostLikeCount moves a post's denormalized like counter by delta.
func AddPostLikeCount(ctx context.Context, q orm.QueryExecutor, postID, delta int64) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE posts SET like_count = like_count + ? WHERE id = ?", delta, postID).Exec(); err != nil {
		return fmt.Errorf("likes: move like count of post %d by %d: %w", postID, delta, err)
	}
	return nil
}

// LikedPostIDs returns which of postIDs userID likes, in one primary-key lookup.
func LikedPostIDs(ctx context.Context, q orm.QueryExecutor, userID int64, postIDs []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(postIDs))
	if userID == 0 || len(postIDs) == 0 {
		return out, nil
	}
	var ids []int64
	args := append([]any{userID}, int64Args(postIDs)...)
	if _, err := q.RawWithCtx(ctx, "SELECT post_id FROM post_likes WHERE user_id = ? AND post_id IN ("+
		placeholders(len(postIDs))+")", args...).QueryRows(&ids); err != nil {
		return nil, fmt.Errorf("likes: which of %d posts user %d likes: %w", len(postIDs), userID, err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// CountPostLikes counts the like rows of a post (the truth like_count mirrors).
func CountPostLikes(ctx context.Context, q orm.QueryExecutor, postID int64) (int64, error) {
	var n int64
	if err := q.RawWithCtx(ctx, "SELECT COUNT(*) FROM post_likes WHERE post_id = ?", postID).QueryRow(&n); err != nil {
		return 0, fmt.Errorf("likes: count likes of post %d: %w", postID, err)
	}
	return n, nil
}
