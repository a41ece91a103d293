package comments

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"math"
	"slices"

	"inkwell/apperror"
)

// cursor is a position in one sibling list (the top level of a post, or
// the replies of one comment) under one sort.
//
// new/old: a strict keyset on id within the list; a cursor names a
// position, not a row, so comments added or deleted between pages never
// repeat or shift what follows.
//
// Ranked sorts: the ranking of the list is frozen when its first page is
// made (a snapshot of the ordered ids, cached for rankTTL) and the cursor
// is a position in that snapshot, so while the snapshot lives the pages
// neither repeat nor skip, whatever votes change meanwhile (comments that
// left the listing are dropped; comments added after the first page are
// not in it). When the snapshot is gone, paging continues after the
// cursor's (key, id) in the current ranking — a comment whose rank moved
// across that position may then repeat or be missed — and freezes that
// remainder as a new snapshot.
type cursor struct {
	sort   string
	post   int64
	parent int64
	last   int64
	// ranked sorts only
	snap uint64
	pos  uint32
	key  float64
}

var sortCodes = []string{SortNew, SortOld, SortTop, SortReplies, SortBest}

const (
	keysetCursorVersion = 1
	rankedCursorVersion = 2
	keysetCursorBytes   = 1 + 1 + 8 + 8 + 8
	rankedCursorBytes   = keysetCursorBytes + 8 + 4 + 8
)

func (c *cursor) encode() string {
	b := make([]byte, 2, rankedCursorBytes)
	b[0] = keysetCursorVersion
	if ranked(c.sort) {
		b[0] = rankedCursorVersion
	}
	b[1] = byte(slices.Index(sortCodes, c.sort))
	b = binary.BigEndian.AppendUint64(b, uint64(c.post))
	b = binary.BigEndian.AppendUint64(b, uint64(c.parent))
	b = binary.BigEndian.AppendUint64(b, uint64(c.last))
	if ranked(c.sort) {
		b = binary.BigEndian.AppendUint64(b, c.snap)
		b = binary.BigEndian.AppendUint32(b, c.pos)
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.key))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func badCursor() error {
	return apperror.New(apperror.CodeBadRequest, "unknown cursor: pass the next_cursor of the previous page of the same listing")
}

// decodeCursor reads a cursor handed out for this listing (post, parent and
// sort); anything else is 400.
func decodeCursor(s, sort string, post, parent int64) (*cursor, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) < keysetCursorBytes {
		return nil, badCursor()
	}
	want := keysetCursorBytes
	if ranked(sort) {
		want = rankedCursorBytes
	}
	version := byte(keysetCursorVersion)
	if ranked(sort) {
		version = rankedCursorVersion
	}
	if len(b) != want || b[0] != version || int(b[1]) >= len(sortCodes) || sortCodes[b[1]] != sort {
		return nil, badCursor()
	}
	c := &cursor{sort: sort,
		post:   int64(binary.BigEndian.Uint64(b[2:10])),
		parent: int64(binary.BigEndian.Uint64(b[10:18])),
		last:   int64(binary.BigEndian.Uint64(b[18:26]))}
	if c.post != post || c.parent != parent || c.last <= 0 {
		return nil, badCursor()
	}
	if ranked(sort) {
		c.snap = binary.BigEndian.Uint64(b[26:34])
		c.pos = binary.BigEndian.Uint32(b[34:38])
		c.key = math.Float64frombits(binary.BigEndian.Uint64(b[38:46]))
		if math.IsNaN(c.key) || math.IsInf(c.key, 0) {
			return nil, badCursor()
		}
	}
	return c, nil
}

// selection is one page of a sibling list: the positions (in the
// skeleton) of its comments, the cursor of the next page, and a ranking
// snapshot to store when the next cursor refers to a new one.
type selection struct {
	items   []int32
	next    *cursor
	newSnap []int64
}

// selectPage cuts the page after c (nil: the first page) from the listed
// children of parent. snapshot is the ranking c.snap refers to, when the
// cache still has it.
func (s *skeleton) selectPage(post, parent int64, sort string, limit int, c *cursor, snapshot []int64) selection {
	if !ranked(sort) {
		order := s.ordered(parent, sort)
		start := 0
		if c != nil {
			start = len(order)
			for i, k := range order {
				if (sort == SortNew && s.nodes[k].id < c.last) || (sort == SortOld && s.nodes[k].id > c.last) {
					start = i
					break
				}
			}
		}
		end := min(start+limit, len(order))
		sel := selection{items: order[start:end]}
		if end < len(order) {
			sel.next = &cursor{sort: sort, post: post, parent: parent, last: s.nodes[order[end-1]].id}
		}
		return sel
	}

	var (
		list  []int64 // the ranking being paged, as ids
		start int
		snap  uint64
		fresh bool
	)
	switch {
	case c != nil && snapshot != nil && int(c.pos) < len(snapshot) && snapshot[c.pos] == c.last:
		list, start, snap = snapshot, int(c.pos)+1, c.snap
	default:
		for _, k := range s.ordered(parent, sort) {
			n := &s.nodes[k]
			if c == nil || afterPosition(sort, n, c.key, c.last) {
				list = append(list, n.id)
			}
		}
		snap, fresh = newSnapID(), true
	}
	sel := selection{}
	lastPos := -1
	i := start
	for ; i < len(list) && len(sel.items) < limit; i++ {
		if k, ok := s.index[list[i]]; ok && s.listed[k] && s.nodes[k].parent == parent {
			sel.items = append(sel.items, k)
			lastPos = i
		}
	}
	more := false
	for ; i < len(list); i++ {
		if k, ok := s.index[list[i]]; ok && s.listed[k] && s.nodes[k].parent == parent {
			more = true
			break
		}
	}
	if more && lastPos >= 0 {
		last := &s.nodes[sel.items[len(sel.items)-1]]
		sel.next = &cursor{sort: sort, post: post, parent: parent, last: last.id,
			snap: snap, pos: uint32(lastPos), key: rankKey(sort, last)}
		if fresh {
			sel.newSnap = list
		}
	}
	return sel
}

func newSnapID() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint64(b[:]) | 1 // never 0
}

func encodeIDs(ids []int64) []byte {
	out := make([]byte, 0, 8*len(ids))
	for _, id := range ids {
		out = binary.BigEndian.AppendUint64(out, uint64(id))
	}
	return out
}

func decodeIDs(b []byte) ([]int64, bool) {
	if len(b)%8 != 0 {
		return nil, false
	}
	out := make([]int64, len(b)/8)
	for i := range out {
		out[i] = int64(binary.BigEndian.Uint64(b[8*i:]))
	}
	return out, true
}
