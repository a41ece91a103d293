package comments

import (
	"cmp"
	"encoding/binary"
	"errors"
	"math"
	"slices"

	"inkwell/models"
)

// node is one comment in a post's skeleton: its place in the tree, its
// status and the counters the sorts rank by. Bodies are not part of it.
type node struct {
	id, parent        int64
	status            byte // statusVisible, statusDeleted, statusRemoved
	up, down, replies int64
}

const (
	statusVisible byte = 'v'
	statusDeleted byte = 'd'
	statusRemoved byte = 'r'
)

func statusByte(s string) byte {
	switch s {
	case models.CommentVisible:
		return statusVisible
	case models.CommentDeleted:
		return statusDeleted
	default:
		return statusRemoved
	}
}

func statusName(b byte) string {
	switch b {
	case statusVisible:
		return models.CommentVisible
	case statusDeleted:
		return models.CommentDeleted
	default:
		return models.CommentRemoved
	}
}

// skeleton is a post's visibility and the shape of its comment tree. It is
// what one covering-index scan returns, cached as a whole; every listing is
// cut from it in Go, so a page costs no query per level.
type skeleton struct {
	postFound  bool
	postStatus string
	postAuthor int64
	nodes      []node          // ascending id
	index      map[int64]int32 // id → position in nodes
	// children lists, per parent id (0: the top level), the positions of
	// the listed children in ascending id: visible comments, and tombstones
	// (deleted or removed) that still have a visible descendant. A deleted
	// comment without one leaves every listing.
	children map[int64][]int32
	listed   []bool
}

// newSkeleton indexes nodes (in any order) and works out which are listed.
func newSkeleton(postFound bool, postStatus string, postAuthor int64, nodes []node) *skeleton {
	slices.SortFunc(nodes, func(a, b node) int { return cmp.Compare(a.id, b.id) })
	s := &skeleton{postFound: postFound, postStatus: postStatus, postAuthor: postAuthor, nodes: nodes,
		index: make(map[int64]int32, len(nodes)), children: map[int64][]int32{}, listed: make([]bool, len(nodes))}
	for i, n := range nodes {
		s.index[n.id] = int32(i)
	}
	// A reply always has a larger id than its parent (it was created
	// later), so walking down the ids settles every child before its parent.
	hasLiveChild := make([]bool, len(nodes))
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		s.listed[i] = n.status == statusVisible || hasLiveChild[i]
		if !s.listed[i] || n.parent == 0 {
			continue
		}
		if p, ok := s.index[n.parent]; ok {
			hasLiveChild[p] = true
		}
	}
	for i, n := range nodes {
		if !s.listed[i] {
			continue
		}
		if n.parent != 0 {
			if p, ok := s.index[n.parent]; !ok || !s.listed[p] {
				continue // an orphan (cannot happen: parents are never deleted)
			}
		}
		s.children[n.parent] = append(s.children[n.parent], int32(i))
	}
	return s
}

func skeletonFromTree(t *models.CommentTree) *skeleton {
	nodes := make([]node, len(t.IDs))
	for i := range t.IDs {
		nodes[i] = node{id: t.IDs[i], parent: t.ParentIDs[i], status: statusByte(t.Statuses[i]),
			up: t.Ups[i], down: t.Downs[i], replies: t.Replies[i]}
	}
	return newSkeleton(t.PostFound, t.PostStatus, t.PostAuthorID, nodes)
}

// isListed says whether comment id exists on this post and is shown
// (visible, or a tombstone with visible descendants).
func (s *skeleton) isListed(id int64) bool {
	i, ok := s.index[id]
	return ok && s.listed[i]
}

// Skeleton cache encoding: a header (version, found, post status, author,
// count), then 41 bytes per node.
const (
	skeletonVersion = 1
	nodeBytes       = 8 + 8 + 1 + 8 + 8 + 8
	headerBytes     = 1 + 1 + 1 + 8 + 4
)

func (s *skeleton) encode() []byte {
	out := make([]byte, headerBytes, headerBytes+len(s.nodes)*nodeBytes)
	out[0] = skeletonVersion
	if s.postFound {
		out[1] = 1
	}
	out[2] = 'd'
	if s.postStatus == models.PostPublished {
		out[2] = 'p'
	}
	binary.BigEndian.PutUint64(out[3:11], uint64(s.postAuthor))
	binary.BigEndian.PutUint32(out[11:15], uint32(len(s.nodes)))
	for _, n := range s.nodes {
		out = binary.BigEndian.AppendUint64(out, uint64(n.id))
		out = binary.BigEndian.AppendUint64(out, uint64(n.parent))
		out = append(out, n.status)
		out = binary.BigEndian.AppendUint64(out, uint64(n.up))
		out = binary.BigEndian.AppendUint64(out, uint64(n.down))
		out = binary.BigEndian.AppendUint64(out, uint64(n.replies))
	}
	return out
}

var errBadSkeleton = errors.New("comments: cached skeleton is malformed")

func decodeSkeleton(b []byte) (*skeleton, error) {
	if len(b) < headerBytes || b[0] != skeletonVersion {
		return nil, errBadSkeleton
	}
	n := int(binary.BigEndian.Uint32(b[11:15]))
	if len(b) != headerBytes+n*nodeBytes {
		return nil, errBadSkeleton
	}
	status := models.PostDraft
	if b[2] == 'p' {
		status = models.PostPublished
	}
	nodes := make([]node, n)
	p := b[headerBytes:]
	for i := range nodes {
		nodes[i] = node{
			id:      int64(binary.BigEndian.Uint64(p[0:8])),
			parent:  int64(binary.BigEndian.Uint64(p[8:16])),
			status:  p[16],
			up:      int64(binary.BigEndian.Uint64(p[17:25])),
			down:    int64(binary.BigEndian.Uint64(p[25:33])),
			replies: int64(binary.BigEndian.Uint64(p[33:41])),
		}
		p = p[nodeBytes:]
	}
	return newSkeleton(b[1] == 1, status, int64(binary.BigEndian.Uint64(b[3:11])), nodes), nil
}

// Sorts of API.md.
const (
	SortNew     = "new"
	SortOld     = "old"
	SortTop     = "top"
	SortReplies = "replies"
	SortBest    = "best"
)

// wilsonZ is the z of an 80 % confidence level (reddit's "best").
const wilsonZ = 1.281551565545

// wilson is the lower bound of the Wilson score interval for the share of
// upvotes among up+down votes. Without upvotes it is exactly 0 (the formula
// gives 0 up to rounding, whose sign would order such comments at random
// instead of newest first).
func wilson(up, down int64) float64 {
	n := float64(up + down)
	if up <= 0 || n == 0 {
		return 0
	}
	p := float64(up) / n
	z2 := wilsonZ * wilsonZ
	return (p + z2/(2*n) - wilsonZ*math.Sqrt((p*(1-p)+z2/(4*n))/n)) / (1 + z2/n)
}

func ranked(sort string) bool { return sort == SortTop || sort == SortReplies || sort == SortBest }

// rankKey is what a ranked sort orders by, larger first.
func rankKey(sort string, n *node) float64 {
	switch sort {
	case SortTop:
		return float64(n.up - n.down)
	case SortReplies:
		return float64(n.replies)
	case SortBest:
		return wilson(n.up, n.down)
	}
	return 0
}

// before reports whether a comes before b in sort: new = newest first
// (larger id), old = oldest first, ranked sorts by key descending with ties
// newest first.
func before(sort string, a, b *node) bool {
	switch sort {
	case SortNew:
		return a.id > b.id
	case SortOld:
		return a.id < b.id
	}
	ka, kb := rankKey(sort, a), rankKey(sort, b)
	if ka != kb {
		return ka > kb
	}
	return a.id > b.id
}

// afterPosition reports whether n comes strictly after the position (key, id)
// of a ranked sort.
func afterPosition(sort string, n *node, key float64, id int64) bool {
	k := rankKey(sort, n)
	if k != key {
		return k < key
	}
	return n.id < id
}

// ordered returns the listed children of parent in sort order.
func (s *skeleton) ordered(parent int64, sort string) []int32 {
	kids := s.children[parent]
	out := make([]int32, len(kids))
	copy(out, kids)
	switch sort {
	case SortOld: // children are kept in ascending id already
	case SortNew:
		slices.Reverse(out)
	default:
		keys := make(map[int32]float64, len(out))
		for _, i := range out {
			keys[i] = rankKey(sort, &s.nodes[i])
		}
		slices.SortFunc(out, func(a, b int32) int {
			if c := cmp.Compare(keys[b], keys[a]); c != 0 {
				return c
			}
			return cmp.Compare(s.nodes[b].id, s.nodes[a].id)
		})
	}
	return out
}

// Caps inside the contract's limit and depth (PHASE2-NOTES F10): a node
// shows at most maxChildren replies and a response at most maxPerResponse
// comments; the rest is counted in more_replies and fetched through the
// replies route.
const (
	maxChildren    = 5
	maxPerResponse = 200
)

// laidOut is one comment of a response: its node, the replies included and
// how many of its listed direct replies are not.
type laidOut struct {
	idx     int32
	replies []*laidOut
	more    int64
}

// expand gives each of items its replies down to depth levels below them,
// breadth first so every item gets its first replies before anyone's
// deeper ones, within maxPerResponse comments in all. It returns every
// comment id placed.
func (s *skeleton) expand(items []*laidOut, sort string, depth int) []int64 {
	ids := make([]int64, 0, len(items))
	budget := maxPerResponse
	type queued struct {
		l     *laidOut
		level int
	}
	queue := make([]queued, 0, len(items))
	for _, it := range items {
		ids = append(ids, s.nodes[it.idx].id)
		budget--
		queue = append(queue, queued{it, 0})
	}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		id := s.nodes[q.l.idx].id
		total := int64(len(s.children[id]))
		q.l.replies = []*laidOut{}
		if q.level >= depth || total == 0 || budget <= 0 {
			q.l.more = total
			continue
		}
		kids := s.ordered(id, sort)
		n := min(len(kids), maxChildren, budget)
		for _, k := range kids[:n] {
			child := &laidOut{idx: k}
			q.l.replies = append(q.l.replies, child)
			ids = append(ids, s.nodes[k].id)
			queue = append(queue, queued{child, q.level + 1})
		}
		budget -= n
		q.l.more = total - int64(n)
	}
	return ids
}
