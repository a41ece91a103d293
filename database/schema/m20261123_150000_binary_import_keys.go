package schema

// The import's keys compare byte for byte: an import source with
// posts.import_source and import_runs.source, a record with
// posts.import_external_id.
//
// As VARCHARs under the tables' utf8mb4_unicode_ci, MySQL took "Post-1" and
// "post-1", or "a" and "a " (PAD SPACE), for the same key: the second
// record overwrote the first one's post and the import then could not find
// the row it had just written; two sources differing in case shared a run
// and its checkpoints. Exports' identifiers and S3 keys are opaque,
// case-sensitive strings. VARBINARY compares bytes with no padding on MySQL
// and MariaDB alike (a _bin collation still pads), and makes the import's
// lookups of 1,000 keys at a time cheaper. 1020 bytes hold the 255
// characters a source name may have. SQLite already compares these columns
// as bytes (BINARY), so it needs no change.
//
// Down fails when keys that differ only in case or trailing spaces, or a
// source longer than 255 bytes, were imported since.
func init() {
	register(Migration{
		Name: "BinaryImportKeys_20261123_150000",
		Up: func(d Dialect) []string {
			if d != MySQL {
				return nil
			}
			return []string{
				`ALTER TABLE posts MODIFY import_source VARBINARY(1020) NULL, MODIFY import_external_id VARBINARY(255) NULL`,
				`ALTER TABLE import_runs MODIFY source VARBINARY(1020) NOT NULL`,
			}
		},
		Down: func(d Dialect) []string {
			if d != MySQL {
				return nil
			}
			return []string{
				`ALTER TABLE import_runs MODIFY source VARCHAR(255) NOT NULL`,
				`ALTER TABLE posts MODIFY import_source VARCHAR(255) NULL, MODIFY import_external_id VARCHAR(255) NULL`,
			}
		},
	})
}
