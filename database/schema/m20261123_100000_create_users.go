package schema

// Users of the Google sign-in design: one row per (issuer, issuer_id), created
// on a token's first valid request.
func init() {
	register(Migration{
		Name: "CreateUsers_20261123_100000",
		Up: func(d Dialect) []string {
			return []string{
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
				`CREATE UNIQUE INDEX ux_users_issuer_subject ON users (issuer, issuer_id)`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE users`}
		},
	})
}
