package public

import (
	"context"
	"html/template"
	"time"
)

// CommentSection fills the comments region of a public post page with the
// first page of its comments. The comments feature implements it through
// the same path as GET /api/v1/posts/{id}/comments (PHASE2-NOTES, F10);
// without one (nil) the region says there are no comments yet.
type CommentSection interface {
	// Version changes whenever the first page of post postID's comments
	// would; it is part of the cached page's key, so a new comment shows
	// at once and changes the page's ETag. It should be cheap (a cache
	// token), because it is asked on every request.
	Version(ctx context.Context, postID int64) (string, error)
	// FirstPage is the first page of post postID's visible comments, asked
	// only when the page for the current versions is not cached yet.
	FirstPage(ctx context.Context, postID int64) (CommentPage, error)
}

// CommentPage is what the post page shows of its comments.
type CommentPage struct {
	// Total counts every visible comment of the post, replies included.
	Total int64
	Items []Comment
}

// Comment is one comment as the public page shows it.
type Comment struct {
	ID         int64
	AuthorID   int64
	AuthorName string
	// Tombstone: deleted or removed, kept because it has replies.
	Tombstone bool
	// BodyHTML is the comment's sanitized HTML, as stored.
	BodyHTML  template.HTML
	CreatedAt time.Time
	Replies   []Comment
	// MoreReplies counts direct replies not included in Replies.
	MoreReplies int64
}
