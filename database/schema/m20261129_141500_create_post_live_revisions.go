package schema

// The live co-editing revision a post's body_markdown was last saved at.
// A live session starts from body_markdown at this revision when Redis holds
// none (never opened, expired, or no Redis); saves from several replicas
// only ever raise it, so a late save of an older revision changes nothing.
// Posts never edited live have no row (revision 0).
func init() {
	register(Migration{
		Name: "CreatePostLiveRevisions_20261129_141500",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE post_live_revisions (
					post_id BIGINT NOT NULL PRIMARY KEY,
					rev BIGINT NOT NULL,
					updated_at {{datetime}} NOT NULL,
					CONSTRAINT fk_post_live_revisions_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
				){{table}}`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE post_live_revisions`}
		},
	})
}
