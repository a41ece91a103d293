package schema

// One row per (user, post) like. The primary key makes a repeated or
// concurrent like of the same post by the same user a no-op, and serves the
// "which of these posts did I like" lookup (user_id, post_id IN …) of a feed
// page; ix_post_likes_post serves deletes cascading from posts.
//
// user_id deliberately has no foreign key: on InnoDB its shared lock on the
// liker's users row would cross the exclusive lock the same transaction takes
// on the author's row for points, and two people liking each other's posts at
// once would deadlock. Users are never deleted.
func init() {
	register(Migration{
		Name: "CreatePostLikes_20261123_110100",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE post_likes (
					user_id BIGINT NOT NULL,
					post_id BIGINT NOT NULL,
					created_at {{datetime}} NOT NULL,
					PRIMARY KEY (user_id, post_id),
					CONSTRAINT fk_post_likes_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE INDEX ix_post_likes_post ON post_likes (post_id)`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE post_likes`}
		},
	})
}
