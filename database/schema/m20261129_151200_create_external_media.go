package schema

// Media backup (issue 18, F12): one row per external image or video an
// author's posts show, and which posts show it.
//
//   - ux_external_media_owner_url is per owner, not global as the notes
//     sketch it: the copy goes into the author's own library (media_items
//     are deduplicated per owner), so two authors showing one URL get one
//     copy each. url_sha256 is the hex SHA-256 of the URL as discovered,
//     as media_items.sha256 is hex: identical on both databases.
//   - status pending|ok|failed|skipped. pending rows are due at
//     next_attempt_at (backoff 1m, 10m, 1h, 6h, 24h, then failed);
//     skipped ones are refused destinations, never fetched.
//   - lease_until/leased_by make a claim: a worker sets them with a
//     conditional UPDATE before fetching, so two workers never fetch one
//     row at once and a killed worker's rows return when the lease ends.
//   - media_item_id has no foreign key: the author may delete the copy
//     from their library; the row then counts as not copied.
//   - ix_external_media_due serves the worker's "what is due" scan.
func init() {
	register(Migration{
		Name: "CreateExternalMedia_20261129_151200",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE external_media (
					id {{pk}},
					owner_id BIGINT NOT NULL,
					url_sha256 CHAR(64) NOT NULL,
					url {{text}} NOT NULL,
					status VARCHAR(16) NOT NULL,
					media_item_id BIGINT NULL,
					attempts INTEGER NOT NULL DEFAULT 0,
					next_attempt_at {{datetime}} NOT NULL,
					lease_until {{datetime}} NULL,
					leased_by VARCHAR(64) NULL,
					last_status INTEGER NULL,
					last_error VARCHAR(300) NULL,
					fetched_at {{datetime}} NULL,
					created_at {{datetime}} NOT NULL,
					CONSTRAINT fk_external_media_owner FOREIGN KEY (owner_id) REFERENCES users (id)
				){{table}}`,
				`CREATE UNIQUE INDEX ux_external_media_owner_url ON external_media (owner_id, url_sha256)`,
				`CREATE INDEX ix_external_media_due ON external_media (status, next_attempt_at)`,
				`CREATE TABLE post_external_media (
					post_id BIGINT NOT NULL,
					external_media_id BIGINT NOT NULL,
					PRIMARY KEY (post_id, external_media_id),
					CONSTRAINT fk_post_external_media_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
					CONSTRAINT fk_post_external_media_media FOREIGN KEY (external_media_id) REFERENCES external_media (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE INDEX ix_post_external_media_media ON post_external_media (external_media_id)`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE post_external_media`, `DROP TABLE external_media`}
		},
	})
}
