package comments

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// new/old: comments added and deleted between pages never make a page
// repeat or skip one that was there all along.
func TestComments_KeysetPagesSurviveInsertsAndDeletesBetweenPages(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 2)
		post := e.post(t, u[0], "published")
		var all []int64
		for range 12 {
			all = append(all, e.comment(t, post, u[1], 0, "c"))
		}
		for _, sort := range []string{SortNew, SortOld} {
			req := ListRequest{Sort: sort, Limit: 4, Depth: 0}
			p1 := e.list(t, post, u[0], req)
			require.Len(t, p1.Items, 4)
			require.NotNil(t, p1.NextCursor)
			// between pages: a new comment, and the first comment of what
			// would be page 2 and one already shown are deleted
			e.comment(t, post, u[1], 0, "late")
			p2first := all[4]
			if sort == SortNew {
				p2first = all[len(all)-5]
			}
			require.NoError(t, e.comments.Delete(ctx, p2first, u[1]))
			require.NoError(t, e.comments.Delete(ctx, p1.Items[0].ID, u[1]))

			var seen []int64
			seen = append(seen, ids(p1.Items)...)
			req.Cursor = *p1.NextCursor
			for {
				p := e.list(t, post, u[0], req)
				seen = append(seen, ids(p.Items)...)
				if p.NextCursor == nil {
					break
				}
				req.Cursor = *p.NextCursor
			}
			var want []int64
			for _, id := range all {
				if id != p2first {
					want = append(want, id)
				}
			}
			if sort == SortNew {
				want = nil
				for i := len(all) - 1; i >= 0; i-- {
					if all[i] != p2first {
						want = append(want, all[i])
					}
				}
			}
			if sort == SortOld {
				// the late comment comes last in oldest-first order
				late := seen[len(seen)-1]
				assert.Greater(t, late, all[len(all)-1])
				seen = seen[:len(seen)-1]
			}
			assert.Equal(t, want, seen, sort)
			// restore a clean slate for the next sort
			all = nil
			post = e.post(t, u[0], "published")
			for range 12 {
				all = append(all, e.comment(t, post, u[1], 0, "c"))
			}
		}
	})
}

// Ranked sorts page through the ranking frozen at the first page, whatever
// votes change meanwhile; once that ranking is gone from the cache, paging
// continues after the cursor's (key, id) in the current ranking.
func TestComments_RankedPagesAreExactWhileTheirRankingIsCached(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 8)
		post := e.post(t, u[0], "published")
		var cs []int64
		for i := range 9 {
			id := e.comment(t, post, u[0], 0, "c")
			cs = append(cs, id)
			for v := 0; v < i%4; v++ { // scores 0,1,2,3,0,1,2,3,0
				_, err := e.comments.Vote(ctx, id, u[1+v], VoteInput{Value: 1})
				require.NoError(t, err)
			}
		}
		req := ListRequest{Sort: SortTop, Limit: 3, Depth: 0}
		p1 := e.list(t, post, u[0], req)
		require.NotNil(t, p1.NextCursor)
		// the ranking: score desc, ties newest first
		want := []int64{cs[7], cs[3], cs[6], cs[2], cs[5], cs[1], cs[8], cs[4], cs[0]}
		assert.Equal(t, want[:3], ids(p1.Items))

		// votes move the last comments to the top: the frozen ranking holds
		for _, id := range []int64{cs[0], cs[4]} {
			for v := 1; v < 8; v++ {
				_, err := e.comments.Vote(ctx, id, u[v], VoteInput{Value: 1})
				require.NoError(t, err)
			}
		}
		req.Cursor = *p1.NextCursor
		p2 := e.list(t, post, u[0], req)
		assert.Equal(t, want[3:6], ids(p2.Items))
		req.Cursor = *p2.NextCursor
		p3 := e.list(t, post, u[0], req)
		assert.Equal(t, want[6:9], ids(p3.Items))
		assert.Nil(t, p3.NextCursor)

		// the ranking expires: page 2's cursor continues after its last
		// comment's (score 2, id) in the current ranking, where cs[0] and
		// cs[4] (now 7 points) sit at the top, before the cursor
		c, err := decodeCursor(*p1.NextCursor, SortTop, post, 0)
		require.NoError(t, err)
		require.NoError(t, e.comments.cache.c.Delete(ctx, snapshotKey(post, c.snap)))
		// (pages live shorter than rankings: they are gone as well)
		require.NoError(t, e.comments.InvalidatePost(ctx, post))
		req.Cursor = *p1.NextCursor
		again := e.list(t, post, u[0], req)
		assert.Equal(t, want[3:6], ids(again.Items))
		req.Cursor = *again.NextCursor
		rest := e.list(t, post, u[0], req)
		assert.Equal(t, []int64{cs[8]}, ids(rest.Items), "cs[0] and cs[4] moved above the cursor")

		// a cursor is bound to its listing
		_, err = e.comments.List(ctx, post, u[0], ListRequest{Sort: SortBest, Limit: 3, Cursor: *p1.NextCursor})
		requireCode(t, err, "bad_request")
		other := e.post(t, u[0], "published")
		_, err = e.comments.List(ctx, other, u[0], ListRequest{Sort: SortTop, Limit: 3, Cursor: *p1.NextCursor})
		requireCode(t, err, "bad_request")
	})
}
