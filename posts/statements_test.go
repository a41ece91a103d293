package posts

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

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
)

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
	return c.Prepare(q) // the embedded driver.Conn's
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
// plus a handle on it whose statements are counted into n.
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

func TestFeed_StatementsPerPageDoNotGrowWithPageSize(t *testing.T) {
	for _, driverName := range dbtest.Drivers(t) {
		t.Run(driverName, func(t *testing.T) {
			ctx := context.Background()
			db, counted, n := countingDB(t, driverName)
			s, countedS := newTestService(db), newTestService(counted)
			users := newUsers(t, db.Orm(), 5)
			for i := range 60 {
				p, err := s.Create(ctx, users[i%5], CreateInput{Title: fmt.Sprint(i), Status: "published",
					Tags: []string{"all", fmt.Sprintf("t%d", i%3)}})
				require.NoError(t, err)
				if i%2 == 0 {
					_, err = s.Like(ctx, p.ID, users[0])
					require.NoError(t, err)
				}
			}
			statements := func(req FeedRequest) int64 {
				n.Store(0)
				page, err := countedS.Feed(ctx, users[0], req)
				require.NoError(t, err)
				require.Len(t, page.Items, req.Limit)
				liked := 0
				for _, p := range page.Items {
					require.Len(t, p.Tags, 2)
					require.NotEmpty(t, p.Author.Name)
					if p.LikedByMe {
						liked++
					}
				}
				require.Positive(t, liked)
				return n.Load()
			}
			for _, filter := range []FeedRequest{{}, {Tag: "all"}, {AuthorID: users[1]}, {Tag: "all", AuthorID: users[1]}} {
				small, large := filter, filter
				small.Limit, large.Limit = 2, 12
				if filter.AuthorID == 0 {
					large.Limit = 50
				}
				s, l := statements(small), statements(large)
				assert.Equal(t, s, l, "statements for %d vs %d posts (filter %+v)", small.Limit, large.Limit, filter)
				assert.EqualValues(t, 3, l, "page, tags, liked_by_me (filter %+v)", filter)
			}
		})
	}
}
