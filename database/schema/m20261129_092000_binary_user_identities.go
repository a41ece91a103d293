package schema

// A user's identity and e-mail compare byte for byte (issue 14, item 6).
//
// Under the users table's utf8mb4_unicode_ci, MySQL and MariaDB took
// "jose@…" and "josé@…", or "strasse@…" and "straße@…", for one value,
// while the importer (a Go map keyed by the lower-cased address) and SQLite
// (BINARY) took them for two. An import meeting both addresses had its
// second author user skipped by the unique (issuer, issuer_id) index, could
// not find it after "creating" it, failed the batch and stuck there on
// every re-run; and its Google-user lookup by e-mail matched people whose
// addresses merely collate alike. Compared as bytes on both databases, an
// address is one author exactly when the importer's lower-cased keys say
// so. issuer_id (a provider's subject, or an import user's lower-cased
// address) is opaque too. VARBINARY holds what the columns held in bytes
// (255 and 320 characters of up to 4 bytes) with no trailing-space padding.
// SQLite already compares these columns as bytes and needs no change.
//
// Down fails when values that collate alike were stored since (the unique
// index), or values longer than the old character limits.
func init() {
	register(Migration{
		Name: "BinaryUserIdentities_20261129_092000",
		Up: func(d Dialect) []string {
			if d != MySQL {
				return nil
			}
			return []string{
				`ALTER TABLE users MODIFY issuer_id VARBINARY(1020) NOT NULL, MODIFY email VARBINARY(1280) NOT NULL DEFAULT ''`,
			}
		},
		Down: func(d Dialect) []string {
			if d != MySQL {
				return nil
			}
			return []string{
				`ALTER TABLE users MODIFY issuer_id VARCHAR(255) NOT NULL, MODIFY email VARCHAR(320) NOT NULL DEFAULT ''`,
			}
		},
	})
}
