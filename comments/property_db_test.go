package comments

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The whole stack on random trees: comments created, deleted and voted on
// through the Service, then every sort paged through the Service (skeleton
// query, cache, cursors) and compared with the reference sorter over the
// rows as stored.
func TestComments_ServicePagesMatchTheReferenceOnRandomTrees(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(2026, 1129))
		u := e.users(t, 4)
		for round := range 3 {
			post := e.post(t, u[0], "published")
			var live []int64
			for range 40 {
				switch op := rng.IntN(10); {
				case op < 6 || len(live) == 0:
					parent := int64(0)
					if len(live) > 0 && rng.IntN(2) == 0 {
						parent = live[rng.IntN(len(live))]
					}
					live = append(live, e.comment(t, post, u[rng.IntN(4)], parent, "c"))
				case op < 8:
					id := live[rng.IntN(len(live))]
					_, err := e.comments.Vote(ctx, id, u[rng.IntN(4)], VoteInput{Value: rng.IntN(3) - 1})
					require.NoError(t, err)
				default:
					i := rng.IntN(len(live))
					require.NoError(t, e.comments.Delete(ctx, live[i], u[0])) // the post's author removes
					live = append(live[:i], live[i+1:]...)
				}
			}
			ref := func() refTree {
				ref := refTree{nodes: map[int64]node{}}
				rows, err := e.db.SQL.Query("SELECT id, COALESCE(parent_id, 0), status, up_count, down_count, reply_count FROM comments WHERE post_id = ?", post)
				require.NoError(t, err)
				defer rows.Close()
				for rows.Next() {
					var n node
					var status string
					require.NoError(t, rows.Scan(&n.id, &n.parent, &status, &n.up, &n.down, &n.replies))
					n.status = statusByte(status)
					ref.nodes[n.id] = n
				}
				require.NoError(t, rows.Err())
				return ref
			}()

			for _, sort := range sortCodes {
				msg := fmt.Sprintf("round %d sort %s", round, sort)
				req := ListRequest{Sort: sort, Limit: 1 + rng.IntN(5), Depth: rng.IntN(3)}
				var seen []int64
				for pages := 0; ; pages++ {
					require.Less(t, pages, 100)
					p := e.list(t, post, u[1], req)
					for _, c := range p.Items {
						seen = append(seen, c.ID)
						checkServiceReplies(t, ref, c, sort, req.Depth, 0, msg)
					}
					if p.NextCursor == nil {
						break
					}
					req.Cursor = *p.NextCursor
				}
				require.Equal(t, ref.children(0, sort), nilIfEmpty(seen), msg)
			}
		}
	})
}

func checkServiceReplies(t *testing.T, ref refTree, c Comment, sort string, depth, level int, msg string) {
	want := ref.children(c.ID, sort)
	got := ids(c.Replies)
	require.Equal(t, nilIfEmpty(want[:len(got)]), nilIfEmpty(got), "%s: replies of %d", msg, c.ID)
	require.EqualValues(t, len(want)-len(got), c.MoreReplies, "%s: more_replies of %d", msg, c.ID)
	n := ref.nodes[c.ID]
	require.Equal(t, statusName(n.status), c.Status, msg)
	require.Equal(t, n.status == statusVisible, c.Author != nil && c.BodyMarkdown != nil, "%s: tombstones have no author or body", msg)
	if level >= depth {
		require.Empty(t, got, msg)
	}
	for _, r := range c.Replies {
		checkServiceReplies(t, ref, r, sort, depth, level+1, msg)
	}
}
