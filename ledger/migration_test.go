package ledger_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
)

// upTo applies migrations one by one through name.
func upTo(t *testing.T, r *schema.Runner, name string) {
	t.Helper()
	for {
		applied, err := r.UpOne(context.Background())
		require.NoError(t, err)
		require.NotEmpty(t, applied, "%s never came", name)
		if applied == name {
			return
		}
	}
}

func userPoints(t *testing.T, db *database.DB) map[string]int64 {
	t.Helper()
	rows, err := db.SQL.Query("SELECT issuer_id, points FROM users")
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var p int64
		require.NoError(t, rows.Scan(&id, &p))
		out[id] = p
	}
	return out
}

func walletBalances(t *testing.T, db *database.DB) map[string]int64 {
	t.Helper()
	rows, err := db.SQL.Query("SELECT u.issuer_id, a.balance FROM users u JOIN accounts a ON a.user_id = u.id")
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var b int64
		require.NoError(t, rows.Scan(&id, &b))
		out[id] = b
	}
	return out
}

// Expand → migrate → contract with phase-1 data in place, and back down.
func TestPointsMigration_OpeningBalancesThenDropTheColumnAndBack(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, driver, false)
			r := &schema.Runner{DB: db.SQL, Dialect: db.Dialect}
			upTo(t, r, "CreateLedger_20261123_120000")

			// Phase-1 data: points on users, a post referencing its author.
			now := time.Now().UTC().Format("2006-01-02 15:04:05")
			phase1 := map[string]int64{"ann": 21, "ben": 0, "cat": 7}
			for _, id := range []string{"ann", "ben", "cat"} {
				_, err := db.SQL.Exec("INSERT INTO users (issuer, issuer_id, name, points, created_at, updated_at) VALUES ('t', ?, ?, ?, ?, ?)",
					id, id, phase1[id], now, now)
				require.NoError(t, err)
			}
			_, err := db.SQL.Exec(`INSERT INTO posts (author_id, title, slug, body_markdown, body_html, status, created_at, updated_at)
				SELECT id, 'T', 't', '', '', 'draft', ?, ? FROM users WHERE issuer_id = 'ann'`, now, now)
			require.NoError(t, err)

			upTo(t, r, "MintOpeningBalances_20261123_120100")
			assert.Equal(t, phase1, walletBalances(t, db), "every user has a wallet holding their points")
			requireBooksBalance(t, db)
			var openings int
			require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*) FROM transfers WHERE kind = 'opening'").Scan(&openings))
			assert.Equal(t, 2, openings, "no transfer for zero points")

			// Ann spends 5 on the ledger, then the column goes.
			_, err = db.SQL.Exec(`UPDATE accounts SET balance = balance - 5 WHERE user_id = (SELECT id FROM users WHERE issuer_id = 'ann')`)
			require.NoError(t, err)
			_, err = db.SQL.Exec(`UPDATE accounts SET balance = balance + 5 WHERE user_id = (SELECT id FROM users WHERE issuer_id = 'ben')`)
			require.NoError(t, err)
			upTo(t, r, "DropUserPoints_20261123_120200")
			_, err = db.SQL.Exec("SELECT points FROM users")
			require.Error(t, err, "users.points is gone")

			// Down restores the column from the ledger, with the post (and
			// its foreign key to users) intact.
			name, err := r.Down(ctx)
			require.NoError(t, err)
			require.Equal(t, "DropUserPoints_20261123_120200", name)
			assert.Equal(t, map[string]int64{"ann": 16, "ben": 5, "cat": 7}, userPoints(t, db))
			var posts int
			require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*) FROM posts p JOIN users u ON u.id = p.author_id WHERE u.issuer_id = 'ann'").Scan(&posts))
			assert.Equal(t, 1, posts)

			// Ann has spent part of her opening points: taking them back is refused, changing nothing.
			_, err = r.Down(ctx)
			require.Error(t, err)
			assert.Equal(t, map[string]int64{"ann": 16, "ben": 5, "cat": 7}, walletBalances(t, db))
			// Once she has them again, Down takes exactly the opening points back.
			_, err = db.SQL.Exec(`UPDATE accounts SET balance = balance + 5 WHERE user_id = (SELECT id FROM users WHERE issuer_id = 'ann')`)
			require.NoError(t, err)
			_, err = db.SQL.Exec(`UPDATE accounts SET balance = balance - 5 WHERE user_id = (SELECT id FROM users WHERE issuer_id = 'ben')`)
			require.NoError(t, err)
			name, err = r.Down(ctx)
			require.NoError(t, err)
			require.Equal(t, "MintOpeningBalances_20261123_120100", name)
			assert.Equal(t, map[string]int64{"ann": 0, "ben": 0, "cat": 0}, walletBalances(t, db))
			requireBooksBalance(t, db)
		})
	}
}
