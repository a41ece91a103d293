package schema

// Roles for moderation (issue 16): member by default; moderator and admin
// may remove any comment. Set with `inkwell users set-role EMAIL ROLE`.
//
// Expand-only: the column arrives with a default every existing and new
// row takes, so code that does not know roles keeps working. Down drops it
// (SQLite ≥ 3.35 drops columns in place, as DropUserPoints does).
func init() {
	register(Migration{
		Name: "AddUserRoles_20261129_094000",
		Up: func(d Dialect) []string {
			return []string{`ALTER TABLE users ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'member'`}
		},
		Down: func(d Dialect) []string {
			return []string{`ALTER TABLE users DROP COLUMN role`}
		},
	})
}
