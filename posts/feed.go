package posts

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
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

// FeedPage is a page of posts (docs/api.md): the feed, or the caller's drafts.
type FeedPage struct {
	Items      []Post  `json:"items"`
	NextCursor *string `json:"next_cursor"`
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

// decodeFeedCursor reads a cursor made by EncodeFeedCursor and refuses
// anything else.
func decodeFeedCursor(s string) (*models.FeedPosition, error) {
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
	rows, err := models.FeedPage(ctx, o, models.FeedQuery{After: req.After, Tag: req.Tag, AuthorID: req.AuthorID, Limit: req.Limit + 1})
	if err != nil {
		return nil, err
	}
	page := &FeedPage{Items: []Post{}}
	if len(rows) > req.Limit {
		rows = rows[:req.Limit]
		last := rows[len(rows)-1]
		c := EncodeFeedCursor(models.FeedPosition{PublishedAt: *last.PublishedAt, ID: last.ID})
		page.NextCursor = &c
	}
	if page.Items, err = s.listItems(ctx, o, viewer, rows); err != nil {
		return nil, err
	}
	return page, nil
}

// listItems turns a page of rows into API posts with two more statements
// whatever the page size: the page's tags and which of them viewer likes.
func (s *Service) listItems(ctx context.Context, o orm.Ormer, viewer int64, rows []models.PostWithAuthor) ([]Post, error) {
	items := []Post{}
	if len(rows) == 0 {
		return items, nil
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	tags, err := models.TagsByPost(ctx, o, ids)
	if err != nil {
		return nil, err
	}
	liked, err := models.LikedPostIDs(ctx, o, viewer, ids)
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
