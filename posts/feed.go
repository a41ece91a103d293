package posts

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/markdown"
	"inkwell/models"
)

// Feed page sizes (API.md).
const (
	DefaultFeedLimit = 20
	MaxFeedLimit     = 100
)

// FeedRequest is a parsed GET /api/v1/posts query.
type FeedRequest struct {
	Limit    int
	After    *models.FeedPosition
	Tag      string
	AuthorID int64
}

// FeedPage is API.md's feed answer. Its items are summaries: a page of
// 100 full posts could carry 100 bodies of 200,000 characters and their
// HTML (issue 14); the full post is one GET /api/v1/posts/{id} away.
type FeedPage struct {
	Items      []PostSummary `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

// PostSummary is a post as the feed lists it: every field of a post but
// body_markdown and body_html, and instead a plain-text excerpt.
type PostSummary struct {
	ID     int64  `json:"id"`
	Author Author `json:"author"`
	Title  string `json:"title"`
	Slug   string `json:"slug"`
	// Excerpt is the start of the post's text, at most 300 characters,
	// without markdown or HTML (markdown.Excerpt).
	Excerpt      string     `json:"excerpt"`
	Tags         []string   `json:"tags"`
	Status       string     `json:"status" enums:"draft,published"`
	LikeCount    int64      `json:"like_count"`
	CommentCount int64      `json:"comment_count"`
	LikedByMe    bool       `json:"liked_by_me"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	PublishedAt  *time.Time `json:"published_at"`
}

// ParseFeedRequest checks the raw query values of a feed request; each
// invalid one is named in the validation error's fields.
func ParseFeedRequest(limit, cursor, tag, author string) (FeedRequest, error) {
	f := fieldErrors{}
	req := FeedRequest{Limit: DefaultFeedLimit, Tag: tag}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxFeedLimit {
			f["limit"] = fmt.Sprintf("must be an integer from 1 to %d", MaxFeedLimit)
		}
		req.Limit = n
	}
	if cursor != "" {
		pos, err := DecodeFeedCursor(cursor)
		if err != nil {
			f["cursor"] = "unknown cursor; pass next_cursor from a previous page unchanged"
		}
		req.After = pos
	}
	if tag != "" && !tagPattern.MatchString(tag) {
		f["tag"] = fmt.Sprintf("must be 1-%d characters of a-z, 0-9 and -", MaxTagChars)
	}
	if author != "" {
		n, err := strconv.ParseInt(author, 10, 64)
		if err != nil || n < 1 {
			f["author"] = "must be a user id (a positive integer)"
		}
		req.AuthorID = n
	}
	return req, f.err()
}

// A feed cursor is the (published_at, id) of the last post of a page:
// version byte 1, published_at in Unix microseconds, id; 17 bytes in
// unpadded base64url. It names a position, not a row, so posts published
// or deleted between pages neither repeat nor shift the next page.
const (
	cursorVersion = 1
	cursorBytes   = 17
)

// EncodeFeedCursor makes the opaque cursor for a position.
func EncodeFeedCursor(p models.FeedPosition) string {
	var b [cursorBytes]byte
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:9], uint64(p.PublishedAt.UnixMicro()))
	binary.BigEndian.PutUint64(b[9:], uint64(p.ID))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// DecodeFeedCursor reads a cursor made by EncodeFeedCursor and refuses
// anything else.
func DecodeFeedCursor(s string) (*models.FeedPosition, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("posts: cursor is not base64url: %w", err)
	}
	if len(b) != cursorBytes || b[0] != cursorVersion {
		return nil, fmt.Errorf("posts: cursor has the wrong shape")
	}
	micros := int64(binary.BigEndian.Uint64(b[1:9]))
	id := int64(binary.BigEndian.Uint64(b[9:]))
	if micros <= 0 || id <= 0 {
		return nil, fmt.Errorf("posts: cursor is out of range")
	}
	return &models.FeedPosition{PublishedAt: time.UnixMicro(micros).UTC(), ID: id}, nil
}

// Feed returns one page of published posts, newest first, as viewer sees
// them. Whatever the page size it costs three statements: the page with
// its authors, the page's tags, and which of them viewer likes.
func (s *Service) Feed(ctx context.Context, o orm.Ormer, viewer int64, req FeedRequest) (*FeedPage, error) {
	if req.Limit < 1 || req.Limit > MaxFeedLimit {
		return nil, apperror.Validation(map[string]string{"limit": fmt.Sprintf("must be an integer from 1 to %d", MaxFeedLimit)})
	}
	rows, err := models.FeedSummaries(ctx, o, models.FeedQuery{After: req.After, Tag: req.Tag, AuthorID: req.AuthorID, Limit: req.Limit + 1},
		markdown.ExcerptSourceChars)
	if err != nil {
		return nil, err
	}
	page := &FeedPage{Items: []PostSummary{}}
	if len(rows) > req.Limit {
		rows = rows[:req.Limit]
		last := rows[len(rows)-1]
		c := EncodeFeedCursor(models.FeedPosition{PublishedAt: *last.PublishedAt, ID: last.ID})
		page.NextCursor = &c
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	tags, liked, err := tagsAndLikes(ctx, o, viewer, ids)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		page.Items = append(page.Items, toSummary(&rows[i], tags[rows[i].ID], liked[rows[i].ID]))
	}
	return page, nil
}

// toSummary builds a feed item from a row.
func toSummary(row *models.PostSummaryRow, tags []string, liked bool) PostSummary {
	if tags == nil {
		tags = []string{}
	}
	p := PostSummary{
		ID:           row.ID,
		Author:       Author{ID: row.AuthorID, Name: row.AuthorName, Picture: row.AuthorPicture},
		Title:        row.Title,
		Slug:         row.Slug,
		Excerpt:      markdown.Excerpt(row.MarkdownHead),
		Tags:         tags,
		Status:       row.Status,
		LikeCount:    row.LikeCount,
		CommentCount: row.CommentCount,
		LikedByMe:    liked,
		CreatedAt:    row.CreatedAt.UTC(),
		UpdatedAt:    row.UpdatedAt.UTC(),
	}
	if row.PublishedAt != nil {
		t := row.PublishedAt.UTC()
		p.PublishedAt = &t
	}
	return p
}

// tagsAndLikes loads the tags of posts ids and which of them viewer
// likes: two statements whatever the number of posts.
func tagsAndLikes(ctx context.Context, o orm.Ormer, viewer int64, ids []int64) (map[int64][]string, map[int64]bool, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	tags, err := models.TagsByPost(ctx, o, ids)
	if err != nil {
		return nil, nil, err
	}
	liked, err := models.LikedPostIDs(ctx, o, viewer, ids)
	if err != nil {
		return nil, nil, err
	}
	return tags, liked, nil
}

// listItems turns a page of rows into API posts with two more statements
// whatever the page size: the page's tags and which of them viewer likes.
func (s *Service) listItems(ctx context.Context, o orm.Ormer, viewer int64, rows []models.PostWithAuthor) ([]Post, error) {
	items := []Post{}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	tags, liked, err := tagsAndLikes(ctx, o, viewer, ids)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		p := toPost(&rows[i], tags[rows[i].ID])
		p.LikedByMe = liked[p.ID]
		items = append(items, p)
	}
	return items, nil
}
