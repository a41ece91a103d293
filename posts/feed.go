package posts

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/markdown"
	"inkwell/models"
	"inkwell/paging"
)

// Feed page sizes (docs/api.md, "Pagination").
const (
	DefaultFeedLimit = paging.DefaultLimit
	MaxFeedLimit     = paging.MaxLimit
)

// FeedRequest is a parsed GET /api/v1/posts query.
type FeedRequest struct {
	Limit    int
	After    *models.FeedPosition
	Tag      string
	AuthorID int64
}

// FeedPage is the feed's answer (docs/api.md). Its items are summaries: a
// page of 100 full posts could carry 100 bodies of 200,000 characters and
// their HTML (issue 14); the full post is one GET /api/v1/posts/{id} away.
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
	page := paging.Query{Limit: limit, Cursor: cursor}.Parse(paging.FeedCursor, 2, f)
	req := FeedRequest{Limit: page.Limit, Tag: tag}
	if page.After != nil {
		req.After = &models.FeedPosition{PublishedAt: time.UnixMicro(page.After[0]).UTC(), ID: page.After[1]}
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

// A feed cursor is the (published_at, id) of the last post of a page
// (paging.FeedCursor: published_at in Unix microseconds, then the id).

// EncodeFeedCursor makes the opaque cursor for a position.
func EncodeFeedCursor(p models.FeedPosition) string {
	return paging.Encode(paging.FeedCursor, p.PublishedAt.UnixMicro(), p.ID)
}

// DecodeFeedCursor reads a cursor made by EncodeFeedCursor and refuses
// anything else.
func DecodeFeedCursor(s string) (*models.FeedPosition, error) {
	v, err := paging.Decode(s, paging.FeedCursor, 2)
	if err != nil {
		return nil, err
	}
	return &models.FeedPosition{PublishedAt: time.UnixMicro(v[0]).UTC(), ID: v[1]}, nil
}

// Feed returns one page of published posts, newest first, as viewer sees
// them. Whatever the page size it costs three statements: the page with
// its authors, the page's tags, and which of them viewer likes.
func (s *Service) Feed(ctx context.Context, viewer int64, req FeedRequest) (*FeedPage, error) {
	o := s.db.Orm()
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
