// Package comments holds the rules of threaded comments (issue 16): the
// tree model, the sorts and their cursors, the write transactions that keep
// counters exact, likes that pay through the ledger, moderation, and the
// cached read path that costs at most three statements per page whatever
// its size or depth. The Service is built on one *database.DB; tests build
// it on SQLite and MariaDB alike. See docs/comments.md.
package comments

import (
	"context"
	"log/slog"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"golang.org/x/sync/singleflight"

	"inkwell/cache"
	"inkwell/database"
	"inkwell/ledger"
	"inkwell/models"
)

// Author is the public profile shown with a comment.
type Author struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Picture string `json:"picture"`
}

// Comment is API.md's comment object. A tombstone (status deleted or
// removed, kept while it has visible replies) has no author and no body.
type Comment struct {
	ID           int64      `json:"id"`
	PostID       int64      `json:"post_id"`
	ParentID     *int64     `json:"parent_id"`
	Depth        int        `json:"depth"`
	Author       *Author    `json:"author"`
	BodyMarkdown *string    `json:"body_markdown"`
	BodyHTML     *string    `json:"body_html"`
	Status       string     `json:"status" enums:"visible,deleted,removed"`
	UpCount      int64      `json:"up_count"`
	DownCount    int64      `json:"down_count"`
	LikeCount    int64      `json:"like_count"`
	ReplyCount   int64      `json:"reply_count"`
	MyVote       int        `json:"my_vote" enums:"-1,0,1"`
	LikedByMe    bool       `json:"liked_by_me"`
	CreatedAt    time.Time  `json:"created_at"`
	EditedAt     *time.Time `json:"edited_at"`
	// Replies are the direct replies included, in the listing's order;
	// MoreReplies counts the listed direct replies left out (fetch them
	// with the replies route, or open the comment when at the depth limit).
	Replies     []Comment `json:"replies"`
	MoreReplies int64     `json:"more_replies"`
}

// Page is the answer of GET /api/v1/posts/{id}/comments and
// GET /api/v1/comments/{id}/replies.
type Page struct {
	Items      []Comment `json:"items"`
	NextCursor *string   `json:"next_cursor"`
}

// Thread is the answer of GET /api/v1/comments/{id}: the comment with its
// replies, and its ancestors from the top-level comment down to its parent
// (each without replies).
type Thread struct {
	Comment
	Ancestors []Comment `json:"ancestors"`
}

// VoteState is the answer of PUT /api/v1/comments/{id}/vote.
type VoteState struct {
	UpCount   int64 `json:"up_count"`
	DownCount int64 `json:"down_count"`
	MyVote    int   `json:"my_vote"`
}

// LikeState is the answer of PUT and DELETE /api/v1/comments/{id}/like.
type LikeState struct {
	Liked     bool  `json:"liked"`
	LikeCount int64 `json:"like_count"`
}

// PointsPerLike is what a like received pays a comment's author.
const PointsPerLike = 1

// LikePayer pays a comment's author for a like. The comments rules call it
// only for the first like a liker ever gives a comment, never for a like of
// one's own comment, inside the like's transaction (after the comment's row
// lock: lock order comment → mint → author). Applying the daily cap on
// points for likes received is the payer's job.
//
// The default, LedgerPayer, pays through ledger.Pay (the points economy:
// once per liker and comment ever, within the daily cap on likes received).
type LikePayer interface {
	PayCommentLike(ctx context.Context, tx orm.TxOrmer, authorID, likerID, commentID int64) error
}

// LedgerPayer is the LikePayer over ledger.Pay.
type LedgerPayer struct{}

// PayCommentLike implements LikePayer.
func (LedgerPayer) PayCommentLike(ctx context.Context, tx orm.TxOrmer, authorID, likerID, commentID int64) error {
	_, err := ledger.Pay(ctx, tx, ledger.Award{Reason: ledger.ReasonCommentLike, SubjectID: commentID,
		ActorID: likerID, UserID: authorID, At: time.Now().UTC()})
	return err
}

// Posts is what the comments rules need of the posts rules: retiring a
// post's cached copy (its comment_count changed) and hearing when a post's
// visibility changed (its status, or its deletion), which the cached
// comment skeleton carries. *posts.Service implements it.
type Posts interface {
	InvalidatePosts(ctx context.Context, ids []int64) error
	OnVisibilityChange(fn func(ctx context.Context, postID int64) error)
}

// Service carries what the comment rules need besides the database.
type Service struct {
	db    *database.DB
	cache *commentCache
	// builds lets concurrent readers missing the same listing under the
	// same token share one build.
	builds singleflight.Group
	posts  Posts
	payer  LikePayer
	log    *slog.Logger
	now    func() time.Time
}

// NewService returns the comment rules on db, reading through c. It
// registers with posts so that a post's status change or deletion retires
// the post's cached comments.
func NewService(db *database.DB, c cache.Cache, posts Posts, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{db: db, cache: &commentCache{c: c}, posts: posts, payer: LedgerPayer{}, log: log,
		now: func() time.Time { return time.Now().UTC() }}
	posts.OnVisibilityChange(s.InvalidatePost)
	return s
}

// WithLikePayer replaces how likes pay their comment's author.
func (s *Service) WithLikePayer(p LikePayer) *Service {
	s.payer = p
	return s
}

// visibleTo says whether viewer may see a post: published posts to
// everyone, drafts to their author only (as posts.visibleTo).
func visibleTo(status string, authorID, viewer int64) bool {
	return status == models.PostPublished || authorID == viewer
}
