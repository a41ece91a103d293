package media

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"inkwell/apperror"
	"inkwell/cache"
	"inkwell/models"
)

// Page is API.md's listing: the direct subfolders of the folder asked
// for (full paths), its items newest first, and the cursor of the next page.
type Page struct {
	Folders    []string `json:"folders"`
	Items      []Item   `json:"items"`
	NextCursor *string  `json:"next_cursor"`
}

// Listing limits (API.md: 1–100).
const (
	DefaultLimit = 50
	MaxLimit     = 100
)

// ListRequest is a checked GET /api/v1/media query.
type ListRequest struct {
	Folder string
	Limit  int
	// Before is the id the page starts below (0: the first page).
	Before int64
	cursor string
}

// ParseListRequest checks the query parameters of a listing.
func ParseListRequest(folder, limit, cursor string) (ListRequest, error) {
	fields := map[string]string{}
	req := ListRequest{Limit: DefaultLimit, cursor: cursor}
	var why string
	if req.Folder, why = NormalizeFolder(folder); why != "" {
		fields["folder"] = why
	}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxLimit {
			fields["limit"] = "must be an integer from 1 to 100"
		}
		req.Limit = n
	}
	if cursor != "" {
		id, err := decodeCursor(cursor)
		if err != nil {
			fields["cursor"] = "unknown cursor; pass next_cursor from a previous page unchanged"
		}
		req.Before = id
	}
	if len(fields) > 0 {
		return ListRequest{}, apperror.Validation(fields)
	}
	return req, nil
}

// A cursor is the id of the last item of a page, versioned and base64url.
const cursorVersion = 1

func encodeCursor(id int64) string {
	var b [9]byte
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:], uint64(id))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 9 || b[0] != cursorVersion {
		return 0, fmt.Errorf("media: malformed cursor")
	}
	id := int64(binary.BigEndian.Uint64(b[1:]))
	if id <= 0 {
		return 0, fmt.Errorf("media: cursor out of range")
	}
	return id, nil
}

// Listings are cached per owner under a version token, as posts are
// (docs/posts.md): media:{owner}:v holds a random token and each page lives
// under media:{owner}:{token}:… . Every write replaces the token after it
// commits, so all replicas miss at once, and a page loaded just before a
// write and stored just after lands under the dead token.
const (
	listTTL    = 10 * time.Minute
	versionTTL = 24 * time.Hour
)

func versionKey(owner int64) string { return "media:" + strconv.FormatInt(owner, 10) + ":v" }

func ownerPrefix(owner int64) string { return "media:" + strconv.FormatInt(owner, 10) + ":" }

func pageSuffix(req ListRequest) string {
	return ":list:" + strconv.Itoa(req.Limit) + ":" + req.cursor + ":" + req.Folder
}

// token returns owner's current version token, creating one when absent;
// Add makes concurrent readers agree on one.
func (s *Service) token(ctx context.Context, owner int64) (string, error) {
	return cache.Token(ctx, s.cache, versionKey(owner), versionTTL)
}

// invalidate retires every cached listing of owner. A failure is logged:
// the write has committed, and the listings expire within listTTL.
func (s *Service) invalidate(ctx context.Context, owner int64) {
	if err := cache.Retire(ctx, s.cache, versionKey(owner), versionTTL); err != nil {
		s.log.Error("media: listing cache not invalidated; listings may be stale until they expire",
			"owner", owner, "ttl", listTTL.String(), "error", err.Error())
	}
}

// ListJSON returns the JSON of owner's page for req: from the cache when
// it can, else from the database (and then cached). A cache failure never
// fails the read.
func (s *Service) ListJSON(ctx context.Context, owner int64, req ListRequest) ([]byte, error) {
	token, vals, err := s.cache.GetVersioned(ctx, versionKey(owner), ownerPrefix(owner), pageSuffix(req))
	if err == nil && token == "" {
		token, err = s.token(ctx, owner)
		vals = [][]byte{nil}
	}
	if err != nil {
		s.log.Warn("media: listing cache unavailable; reading the database", "owner", owner, "error", err.Error())
		token = ""
	} else if vals[0] != nil {
		return vals[0], nil
	}
	page, err := s.loadPage(ctx, owner, req)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(page)
	if err != nil {
		return nil, err
	}
	if token != "" {
		if err := s.cache.Set(ctx, ownerPrefix(owner)+token+pageSuffix(req), body, listTTL); err != nil {
			s.log.Warn("media: listing cache store failed", "owner", owner, "error", err.Error())
		}
	}
	return body, nil
}

// List is ListJSON decoded.
func (s *Service) List(ctx context.Context, owner int64, req ListRequest) (*Page, error) {
	body, err := s.ListJSON(ctx, owner, req)
	if err != nil {
		return nil, err
	}
	var p Page
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("media: decode page: %w", err)
	}
	return &p, nil
}

func (s *Service) loadPage(ctx context.Context, owner int64, req ListRequest) (*Page, error) {
	o := s.db.Orm()
	// One row more than the page tells whether another page follows.
	rows, err := models.MediaPage(ctx, o, owner, req.Folder, req.Before, req.Limit+1)
	if err != nil {
		return nil, err
	}
	folders, err := models.MediaFoldersUnder(ctx, o, owner, req.Folder)
	if err != nil {
		return nil, err
	}
	page := &Page{Folders: childFolders(req.Folder, folders), Items: make([]Item, 0, min(len(rows), req.Limit))}
	for i := range rows {
		if i == req.Limit {
			c := encodeCursor(rows[i-1].ID)
			page.NextCursor = &c
			break
		}
		page.Items = append(page.Items, s.toItem(&rows[i]))
	}
	return page, nil
}
