package posts

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"inkwell/cache"
)

// postCache keeps GET /api/v1/posts/{id} off the database.
//
// Entries live under a per-post version token: post:{id}:v holds a random
// token, the post is cached under post:{id}:{token} and each reader's
// liked_by_me under post:{id}:{token}:liked:{user}. A write, once committed,
// replaces the token, so every later reader on every replica misses and
// reloads. A plain "delete the key after commit" would not do: a reader that
// loaded the old row just before the commit could store it just after the
// delete and serve it until it expired. With tokens that late store lands
// under the dead token, where nobody looks.
type postCache struct {
	c cache.Cache
}

const (
	// postTTL bounds how long an author's renamed profile can show on a
	// cached post (profile changes do not touch the post).
	postTTL = 5 * time.Minute
	// versionTTL outlives every entry stored under the token; when a token
	// expires, the next reader creates a fresh one and reloads.
	versionTTL = 24 * time.Hour
)

func versionKey(id int64) string { return "post:" + strconv.FormatInt(id, 10) + ":v" }

func postPrefix(id int64) string { return "post:" + strconv.FormatInt(id, 10) + ":" }

func postKey(id int64, token string) string { return postPrefix(id) + token }

func likedSuffix(user int64) string { return ":liked:" + strconv.FormatInt(user, 10) }

func likedKey(id int64, token string, user int64) string {
	return postKey(id, token) + likedSuffix(user)
}

// token returns the post's current version token, creating one when there
// is none; Add makes concurrent readers agree on a single new token.
func (pc *postCache) token(ctx context.Context, id int64) (string, error) {
	return cache.Token(ctx, pc.c, versionKey(id), versionTTL)
}

// invalidate retires every cached entry of the post; call it after the
// write has committed and before answering.
func (pc *postCache) invalidate(ctx context.Context, id int64) error {
	if err := cache.Retire(ctx, pc.c, versionKey(id), versionTTL); err != nil {
		return fmt.Errorf("posts: invalidate cached post %d: %w", id, err)
	}
	return nil
}
