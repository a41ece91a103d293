package schema

// Idempotency keys compare byte for byte (issue 14, item 9): the
// Idempotency-Key of POST /api/v1/posts (post_create_keys) and a transfer's
// idempotency_key (transfers).
//
// As VARCHARs under the tables' utf8mb4_unicode_ci, MySQL and MariaDB took
// "Key-A" and "key-a" for the same key: a client's second, different create
// or transfer was answered as a replay of the first, while SQLite (BINARY)
// made both. Keys are opaque client strings (1-100 visible ASCII
// characters, validated), so VARBINARY is exact and, with no trailing
// spaces allowed, compares as the Go strings do. SQLite already compares
// these columns as bytes and needs no change.
//
// Down fails when keys that differ only in case were stored since (the
// unique indexes would be violated), leaving the columns as they are.
func init() {
	register(Migration{
		Name: "BinaryIdempotencyKeys_20261129_091000",
		Up: func(d Dialect) []string {
			if d != MySQL {
				return nil
			}
			return []string{
				`ALTER TABLE post_create_keys MODIFY idempotency_key VARBINARY(100) NOT NULL`,
				`ALTER TABLE transfers MODIFY idempotency_key VARBINARY(100) NULL`,
			}
		},
		Down: func(d Dialect) []string {
			if d != MySQL {
				return nil
			}
			return []string{
				`ALTER TABLE transfers MODIFY idempotency_key VARCHAR(100) NULL`,
				`ALTER TABLE post_create_keys MODIFY idempotency_key VARCHAR(100) NOT NULL`,
			}
		},
	})
}
