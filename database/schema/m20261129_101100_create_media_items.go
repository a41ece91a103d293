package schema

// The media library's index (issue 17). The objects live in STORAGE_URL;
// this table is the only place that says whose they are, in which folder,
// under which name. Moving or renaming an item changes its row, never its
// objects.
//
//   - storage_key (and thumb_key, post_key) are content-addressed and
//     immutable: u/{owner}/{sha[:2]}/{sha}.{ext}, where sha is the SHA-256 of
//     the uploaded bytes. A delete removes the objects only when no other
//     row names the same key, hence ix_media_items_key.
//   - ux_media_items_owner_sha dedups per owner: the same bytes uploaded
//     twice by one user are one item. Dedup across users would reveal who
//     else holds a file.
//   - folder is empty for the root, else up to 5 '/'-separated segments of
//     [a-z0-9_-]{1,64}: at most 324 characters.
//   - ix_media_items_folder (owner_id, folder, id) serves a folder's page
//     (keyset on id, newest first) and the list of folders.
//   - sha256 is hex text rather than BINARY(32): identical on both
//     databases and compared as text.
func init() {
	register(Migration{
		Name: "CreateMediaItems_20261129_101100",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE media_items (
					id {{pk}},
					owner_id BIGINT NOT NULL,
					folder VARCHAR(330) NOT NULL,
					name VARCHAR(200) NOT NULL,
					sha256 CHAR(64) NOT NULL,
					storage_key VARCHAR(200) NOT NULL,
					thumb_key VARCHAR(200) NULL,
					post_key VARCHAR(200) NULL,
					content_type VARCHAR(32) NOT NULL,
					bytes BIGINT NOT NULL,
					width INTEGER NULL,
					height INTEGER NULL,
					source VARCHAR(16) NOT NULL,
					created_at {{datetime}} NOT NULL,
					CONSTRAINT fk_media_items_owner FOREIGN KEY (owner_id) REFERENCES users (id)
				){{table}}`,
				`CREATE UNIQUE INDEX ux_media_items_owner_sha ON media_items (owner_id, sha256)`,
				`CREATE INDEX ix_media_items_folder ON media_items (owner_id, folder, id)`,
				`CREATE INDEX ix_media_items_key ON media_items (storage_key)`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE media_items`}
		},
	})
}
