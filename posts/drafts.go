package posts

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/models"
)

// DraftsRequest is a parsed GET /api/v1/posts?status=draft: the caller's
// own drafts, newest first, in keyset pages by id (an extension of API.md
// for the PWA's "My drafts"; drafts are visible to their author only).
type DraftsRequest struct {
	Limit    int
	BeforeID int64
}

// ParseDraftsRequest checks the raw query values of a drafts request by
// caller. author may be omitted or name the caller; anyone else's drafts
// are never listed. tag is not supported with drafts.
func ParseDraftsRequest(limit, cursor, tag, author string, caller int64) (DraftsRequest, error) {
	f := fieldErrors{}
	req := DraftsRequest{Limit: DefaultFeedLimit}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxFeedLimit {
			f["limit"] = fmt.Sprintf("must be an integer from 1 to %d", MaxFeedLimit)
		}
		req.Limit = n
	}
	if cursor != "" {
		id, err := DecodeDraftsCursor(cursor)
		if err != nil {
			f["cursor"] = "unknown cursor; pass next_cursor from a previous page unchanged"
		}
		req.BeforeID = id
	}
	if tag != "" {
		f["tag"] = "cannot be combined with status=draft"
	}
	if author != "" {
		if n, err := strconv.ParseInt(author, 10, 64); err != nil || n != caller {
			f["author"] = "drafts can be listed for yourself only"
		}
	}
	return req, f.err()
}

// A drafts cursor is the id of the last draft of a page: version byte 2
// (feed cursors are 1, so neither is taken for the other) and the id.
const (
	draftsCursorVersion = 2
	draftsCursorBytes   = 9
)

// EncodeDraftsCursor makes the opaque cursor after the draft id.
func EncodeDraftsCursor(id int64) string {
	var b [draftsCursorBytes]byte
	b[0] = draftsCursorVersion
	binary.BigEndian.PutUint64(b[1:], uint64(id))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// DecodeDraftsCursor reads a cursor made by EncodeDraftsCursor.
func DecodeDraftsCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return 0, fmt.Errorf("posts: drafts cursor is not base64url: %w", err)
	}
	if len(b) != draftsCursorBytes || b[0] != draftsCursorVersion {
		return 0, fmt.Errorf("posts: drafts cursor has the wrong shape")
	}
	id := int64(binary.BigEndian.Uint64(b[1:]))
	if id <= 0 {
		return 0, fmt.Errorf("posts: drafts cursor is out of range")
	}
	return id, nil
}

// DraftsPage is a page of the caller's drafts: whole posts, for the
// author to pick up editing (the feed's summaries leave the body out).
type DraftsPage struct {
	Items      []Post  `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// Drafts returns one page of caller's drafts, newest first, in three
// statements whatever the page size.
func (s *Service) Drafts(ctx context.Context, o orm.Ormer, caller int64, req DraftsRequest) (*DraftsPage, error) {
	if req.Limit < 1 || req.Limit > MaxFeedLimit {
		return nil, apperror.Validation(map[string]string{"limit": fmt.Sprintf("must be an integer from 1 to %d", MaxFeedLimit)})
	}
	rows, err := models.DraftPage(ctx, o, caller, req.BeforeID, req.Limit+1)
	if err != nil {
		return nil, err
	}
	page := &DraftsPage{}
	if len(rows) > req.Limit {
		rows = rows[:req.Limit]
		c := EncodeDraftsCursor(rows[len(rows)-1].ID)
		page.NextCursor = &c
	}
	if page.Items, err = s.listItems(ctx, o, caller, rows); err != nil {
		return nil, err
	}
	return page, nil
}
