package posts

import (
	"context"
	"fmt"
	"strconv"

	"inkwell/apperror"
	"inkwell/models"
	"inkwell/paging"
)

// DraftsRequest is a parsed GET /api/v1/posts?status=draft: the caller's
// own drafts, newest first, in keyset pages by id (an extension of docs/api.md
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
	page := paging.Query{Limit: limit, Cursor: cursor}.Parse(paging.DraftsCursor, 1, f)
	req := DraftsRequest{Limit: page.Limit}
	if page.After != nil {
		req.BeforeID = page.After[0]
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

// A drafts cursor is the id of the last draft of a page (paging.DraftsCursor).

// EncodeDraftsCursor makes the opaque cursor after the draft id.
func EncodeDraftsCursor(id int64) string { return paging.Encode(paging.DraftsCursor, id) }

// decodeDraftsCursor reads a cursor made by EncodeDraftsCursor.
func decodeDraftsCursor(s string) (int64, error) {
	v, err := paging.Decode(s, paging.DraftsCursor, 1)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}

// DraftsPage is a page of the caller's drafts: whole posts, for the
// author to pick up editing (the feed's summaries leave the body out).
type DraftsPage struct {
	Items      []Post  `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// Drafts returns one page of caller's drafts, newest first, in three
// statements whatever the page size.
func (s *Service) Drafts(ctx context.Context, caller int64, req DraftsRequest) (*DraftsPage, error) {
	o := s.db.Orm()
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
