// Package paging is the one spelling of keyset pagination for every list
// of the API (docs/api.md, "Pagination"): the limit parameter, the opaque
// cursor, and the {"items", "next_cursor"} envelope.
//
// A cursor is a kind byte followed by one or more big-endian int64 values,
// in unpadded base64url. The kind keeps one list's cursor from being taken
// for another's; the values name a position in the list (not a row), so
// items added or removed between pages neither repeat nor shift the next
// page.
package paging

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// Page sizes of every list.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Kind tells the lists' cursors apart. Never reuse a number.
type Kind byte

// The cursor kinds in use.
const (
	FeedCursor    Kind = 1 // published_at (Unix µs), post id
	DraftsCursor  Kind = 2 // post id
	EntriesCursor Kind = 3 // wallet entry id
)

// Field messages of a bad limit or cursor (validation_failed, fields.limit / fields.cursor).
var (
	LimitMessage  = fmt.Sprintf("must be an integer from 1 to %d", MaxLimit)
	CursorMessage = "unknown cursor; pass next_cursor from a previous page unchanged"
)

// ErrCursor is any cursor that Encode did not make for the expected kind.
var ErrCursor = errors.New("paging: unknown cursor")

// Encode makes the cursor of kind for values.
func Encode(kind Kind, values ...int64) string {
	b := make([]byte, 1+8*len(values))
	b[0] = byte(kind)
	for i, v := range values {
		binary.BigEndian.PutUint64(b[1+8*i:], uint64(v))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a cursor Encode made for kind with n values, each positive;
// anything else is ErrCursor.
func Decode(s string, kind Kind, n int) ([]int64, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != 1+8*n || b[0] != byte(kind) {
		return nil, ErrCursor
	}
	values := make([]int64, n)
	for i := range values {
		values[i] = int64(binary.BigEndian.Uint64(b[1+8*i:]))
		if values[i] <= 0 {
			return nil, ErrCursor
		}
	}
	return values, nil
}

// Query is a list request's raw limit and cursor.
type Query struct {
	Limit  string
	Cursor string
}

// Request is a checked Query: After holds the cursor's values, nil on the
// first page.
type Request struct {
	Limit int
	After []int64
}

// Parse checks q for a list whose cursors are of kind with n values,
// adding "limit" and "cursor" to fields when they are wrong.
func (q Query) Parse(kind Kind, n int, fields map[string]string) Request {
	req := Request{Limit: DefaultLimit}
	if q.Limit != "" {
		l, err := strconv.Atoi(q.Limit)
		if err != nil || l < 1 || l > MaxLimit {
			fields["limit"] = LimitMessage
		}
		req.Limit = l
	}
	if q.Cursor != "" {
		after, err := Decode(q.Cursor, kind, n)
		if err != nil {
			fields["cursor"] = CursorMessage
		}
		req.After = after
	}
	return req
}

// ValidLimit reports whether limit is a page size a list accepts.
func ValidLimit(limit int) bool { return limit >= 1 && limit <= MaxLimit }

// Next is the next_cursor of a page: null on the last page (cursor "").
func Next(cursor string) *string {
	if cursor == "" {
		return nil
	}
	return &cursor
}
