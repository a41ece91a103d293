package comments

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"inkwell/cache"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/models"
)

// seedLargePost stores n comments on one post in bulk, with the shape of
// the benchmark: mostly top-level, a few deep threads.
func seedLargePost(tb testing.TB, db *database.DB, post, author int64, n int) {
	rng := rand.New(rand.NewPCG(10, 10000))
	type row struct{ parent, depth int64 }
	rows := make([]row, 0, n)
	for i := range n {
		r := row{}
		if i > 0 && rng.IntN(10) < 4 {
			p := rng.IntN(i)
			if rows[p].depth < MaxCommentDepth {
				r = row{parent: int64(p + 1), depth: rows[p].depth + 1}
			}
		}
		rows = append(rows, r)
	}
	for start := 0; start < n; start += 500 {
		var sb strings.Builder
		args := []any{}
		sb.WriteString("INSERT INTO comments (id, post_id, parent_id, path, depth, author_id, body_markdown, body_html, status, up_count, down_count, reply_count, created_at) VALUES ")
		for i := start; i < min(start+500, n); i++ {
			if i > start {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, '', ?, ?, 'body', '<p>body</p>', 'visible', ?, ?, 0, '2026-11-29 09:00:00')")
			var parent any
			if rows[i].parent != 0 {
				parent = rows[i].parent
			}
			args = append(args, i+1, post, parent, rows[i].depth, author, rng.IntN(50), rng.IntN(10))
		}
		_, err := db.SQL.Exec(sb.String(), args...)
		require.NoError(tb, err)
	}
}

// BenchmarkCommentTreeOfPost_10k times the cold skeleton load (the one
// statement plus building the tree in Go) of a 10,000-comment post.
//
//	go test ./comments/ -run '^$' -bench CommentTreeOfPost -benchtime 50x
func BenchmarkCommentTreeOfPost_10k(b *testing.B) {
	for _, driver := range dbtest.Drivers(b) {
		b.Run(driver, func(b *testing.B) {
			ctx := context.Background()
			db := dbtest.Open(b, driver, true)
			e := newEnvOn(b, db, cache.NewMemory(1<<20))
			author := e.user(b, "author")
			post := e.post(b, author, "published")
			seedLargePost(b, db, post, author, 10_000)
			b.ResetTimer()
			for range b.N {
				tree, err := models.CommentTreeOfPost(ctx, e.o, post)
				if err != nil || len(tree.IDs) != 10_000 {
					b.Fatal(err, len(tree.IDs))
				}
				_ = skeletonFromTree(tree)
			}
		})
	}
}

func TestSkeletonQuery_UsesTheCoveringIndexOnMariaDB(t *testing.T) {
	if !dbtest.MySQLConfigured() && !dbtest.Required() {
		t.Skip("MariaDB only")
	}
	db := dbtest.Open(t, "mysql", true)
	rows, err := db.SQL.Query("EXPLAIN SELECT 1, id, COALESCE(parent_id, 0), status, up_count, down_count, reply_count FROM comments WHERE post_id = ?", 1)
	require.NoError(t, err)
	defer rows.Close()
	cols, _ := rows.Columns()
	require.True(t, rows.Next())
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	require.NoError(t, rows.Scan(ptrs...))
	got := map[string]string{}
	for i, c := range cols {
		got[c] = fmt.Sprintf("%s", vals[i])
	}
	require.Equal(t, "ix_comments_tree", got["key"], "%v", got)
	require.Contains(t, got["Extra"], "Using index", "%v", got)
}

// BenchmarkListJSON_Warm times a cached page (sort=best, limit 50, depth 3)
// of a 10,000-comment post for a signed-in reader, in-process cache: the
// cost Inkwell adds per request before any HTTP work.
//
//	go test ./comments/ -run '^$' -bench ListJSON -benchtime 2000x
func BenchmarkListJSON_Warm(b *testing.B) {
	ctx := context.Background()
	db := dbtest.Open(b, "sqlite", true)
	e := newEnvOn(b, db, cache.NewMemory(64<<20))
	author := e.user(b, "author")
	reader := e.user(b, "reader")
	post := e.post(b, author, "published")
	seedLargePost(b, db, post, author, 10_000)
	req := ListRequest{Sort: SortBest, Limit: 50, Depth: 3}
	page, err := e.comments.List(ctx, post, reader, req)
	require.NoError(b, err)
	_, err = e.comments.Vote(ctx, page.Items[0].ID, reader, VoteInput{Value: 1})
	require.NoError(b, err)
	body, err := e.comments.ListJSON(ctx, post, reader, req)
	require.NoError(b, err)
	b.ReportMetric(float64(len(body)), "bytes/page")
	b.ResetTimer()
	for range b.N {
		if _, err := e.comments.ListJSON(ctx, post, reader, req); err != nil {
			b.Fatal(err)
		}
	}
}
