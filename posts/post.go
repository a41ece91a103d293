// Package posts holds the rules of posts and likes and the points they pay:
// validation, who may see and change what, the transactions that keep
// counters and points exact, the keyset feed and the cached read by id.
// Functions take the orm.Ormer they run on, so tests run them on SQLite and
// MariaDB alike.
package posts

import (
	"context"
	"log/slog"
	"time"

	"inkwell/cache"
	"inkwell/database"
	"inkwell/models"
)

// Author is the public profile shown with a post.
type Author struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Picture string `json:"picture"`
}

// Post is docs/api.md's post object: the post's content, the same for every
// reader (and cached as such), and liked_by_me, the reader's own.
type Post struct {
	PostContent
	LikedByMe bool `json:"liked_by_me"`
}

// PostContent is every field of a post but liked_by_me.
type PostContent struct {
	ID           int64      `json:"id"`
	Author       Author     `json:"author"`
	Title        string     `json:"title"`
	Slug         string     `json:"slug"`
	BodyMarkdown string     `json:"body_markdown"`
	BodyHTML     string     `json:"body_html"`
	Tags         []string   `json:"tags"`
	Status       string     `json:"status" enums:"draft,published"`
	LikeCount    int64      `json:"like_count"`
	CommentCount int64      `json:"comment_count"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	PublishedAt  *time.Time `json:"published_at"`
}

// Service is the post rules with what they need: the database, the post
// cache, a logger and a clock.
type Service struct {
	db    *database.DB
	cache *postCache
	log   *slog.Logger
	now   func() time.Time
	// visibilityHooks run after a committed write changed who may see a
	// post (its status, or its deletion): caches of things shown under a
	// post (its comments) carry its visibility and must hear of it.
	visibilityHooks []func(ctx context.Context, id int64) error
	// urlMaps, when set (SetURLMaps, rerender.go), gives each render of
	// an existing post the addresses of its backed-up media.
	urlMaps URLMapSource
	// cards renders bare links as preview cards (cards.go); nil: no cards.
	cards *linkCards
	// liveText carries a body edit into an open live session (nil: none).
	liveText LiveText
}

// LiveText is live co-editing as a body edit sees it (live.Service).
type LiveText interface {
	// ReplaceLiveText, when post id has a live session, makes its text
	// body by one op through the sequencer (editors see it in place;
	// ops made meanwhile are kept) and saves the session's text into the
	// post at once. Without a session it does nothing.
	ReplaceLiveText(ctx context.Context, id int64, body string) error
	// EndLiveSession, when post id has an open live session, ends it for
	// a publication: body (when not nil) first reaches the session as an
	// op, then the session takes no more ops and its editors are told;
	// it answers the session's last text and revision, which the
	// publication writes. ended is false when there was no open session.
	EndLiveSession(ctx context.Context, id int64, body *string) (text string, rev int64, ended bool, err error)
	// ResumeLiveSession undoes EndLiveSession when the publication failed.
	ResumeLiveSession(ctx context.Context, id int64) error
}

// SetLiveText makes body edits (Update) go through lt while a post has a
// live session, so the next live save does not overwrite them.
func (s *Service) SetLiveText(lt LiveText) { s.liveText = lt }

// OnVisibilityChange registers fn to run after every committed write that
// changes a post's status or deletes it, before the write answers; an
// error from fn is the write's answer (the change is saved).
func (s *Service) OnVisibilityChange(fn func(ctx context.Context, id int64) error) {
	s.visibilityHooks = append(s.visibilityHooks, fn)
}

func (s *Service) visibilityChanged(ctx context.Context, id int64) error {
	for _, fn := range s.visibilityHooks {
		if err := fn(context.WithoutCancel(ctx), id); err != nil {
			return err
		}
	}
	return nil
}

// NewService returns the post rules on db, reading through c.
func NewService(db *database.DB, c cache.Cache, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: db, cache: &postCache{c: c}, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// toPost builds the API object from a row and its tags (liked_by_me is
// per reader and set by the caller).
func toPost(row *models.PostWithAuthor, tags []string) Post {
	if tags == nil {
		tags = []string{}
	}
	p := PostContent{
		ID:           row.ID,
		Author:       Author{ID: row.AuthorID, Name: row.AuthorName, Picture: row.AuthorPicture},
		Title:        row.Title,
		Slug:         row.Slug,
		BodyMarkdown: row.BodyMarkdown,
		BodyHTML:     row.BodyHTML,
		Tags:         tags,
		Status:       row.Status,
		LikeCount:    row.LikeCount,
		CommentCount: row.CommentCount,
		CreatedAt:    row.CreatedAt.UTC(),
		UpdatedAt:    row.UpdatedAt.UTC(),
	}
	if row.PublishedAt != nil {
		t := row.PublishedAt.UTC()
		p.PublishedAt = &t
	}
	return Post{PostContent: p}
}

// visibleTo says whether viewer may see p: published posts to everyone,
// drafts to their author only.
func visibleTo(status string, authorID, viewer int64) bool {
	return status == models.PostPublished || authorID == viewer
}
