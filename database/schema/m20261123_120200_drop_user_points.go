package schema

// Contract step of the points → ledger move: nothing reads users.points any
// more (points are the ledger balance, /me reads the wallet), so the column
// goes.
//
// Down brings the column back in its old place, filled with each user's
// ledger balance, so the phase-1 code that reads it sees current points.
// SQLite cannot add a column anywhere but last, so there Down rebuilds the
// table. posts and accounts reference users; the deferred foreign-key check
// lets the old table go and counts its orphans, and copying the rows back
// into the new users table settles them before the commit checks.
func init() {
	register(Migration{
		Name: "DropUserPoints_20261123_120200",
		Up: func(d Dialect) []string {
			return []string{`ALTER TABLE users DROP COLUMN points`}
		},
		Down: func(d Dialect) []string {
			balance := `COALESCE((SELECT a.balance FROM accounts a WHERE a.user_id = users.id), 0)`
			if d == MySQL {
				return []string{
					`ALTER TABLE users ADD COLUMN points BIGINT NOT NULL DEFAULT 0 AFTER picture`,
					`UPDATE users SET points = ` + balance,
				}
			}
			return []string{
				`PRAGMA defer_foreign_keys = ON`,
				`CREATE TABLE users_without_points AS SELECT * FROM users`,
				`DROP TABLE users`,
				`CREATE TABLE users (
					id {{pk}},
					issuer VARCHAR(64) NOT NULL,
					issuer_id VARCHAR(255) NOT NULL,
					email VARCHAR(320) NOT NULL DEFAULT '',
					name VARCHAR(200) NOT NULL DEFAULT '',
					picture VARCHAR(2048) NOT NULL DEFAULT '',
					points BIGINT NOT NULL DEFAULT 0,
					created_at {{datetime}} NOT NULL,
					updated_at {{datetime}} NOT NULL
				){{table}}`,
				`INSERT INTO users (id, issuer, issuer_id, email, name, picture, points, created_at, updated_at)
					SELECT id, issuer, issuer_id, email, name, picture,
						COALESCE((SELECT a.balance FROM accounts a WHERE a.user_id = o.id), 0), created_at, updated_at
					FROM users_without_points o ORDER BY id`,
				`CREATE UNIQUE INDEX ux_users_issuer_subject ON users (issuer, issuer_id)`,
				`DROP TABLE users_without_points`,
			}
		},
	})
}
