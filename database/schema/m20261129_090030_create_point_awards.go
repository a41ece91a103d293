package schema

// The points economy of API.md (issue 14, item 1): what was ever paid, and
// how much each user was paid per UTC day.
//
//   - point_awards: one row per action that can pay points, ever: a first
//     publication ('publish', post, author), a like ('post_like', post,
//     liker), later a comment like ('comment_like', comment, liker). The
//     primary key is what makes "once per post, once per (liker, post),
//     ever": a like that was withdrawn and given again, or a post deleted,
//     leaves its row behind. The row is written whether or not the action
//     paid (past the daily cap it pays nothing and never will). No foreign
//     key: the row must outlive its post, and, like post_likes.user_id, it
//     must not take shared locks on users rows inside a points transaction.
//   - point_days: points minted to user_id on one UTC day ('YYYY-MM-DD') per
//     cap category ('publish', 'likes'); one conditional upsert moves it only
//     while the day's total stays within the cap.
//
// Existing history is carried over: every post already published has had
// its first publication (paid or not), every like standing now was paid
// when given (unless it was the author's own), and the mint transfers that
// paid publications and likes are summed into their days, so the day the
// migration runs keeps counting what was already paid that day. Likes that
// were withdrawn before this migration left no row to seed from: such a
// (liker, post) pays once more if liked again. Down drops both tables; the
// ledger itself is untouched either way.
func init() {
	register(Migration{
		Name: "CreatePointAwards_20261129_090030",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE point_awards (
					reason VARCHAR(16) NOT NULL,
					subject_id BIGINT NOT NULL,
					actor_id BIGINT NOT NULL,
					user_id BIGINT NOT NULL,
					created_at {{datetime}} NOT NULL,
					PRIMARY KEY (reason, subject_id, actor_id)
				){{table}}`,
				`CREATE TABLE point_days (
					user_id BIGINT NOT NULL,
					day CHAR(10) NOT NULL,
					category VARCHAR(16) NOT NULL,
					minted BIGINT NOT NULL,
					PRIMARY KEY (user_id, day, category)
				){{table}}`,
				`INSERT INTO point_awards (reason, subject_id, actor_id, user_id, created_at)
					SELECT 'publish', id, author_id, author_id, first_published_at FROM posts
					WHERE first_published_at IS NOT NULL`,
				`INSERT INTO point_awards (reason, subject_id, actor_id, user_id, created_at)
					SELECT 'post_like', l.post_id, l.user_id, p.author_id, l.created_at
					FROM post_likes l JOIN posts p ON p.id = l.post_id
					WHERE l.user_id <> p.author_id`,
				// The memos are the ones posts wrote for these transfers.
				`INSERT INTO point_days (user_id, day, category, minted)
					SELECT a.user_id, SUBSTR(t.created_at, 1, 10),
						CASE WHEN t.memo LIKE 'first publication of post %' THEN 'publish' ELSE 'likes' END, SUM(t.amount)
					FROM transfers t JOIN accounts a ON a.id = t.to_account_id
					WHERE t.kind = 'mint' AND a.user_id IS NOT NULL
						AND (t.memo LIKE 'first publication of post %' OR t.memo LIKE 'like on post %')
					GROUP BY a.user_id, SUBSTR(t.created_at, 1, 10),
						CASE WHEN t.memo LIKE 'first publication of post %' THEN 'publish' ELSE 'likes' END`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE point_days`, `DROP TABLE point_awards`}
		},
	})
}
