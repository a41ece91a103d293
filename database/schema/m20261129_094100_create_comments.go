package schema

// Threaded comments (issue 16; PHASE2-NOTES F10).
//
// comments is an adjacency list (parent_id) plus an immutable ancestor path
// (path: the ancestors' ids, 8 bytes big-endian each, top first; comments
// never move, so it is written once) and depth (0 for a top-level comment,
// at most 10). parent_id has no foreign key: a deleted comment stays as a
// row (status deleted/removed), so its replies keep their parent, and rows
// only ever go with their post (ON DELETE CASCADE).
//
// ix_comments_tree (post_id, parent_id, id, status, up_count, down_count,
// reply_count) covers the skeleton query: one range scan on post_id reads a
// post's whole tree shape and counters from the index alone; bodies are then
// fetched by primary key for the comments a page shows.
//
// comment_votes holds one row per (comment, user) with vote -1 or 1 (a vote
// of 0 deletes the row), so up_count and down_count equal the rows.
// comment_likes keeps its row after an unlike (liked = 0): the row's
// existence is the "paid once per (liker, comment), ever" record.
// comment_revisions keeps every body an edit replaced. comment_reports has
// one row per (comment, reporter): a repeated report changes nothing.
// comment_create_keys is post_create_keys for comments (Idempotency-Key).
//
// user_id/reporter_id/author_id carry no foreign key, for the same reason
// as post_likes: transactions that pay points lock ledger rows, and a
// shared lock on a users row would cross them.
func init() {
	register(Migration{
		Name: "CreateComments_20261129_094100",
		Up: func(d Dialect) []string {
			path := "BLOB"
			if d == MySQL {
				path = "VARBINARY(96)"
			}
			return []string{
				`CREATE TABLE comments (
					id {{pk}},
					post_id BIGINT NOT NULL,
					parent_id BIGINT NULL,
					path ` + path + ` NOT NULL,
					depth SMALLINT NOT NULL,
					author_id BIGINT NOT NULL,
					body_markdown {{text}} NOT NULL,
					body_html {{text}} NOT NULL,
					status VARCHAR(16) NOT NULL,
					up_count BIGINT NOT NULL DEFAULT 0,
					down_count BIGINT NOT NULL DEFAULT 0,
					like_count BIGINT NOT NULL DEFAULT 0,
					reply_count BIGINT NOT NULL DEFAULT 0,
					created_at {{datetime}} NOT NULL,
					edited_at {{datetime}} NULL,
					CONSTRAINT fk_comments_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE INDEX ix_comments_tree ON comments (post_id, parent_id, id, status, up_count, down_count, reply_count)`,
				`CREATE INDEX ix_comments_author ON comments (author_id, id)`,
				`CREATE TABLE comment_votes (
					comment_id BIGINT NOT NULL,
					user_id BIGINT NOT NULL,
					vote SMALLINT NOT NULL,
					updated_at {{datetime}} NOT NULL,
					PRIMARY KEY (comment_id, user_id),
					CONSTRAINT fk_comment_votes_comment FOREIGN KEY (comment_id) REFERENCES comments (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE INDEX ix_comment_votes_user ON comment_votes (user_id, comment_id)`,
				`CREATE TABLE comment_likes (
					comment_id BIGINT NOT NULL,
					user_id BIGINT NOT NULL,
					liked SMALLINT NOT NULL,
					created_at {{datetime}} NOT NULL,
					updated_at {{datetime}} NOT NULL,
					PRIMARY KEY (comment_id, user_id),
					CONSTRAINT fk_comment_likes_comment FOREIGN KEY (comment_id) REFERENCES comments (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE INDEX ix_comment_likes_user ON comment_likes (user_id, comment_id)`,
				`CREATE TABLE comment_revisions (
					comment_id BIGINT NOT NULL,
					rev INTEGER NOT NULL,
					body_markdown {{text}} NOT NULL,
					edited_at {{datetime}} NOT NULL,
					PRIMARY KEY (comment_id, rev),
					CONSTRAINT fk_comment_revisions_comment FOREIGN KEY (comment_id) REFERENCES comments (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE TABLE comment_reports (
					comment_id BIGINT NOT NULL,
					reporter_id BIGINT NOT NULL,
					reason VARCHAR(500) NOT NULL,
					created_at {{datetime}} NOT NULL,
					PRIMARY KEY (comment_id, reporter_id),
					CONSTRAINT fk_comment_reports_comment FOREIGN KEY (comment_id) REFERENCES comments (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE INDEX ix_comment_reports_created ON comment_reports (created_at)`,
				`CREATE TABLE comment_create_keys (
					user_id BIGINT NOT NULL,
					idempotency_key VARCHAR(100) NOT NULL,
					comment_id BIGINT NOT NULL,
					created_at {{datetime}} NOT NULL,
					PRIMARY KEY (user_id, idempotency_key),
					CONSTRAINT fk_comment_create_keys_comment FOREIGN KEY (comment_id) REFERENCES comments (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE INDEX ix_comment_create_keys_comment ON comment_create_keys (comment_id)`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{
				`DROP TABLE comment_create_keys`,
				`DROP TABLE comment_reports`,
				`DROP TABLE comment_revisions`,
				`DROP TABLE comment_likes`,
				`DROP TABLE comment_votes`,
				`DROP TABLE comments`,
			}
		},
	})
}
