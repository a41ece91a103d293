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

// FeedPage is API.md's feed answer.
type FeedPage struct {
	Items      []Post  `json:"items"`
	NextCursor *string `json:"next_cursor"`
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
	if len(rows) == 0 {
		return page, nil
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
		page.Items = append(page.Items, p)
	}
	return page, nil
}
