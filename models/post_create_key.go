package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// InsertPostCreateKey records that userID's create with key made postID. A
// key the user already used fails with a duplicate error (IsDuplicate).
func InsertPostCreateKey(ctx context.Context, q orm.QueryExecutor, userID int64, key string, postID int64, at time.Time) error {
	if _, err := q.RawWithCtx(ctx,
		"INSERT INTO post_create_keys (user_id, idempotency_key, post_id, created_at) VALUES (?, ?, ?, ?)",
		userID, key, postID, dbTime(at)).Exec(); err != nil {
		return fmt.Errorf("posts: remember create key of user %d: %w", userID, err)
	}
	return nil
}

// PostIDForCreateKey returns the post userID's create with key made, and
// whether there is one.
func PostIDForCreateKey(ctx context.Context, q orm.QueryExecutor, userID int64, key string) (int64, bool, error) {
	var postID int64
	err := q.RawWithCtx(ctx, "SELECT post_id FROM post_create_keys WHERE user_id = ? AND idempotency_key = ?", userID, key).
		QueryRow(&postID)
	if errors.Is(err, orm.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("posts: look up create key of user %d: %w", userID, err)
	}
	return postID, true, nil
}
