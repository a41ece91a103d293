package schema

// One row per idempotency key a client sent with POST /api/v1/posts: a create
// that is retried with the same key (the PWA's offline outbox, after an
// answer was lost) finds the post the first attempt made instead of making a
// second one. The primary key makes two concurrent attempts with one key
// create one post. Keys are per user: one user's key never reaches another's
// post. A deleted post takes its key with it.
//
// user_id has no foreign key, for the same reason as post_likes: the create
// transaction may lock the author's users row for points.
func init() {
	register(Migration{
		Name: "CreatePostCreateKeys_20261123_140500",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE post_create_keys (
					user_id BIGINT NOT NULL,
					idempotency_key VARCHAR(100) NOT NULL,
					post_id BIGINT NOT NULL,
					created_at {{datetime}} NOT NULL,
					PRIMARY KEY (user_id, idempotency_key),
					CONSTRAINT fk_post_create_keys_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE INDEX ix_post_create_keys_post ON post_create_keys (post_id)`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE post_create_keys`}
		},
	})
}
