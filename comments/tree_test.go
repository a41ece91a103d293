package comments

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWilson_MatchesTheReferenceValues(t *testing.T) {
	for _, c := range []struct {
		up, down int64
		want     float64
	}{{1, 0, 0.378448}, {2, 0, 0.549092}, {10, 1, 0.739495}, {100, 50, 0.615769}, {40, 0, 0.960560}, {0, 0, 0}} {
		assert.InDelta(t, c.want, wilson(c.up, c.down), 5e-7, "(%d,%d)", c.up, c.down)
	}
	// ties: newest first
	a, b := &node{id: 1, up: 3}, &node{id: 2, up: 3}
	for _, s := range []string{SortTop, SortBest, SortReplies} {
		assert.True(t, before(s, b, a), s)
	}
}

// refTree is the reference: plain maps and a full sort, no cleverness.
type refTree struct {
	nodes map[int64]node
}

func (r refTree) listed(id int64) bool {
	n := r.nodes[id]
	if n.status == statusVisible {
		return true
	}
	for _, c := range r.nodes {
		if c.parent == id && r.listed(c.id) {
			return true
		}
	}
	return false
}

func (r refTree) key(s string, n node) float64 {
	switch s {
	case SortTop:
		return float64(n.up) - float64(n.down)
	case SortReplies:
		return float64(n.replies)
	case SortBest:
		if n.up == 0 { // no upvotes: a lower bound of exactly 0
			return 0
		}
		nn := float64(n.up + n.down)
		p := float64(n.up) / nn
		z := 1.281551565545
		return (p + z*z/(2*nn) - z*math.Sqrt((p*(1-p)+z*z/(4*nn))/nn)) / (1 + z*z/nn)
	}
	return 0
}

func (r refTree) children(parent int64, s string) []int64 {
	var out []int64
	for _, n := range r.nodes {
		if n.parent == parent && r.listed(n.id) {
			out = append(out, n.id)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := r.nodes[out[i]], r.nodes[out[j]]
		switch s {
		case SortNew:
			return a.id > b.id
		case SortOld:
			return a.id < b.id
		}
		if ka, kb := r.key(s, a), r.key(s, b); ka != kb {
			return ka > kb
		}
		return a.id > b.id
	})
	return out
}

func randomTree(rng *rand.Rand) []node {
	n := rng.IntN(120)
	nodes := make([]node, 0, n)
	for i := range n {
		id := int64(i*3 + 1 + rng.IntN(3)) // gaps, ascending
		parent := int64(0)
		if i > 0 && rng.IntN(3) > 0 {
			parent = nodes[rng.IntN(len(nodes))].id
		}
		st := statusVisible
		switch rng.IntN(6) {
		case 0:
			st = statusDeleted
		case 1:
			st = statusRemoved
		}
		nodes = append(nodes, node{id: id, parent: parent, status: st,
			up: int64(rng.IntN(6)), down: int64(rng.IntN(4)), replies: int64(rng.IntN(5))})
	}
	return nodes
}

// Random trees, every sort, limit and depth: paging through the top level
// meets each listed comment once in the reference order, and each comment
// shown carries a prefix of its reference replies with the rest counted.
func TestTree_PagesMatchTheReferenceSorterOnRandomTrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2026))
	for round := range 400 {
		nodes := randomTree(rng)
		ref := refTree{nodes: map[int64]node{}}
		for _, n := range nodes {
			ref.nodes[n.id] = n
		}
		sk := newSkeleton(true, "published", 1, slices.Clone(nodes))
		for id := range ref.nodes {
			require.Equal(t, ref.listed(id), sk.isListed(id), "round %d: listed(%d)", round, id)
		}
		for _, s := range sortCodes {
			limit, depth := 1+rng.IntN(12), rng.IntN(4)
			snaps := map[uint64][]int64{}
			var seen []int64
			var c *cursor
			for pages := 0; ; pages++ {
				require.Less(t, pages, 200, "paging must end")
				var snap []int64
				if c != nil {
					snap = snaps[c.snap]
				}
				sel := sk.selectPage(7, 0, s, limit, c, snap)
				if sel.newSnap != nil {
					snaps[sel.next.snap] = sel.newSnap
				}
				items := make([]*laidOut, len(sel.items))
				for i, k := range sel.items {
					items[i] = &laidOut{idx: k}
					seen = append(seen, sk.nodes[k].id)
				}
				placed := sk.expand(items, s, depth)
				assert.LessOrEqual(t, len(placed), maxPerResponse)
				for _, it := range items {
					checkReplies(t, sk, ref, it, s, depth, 0, fmt.Sprintf("round %d sort %s", round, s))
				}
				if sel.next == nil {
					break
				}
				require.NotEmpty(t, sel.items)
				// the cursor survives its encoding
				dc, err := decodeCursor(sel.next.encode(), s, 7, 0)
				require.NoError(t, err)
				c = dc
			}
			assert.Equal(t, ref.children(0, s), nilIfEmpty(seen), "round %d sort %s limit %d", round, s, limit)
		}
	}
}

func nilIfEmpty(s []int64) []int64 {
	if len(s) == 0 {
		return nil
	}
	return s
}

func checkReplies(t *testing.T, sk *skeleton, ref refTree, l *laidOut, s string, depth, level int, msg string) {
	id := sk.nodes[l.idx].id
	want := ref.children(id, s)
	got := make([]int64, len(l.replies))
	for i, r := range l.replies {
		got[i] = sk.nodes[r.idx].id
	}
	require.LessOrEqual(t, len(got), maxChildren, msg)
	require.Equal(t, nilIfEmpty(want[:len(got)]), nilIfEmpty(got), "%s: replies of %d are a prefix of the reference order", msg, id)
	require.EqualValues(t, len(want)-len(got), l.more, "%s: more_replies of %d", msg, id)
	if level >= depth {
		require.Empty(t, got, "%s: nothing below the depth limit", msg)
	} else if len(want) > 0 && len(got) == 0 {
		// only the response cap may leave a node without replies
		require.Fail(t, "replies missing", "%s: %d has %d replies and none shown at level %d", msg, id, len(want), level)
	}
	for _, r := range l.replies {
		checkReplies(t, sk, ref, r, s, depth, level+1, msg)
	}
}

func TestSkeleton_EncodingRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sk := newSkeleton(true, "published", 42, randomTree(rng))
	got, err := decodeSkeleton(sk.encode())
	require.NoError(t, err)
	assert.Equal(t, sk, got)
	_, err = decodeSkeleton(sk.encode()[:20])
	assert.Error(t, err)
}
