package schema

// Posts and their tags (issue 5).
//
// published_at is NULL exactly while a post is a draft; first_published_at
// remembers the first publication so the +10 points are paid once and a post
// taken back to draft and published again keeps its place in the feed.
//
// The feed is keyset-paginated over (published_at, id), newest first:
//   - ix_posts_feed (status, published_at, id) serves the unfiltered feed: an
//     equality on status and a range on (published_at, id) in index order;
//   - ix_posts_author_feed (author_id, status, published_at, id) the same per author;
//   - post_tags copies published_at from its post (NULL for drafts) so the tag
//     feed is one range scan of ix_post_tags_feed (tag, published_at, post_id)
//     without touching posts until the page's ids are known.
//
// Each index holds every column the page query filters and orders on (InnoDB
// appends the primary key to secondary indexes), so the keyset step reads the
// index alone and only the page's rows are fetched by primary key.
func init() {
	register(Migration{
		Name: "CreatePosts_20261123_110000",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE posts (
					id {{pk}},
					author_id BIGINT NOT NULL,
					title VARCHAR(200) NOT NULL,
					slug VARCHAR(100) NOT NULL,
					body_markdown {{text}} NOT NULL,
					body_html {{text}} NOT NULL,
					status VARCHAR(16) NOT NULL,
					like_count BIGINT NOT NULL DEFAULT 0,
					comment_count BIGINT NOT NULL DEFAULT 0,
					created_at {{datetime}} NOT NULL,
					updated_at {{datetime}} NOT NULL,
					published_at {{datetime}} NULL,
					first_published_at {{datetime}} NULL,
					CONSTRAINT fk_posts_author FOREIGN KEY (author_id) REFERENCES users (id)
				){{table}}`,
				`CREATE INDEX ix_posts_feed ON posts (status, published_at, id)`,
				`CREATE INDEX ix_posts_author_feed ON posts (author_id, status, published_at, id)`,
				`CREATE TABLE post_tags (
					post_id BIGINT NOT NULL,
					tag VARCHAR(32) NOT NULL,
					position SMALLINT NOT NULL,
					published_at {{datetime}} NULL,
					PRIMARY KEY (post_id, tag),
					CONSTRAINT fk_post_tags_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
				){{table}}`,
				`CREATE INDEX ix_post_tags_feed ON post_tags (tag, published_at, post_id)`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE post_tags`, `DROP TABLE posts`}
		},
	})
}
