package schema

// Imported posts (issue 9) remember where they came from and what they said.
//
// (import_source, import_external_id) is the idempotency key of
// `inkwell import`: a unique index, so a re-run or a resumed run updates the
// row it wrote before instead of adding a second one. Posts written in the
// app leave all three NULL, which unique indexes allow any number of times.
// import_hash is the SHA-256 of the record as last imported; a batch reads
// the stored hashes first and skips unchanged records before rendering.
//
// ix_users_email lets a batch find, in one statement, the authors that
// already exist, including people who signed in with Google first.
func init() {
	register(Migration{
		Name: "AddPostImportKeys_20261123_130000",
		Up: func(d Dialect) []string {
			return []string{
				`ALTER TABLE posts ADD COLUMN import_source VARCHAR(255) NULL`,
				`ALTER TABLE posts ADD COLUMN import_external_id VARCHAR(255) NULL`,
				`ALTER TABLE posts ADD COLUMN import_hash CHAR(64) NULL`,
				`CREATE UNIQUE INDEX ux_posts_import_key ON posts (import_source, import_external_id)`,
				`CREATE INDEX ix_users_email ON users (email)`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{
				d.DropIndex("users", "ix_users_email"),
				d.DropIndex("posts", "ux_posts_import_key"),
				`ALTER TABLE posts DROP COLUMN import_hash`,
				`ALTER TABLE posts DROP COLUMN import_external_id`,
				`ALTER TABLE posts DROP COLUMN import_source`,
			}
		},
	})
}
