package comments

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/cache"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
	"inkwell/posts"
)

// The counting connector is the one of posts/statements_test.go.

// countingConnector hands database/sql connections that count the
// statements they send to the server: one per query or exec run directly,
// one per prepare when the driver prepares first (go-sql-driver with args).
type countingConnector struct {
	drv driver.Driver
	dsn string
	n   *atomic.Int64
}

func (c *countingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, n: c.n}, nil
}

func (c *countingConnector) Driver() driver.Driver { return c.drv }

type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := qc.QueryContext(ctx, q, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.n.Add(1)
	}
	return rows, err
}

func (c *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	ec, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := ec.ExecContext(ctx, q, args)
	if !errors.Is(err, driver.ErrSkip) {
		c.n.Add(1)
	}
	return res, err
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.n.Add(1)
	if pc, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return pc.PrepareContext(ctx, q)
	}
	return c.Prepare(q)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if bc, ok := c.Conn.(driver.ConnBeginTx); ok {
		return bc.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // fallback for drivers without BeginTx
}

func (c *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if nc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if rs, ok := c.Conn.(driver.SessionResetter); ok {
		return rs.ResetSession(ctx)
	}
	return nil
}

// countingDB opens a fresh migrated database of driverName and returns it
// plus a handle on the same database whose statements are counted into n.
func countingDB(t *testing.T, driverName string) (*database.DB, *database.DB, *atomic.Int64) {
	cfg := dbtest.Config(t, driverName)
	db, err := database.Open(context.Background(), cfg, "count_plain_"+t.Name())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = (&schema.Runner{DB: db.SQL, Dialect: db.Dialect}).Up(context.Background())
	require.NoError(t, err)

	dsn := database.SQLiteDSN(cfg.SQLitePath)
	if driverName == "mysql" {
		dsn = database.MySQLDSN(cfg.MySQL)
	}
	n := new(atomic.Int64)
	counted := sql.OpenDB(&countingConnector{drv: db.SQL.Driver(), dsn: dsn, n: n})
	t.Cleanup(func() { counted.Close() })
	alias := "count_" + t.Name()
	require.NoError(t, orm.AddAliasWthDB(alias, driverName, counted))
	return db, &database.DB{SQL: counted, Dialect: db.Dialect, Alias: alias}, n
}

// A cold page (nothing cached) costs three statements however many
// comments the post has and however deep the page goes: the skeleton, the
// bodies, the viewer's votes and likes. A warm page costs none.
func TestComments_StatementsPerPageDoNotGrowWithDepthOrSize(t *testing.T) {
	for _, driverName := range dbtest.Drivers(t) {
		t.Run(driverName, func(t *testing.T) {
			ctx := context.Background()
			db, countedDB, n := countingDB(t, driverName)
			mem := cache.NewMemory(64 << 20)
			ps := posts.NewService(db, mem, quietLog())
			e := &env{db: db, o: db.Orm(), posts: ps, comments: NewService(db, mem, ps, quietLog())}
			// the same rules and cache on the counting handle: its reads are counted
			counted := NewService(countedDB, mem, ps, quietLog())
			u := e.users(t, 3)
			small, large := e.post(t, u[0], "published"), e.post(t, u[0], "published")
			// small: 2 comments, a reply; large: 200 comments, 20 threads
			// each a chain 8 deep plus 2 replies at each level's head.
			top := e.comment(t, small, u[1], 0, "top")
			e.comment(t, small, u[2], top, "reply")
			made := 0
			for th := 0; made < 200; th++ {
				parent := e.comment(t, large, u[th%3], 0, fmt.Sprint("thread ", th))
				made++
				for d := 1; d <= 8 && made < 200; d++ {
					parent = e.comment(t, large, u[d%3], parent, fmt.Sprint("depth ", d))
					made++
				}
			}
			// some votes and likes by the viewer
			for _, id := range []int64{top} {
				_, err := e.comments.Vote(ctx, id, u[0], VoteInput{Value: 1})
				require.NoError(t, err)
				_, err = e.comments.Like(ctx, id, u[0])
				require.NoError(t, err)
			}
			cold := func(post int64, depth int, sort string) (int64, int) {
				require.NoError(t, e.comments.InvalidatePost(ctx, post))
				n.Store(0)
				page, err := counted.List(ctx, post, u[0], ListRequest{Sort: sort, Limit: 100, Depth: depth})
				require.NoError(t, err)
				shown := countShown(page.Items)
				return n.Load(), shown
			}
			for _, sort := range []string{SortNew, SortBest} {
				s1, shownS1 := cold(small, 1, sort)
				l1, shownL1 := cold(large, 1, sort)
				l8, shownL8 := cold(large, 8, sort)
				assert.Equal(t, 2, shownS1)
				assert.Greater(t, shownL1, 20)
				assert.Greater(t, shownL8, shownL1, "depth 8 shows more comments")
				assert.EqualValues(t, 3, s1, "2 comments, depth 1 (%s)", sort)
				assert.EqualValues(t, 3, l1, "200 comments, depth 1 (%s)", sort)
				assert.EqualValues(t, 3, l8, "200 comments, depth 8 (%s)", sort)

				n.Store(0)
				_, err := counted.List(ctx, large, u[0], ListRequest{Sort: sort, Limit: 100, Depth: 8})
				require.NoError(t, err)
				assert.Zero(t, n.Load(), "a warm page reads no database")
			}
			// anonymous readers need no votes: two statements
			require.NoError(t, e.comments.InvalidatePost(ctx, large))
			n.Store(0)
			_, err := counted.List(ctx, large, 0, ListRequest{Sort: SortTop, Limit: 50, Depth: 8})
			require.NoError(t, err)
			assert.EqualValues(t, 2, n.Load())
		})
	}
}

func countShown(cs []Comment) int {
	n := len(cs)
	for _, c := range cs {
		n += countShown(c.Replies)
	}
	return n
}
