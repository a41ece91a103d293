package comments

import (
	"context"
	"strconv"
	"time"

	"inkwell/apperror"
	"inkwell/cache"
)

// commentCache keeps comment listings off the database, with the same
// versioned tokens as the post cache (docs/posts.md):
//
//	comments:{post}:v                         → random token
//	comments:{post}:{token}:skel              → the post's skeleton
//	comments:{post}:{token}:page:{listing}    → a page (bodies, counters)
//	comments:{post}:{token}:page:{listing}:me:{user} → that reader's votes and likes on it
//	comments:{post}:rank:{snapshot}           → a frozen ranking (ranked cursors)
//	comment:{id}:post                         → the comment's post (never changes)
//
// Every write that changes what a reader could see (create, edit, delete,
// vote, like, unlike, and the post's status or deletion) commits, then
// replaces the post's token, then answers. Readers read the token and the
// entries under it in one step (GetVersioned), load on a miss and store
// under the token they read, so a late store by a reader that loaded
// before the commit lands under a dead token. With Redis every replica
// shares the token, so a write answered by one is seen by the next read on
// any.
type commentCache struct {
	c cache.Cache
}

const (
	// entryTTL bounds how long an author's renamed profile can show in a
	// cached page (profile changes are not comment writes).
	entryTTL = 5 * time.Minute
	// rankTTL is how long a frozen ranking lives: ranked paging is exact
	// within it (see cursor).
	rankTTL = 10 * time.Minute
	// versionTTL outlives every entry stored under a token.
	versionTTL = 24 * time.Hour
)

func postPart(post int64) string { return "comments:" + strconv.FormatInt(post, 10) + ":" }

func versionKey(post int64) string { return postPart(post) + "v" }

func snapshotKey(post int64, snap uint64) string {
	return postPart(post) + "rank:" + strconv.FormatUint(snap, 16)
}

func commentPostKey(id int64) string { return "comment:" + strconv.FormatInt(id, 10) + ":post" }

const skeletonSuffix = ":skel"

func reactionsSuffix(user int64) string { return ":me:" + strconv.FormatInt(user, 10) }

// token returns the post's current token, creating one when there is none;
// Add makes concurrent readers agree on one.
func (cc *commentCache) token(ctx context.Context, post int64) (string, error) {
	return cache.Token(ctx, cc.c, versionKey(post), versionTTL)
}

// InvalidatePost retires every cached listing of post's comments; call it
// after a committed write. When the cache cannot be reached the change is
// saved but readers might see the old listing, so the caller hears of it
// (503) rather than a success.
func (s *Service) InvalidatePost(ctx context.Context, post int64) error {
	if err := cache.Retire(context.WithoutCancel(ctx), s.cache.c, versionKey(post), versionTTL); err != nil {
		return &apperror.Error{Code: apperror.CodeUnavailable,
			Message: "the change is saved but the comment cache could not be refreshed; repeat the request", Err: err}
	}
	return nil
}

func (s *Service) store(ctx context.Context, key string, value []byte, ttl time.Duration) {
	if err := s.cache.c.Set(ctx, key, value, ttl); err != nil {
		s.log.Warn("comment cache: store failed", "key", key, "error", err.Error())
	}
}

// Version is the current token of post's cached comments: it changes with
// every comment write on the post, so a page built from its comments (the
// public post page) can be cached under it.
func (s *Service) Version(ctx context.Context, post int64) (string, error) {
	return s.cache.token(ctx, post)
}
