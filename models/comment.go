package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// Comment statuses. A deleted (by its author) or removed (by a moderator or
// the post's author) comment keeps its row so its replies keep their place.
const (
	CommentVisible = "visible"
	CommentDeleted = "deleted"
	CommentRemoved = "removed"
)

// Comment is one row of comments. Path holds the ancestors' ids, 8 bytes
// big-endian each, top first, as a string of raw bytes (Beego drops []byte
// query arguments and does not fill []byte fields); ParentID is 0 for a
// top-level comment.
type Comment struct {
	ID           int64      `orm:"column(id)"`
	PostID       int64      `orm:"column(post_id)"`
	ParentID     int64      `orm:"column(parent_id)"`
	Path         string     `orm:"column(path)"`
	Depth        int        `orm:"column(depth)"`
	AuthorID     int64      `orm:"column(author_id)"`
	BodyMarkdown string     `orm:"column(body_markdown)"`
	BodyHTML     string     `orm:"column(body_html)"`
	Status       string     `orm:"column(status)"`
	UpCount      int64      `orm:"column(up_count)"`
	DownCount    int64      `orm:"column(down_count)"`
	LikeCount    int64      `orm:"column(like_count)"`
	ReplyCount   int64      `orm:"column(reply_count)"`
	CreatedAt    time.Time  `orm:"column(created_at)"`
	EditedAt     *time.Time `orm:"column(edited_at)"`
}

// CommentWithAuthor is a comment with its author's public profile.
type CommentWithAuthor struct {
	Comment
	AuthorName    string `orm:"column(author_name)"`
	AuthorPicture string `orm:"column(author_picture)"`
}

const commentColumns = `c.id, c.post_id, COALESCE(c.parent_id, 0) AS parent_id, c.path, c.depth, c.author_id,
	c.body_markdown, c.body_html, c.status, c.up_count, c.down_count, c.like_count, c.reply_count,
	c.created_at, c.edited_at`

func nullableID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// InsertComment stores a new comment with zero counters and sets its id.
func InsertComment(ctx context.Context, q orm.QueryExecutor, c *Comment) error {
	// The path's bytes go as a string, cast to binary so no character set
	// touches them and SQLite stores a BLOB (its TEXT functions stop at NUL).
	path := "CAST(? AS BLOB)"
	if isMySQL(q) {
		path = "CAST(? AS BINARY)"
	}
	res, err := q.RawWithCtx(ctx, `INSERT INTO comments (post_id, parent_id, path, depth, author_id, body_markdown,
		body_html, status, up_count, down_count, like_count, reply_count, created_at, edited_at)
		VALUES (?, ?, `+path+`, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, NULL)`,
		c.PostID, nullableID(c.ParentID), c.Path, c.Depth, c.AuthorID, c.BodyMarkdown, c.BodyHTML, c.Status,
		dbTime(c.CreatedAt)).Exec()
	if err != nil {
		return fmt.Errorf("comments: insert on post %d: %w", c.PostID, err)
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("comments: id of new comment: %w", err)
	}
	return nil
}

func oneComment(ctx context.Context, q orm.QueryExecutor, query string, id int64) (*Comment, error) {
	var rows []Comment
	if _, err := q.RawWithCtx(ctx, query, id).QueryRows(&rows); err != nil {
		return nil, fmt.Errorf("comments: load %d: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// CommentByID loads one comment without locking it.
func CommentByID(ctx context.Context, q orm.QueryExecutor, id int64) (*Comment, error) {
	return oneComment(ctx, q, "SELECT "+commentColumns+" FROM comments c WHERE c.id = ?", id)
}

// CommentForUpdate loads a comment and, on MySQL, locks its row until the
// transaction ends (SQLite's write transactions are serialized already), so
// concurrent voters and likers of one comment queue and its counters never
// drift.
func CommentForUpdate(ctx context.Context, q orm.QueryExecutor, id int64) (*Comment, error) {
	return oneComment(ctx, q, "SELECT "+commentColumns+" FROM comments c WHERE c.id = ?"+forUpdate(q), id)
}

// AddCommentReplyCount moves a comment's count of direct visible replies.
func AddCommentReplyCount(ctx context.Context, q orm.QueryExecutor, id, delta int64) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE comments SET reply_count = reply_count + ? WHERE id = ?", delta, id).Exec(); err != nil {
		return fmt.Errorf("comments: move reply count of %d by %d: %w", id, delta, err)
	}
	return nil
}

// AddPostCommentCount moves a post's count of visible comments.
func AddPostCommentCount(ctx context.Context, q orm.QueryExecutor, postID, delta int64) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE posts SET comment_count = comment_count + ? WHERE id = ?", delta, postID).Exec(); err != nil {
		return fmt.Errorf("comments: move comment count of post %d by %d: %w", postID, delta, err)
	}
	return nil
}

// SetCommentStatus changes a comment's status (visible, deleted, removed).
func SetCommentStatus(ctx context.Context, q orm.QueryExecutor, id int64, status string) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE comments SET status = ? WHERE id = ?", status, id).Exec(); err != nil {
		return fmt.Errorf("comments: set status of %d to %s: %w", id, status, err)
	}
	return nil
}

// UpdateCommentBody replaces a comment's body and sets edited_at.
func UpdateCommentBody(ctx context.Context, q orm.QueryExecutor, id int64, markdown, html string, at time.Time) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE comments SET body_markdown = ?, body_html = ?, edited_at = ? WHERE id = ?",
		markdown, html, dbTime(at), id).Exec(); err != nil {
		return fmt.Errorf("comments: update body of %d: %w", id, err)
	}
	return nil
}

// InsertCommentRevision keeps a body an edit is about to replace, as the
// comment's next revision (1, 2, …). Run it holding the comment's lock.
func InsertCommentRevision(ctx context.Context, q orm.QueryExecutor, id int64, previous string, at time.Time) error {
	if _, err := q.RawWithCtx(ctx, `INSERT INTO comment_revisions (comment_id, rev, body_markdown, edited_at)
		SELECT ?, COALESCE(MAX(rev), 0) + 1, ?, ? FROM comment_revisions WHERE comment_id = ?`,
		id, previous, dbTime(at), id).Exec(); err != nil {
		return fmt.Errorf("comments: keep revision of %d: %w", id, err)
	}
	return nil
}

// CommentRevisions returns the bodies edits replaced, oldest first.
func CommentRevisions(ctx context.Context, q orm.QueryExecutor, id int64) ([]string, error) {
	var bodies []string
	if _, err := q.RawWithCtx(ctx, "SELECT body_markdown FROM comment_revisions WHERE comment_id = ? ORDER BY rev", id).
		QueryRows(&bodies); err != nil {
		return nil, fmt.Errorf("comments: revisions of %d: %w", id, err)
	}
	return bodies, nil
}

// CommentTree is a post's visibility and the shape of its comment tree, the
// rows of the skeleton query column by column.
type CommentTree struct {
	PostFound    bool
	PostStatus   string
	PostAuthorID int64
	IDs          []int64
	ParentIDs    []int64 // 0 for top-level comments
	Statuses     []string
	Ups, Downs   []int64
	Replies      []int64
}

// CommentTreeOfPost reads, in one statement, post id's status and author and
// every comment's (id, parent, status, counters): the post row by primary
// key and the comments from ix_comments_tree alone (a covering range scan).
// The first column tells the post's row (0) from comment rows (1).
//
// Outside a transaction it scans through database/sql itself: Beego's
// reflection per row cost more than the query on a 10,000-comment post.
func CommentTreeOfPost(ctx context.Context, q orm.QueryExecutor, postID int64) (*CommentTree, error) {
	const query = `SELECT 0 AS kind, id, author_id AS parent_id, status, 0 AS up_count, 0 AS down_count, 0 AS reply_count
		FROM posts WHERE id = ?
		UNION ALL
		SELECT 1, id, COALESCE(parent_id, 0), status, up_count, down_count, reply_count
		FROM comments WHERE post_id = ?`
	t := &CommentTree{}
	add := func(kind, id, parent int64, status string, up, down, replies int64) {
		if kind == 0 {
			t.PostFound, t.PostStatus, t.PostAuthorID = true, status, parent
			return
		}
		t.IDs = append(t.IDs, id)
		t.ParentIDs = append(t.ParentIDs, parent)
		t.Statuses = append(t.Statuses, status)
		t.Ups = append(t.Ups, up)
		t.Downs = append(t.Downs, down)
		t.Replies = append(t.Replies, replies)
	}
	if _, inTx := q.(orm.TxOrmer); !inTx {
		if db, err := orm.GetDB(q.Driver().Name()); err == nil {
			if err := scanTree(ctx, db, query, postID, add); err != nil {
				return nil, fmt.Errorf("comments: tree of post %d: %w", postID, err)
			}
			return t, nil
		}
	}
	var (
		kinds, ids, parents, ups, downs, replies []int64
		statuses                                 []string
	)
	if _, err := q.RawWithCtx(ctx, query, postID, postID).QueryRows(&kinds, &ids, &parents, &statuses, &ups, &downs, &replies); err != nil {
		return nil, fmt.Errorf("comments: tree of post %d: %w", postID, err)
	}
	for i := range kinds {
		add(kinds[i], ids[i], parents[i], statuses[i], ups[i], downs[i], replies[i])
	}
	return t, nil
}

// knownStatuses lets the scan reuse one string per status instead of
// allocating one per row.
var knownStatuses = []string{CommentVisible, CommentDeleted, CommentRemoved, PostPublished, PostDraft}

func scanTree(ctx context.Context, db *sql.DB, query string, postID int64,
	add func(kind, id, parent int64, status string, up, down, replies int64)) error {
	rows, err := db.QueryContext(ctx, query, postID, postID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		kind, id, parent, up, down, replies int64
		raw                                 sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&kind, &id, &parent, &raw, &up, &down, &replies); err != nil {
			return err
		}
		status := ""
		for _, k := range knownStatuses {
			if string(raw) == k {
				status = k
				break
			}
		}
		if status == "" {
			status = string(raw)
		}
		add(kind, id, parent, status, up, down, replies)
	}
	return rows.Err()
}

// CommentsWithAuthors loads the given comments with their authors' public
// profiles, in one statement by primary key (any order).
func CommentsWithAuthors(ctx context.Context, q orm.QueryExecutor, ids []int64) ([]CommentWithAuthor, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []CommentWithAuthor
	if _, err := q.RawWithCtx(ctx, "SELECT "+commentColumns+`, COALESCE(u.name, '') AS author_name, COALESCE(u.picture, '') AS author_picture
		FROM comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.id IN (`+placeholders(len(ids))+")",
		int64Args(ids)...).QueryRows(&rows); err != nil {
		return nil, fmt.Errorf("comments: load %d comments: %w", len(ids), err)
	}
	return rows, nil
}

// CommentReaction is one user's vote (-1, 0, 1) and like of a comment.
type CommentReaction struct {
	Vote  int
	Liked bool
}

// CommentReactions returns userID's votes and likes on the given comments,
// in one statement (both primary keys). Comments without either are absent.
func CommentReactions(ctx context.Context, q orm.QueryExecutor, userID int64, ids []int64) (map[int64]CommentReaction, error) {
	out := make(map[int64]CommentReaction, len(ids))
	if userID == 0 || len(ids) == 0 {
		return out, nil
	}
	ph := placeholders(len(ids))
	args := append([]any{userID}, int64Args(ids)...)
	args = append(append(args, userID), int64Args(ids)...)
	var commentIDs, votes, liked []int64
	if _, err := q.RawWithCtx(ctx, `SELECT comment_id, vote, 0 AS liked FROM comment_votes WHERE user_id = ? AND comment_id IN (`+ph+`)
		UNION ALL
		SELECT comment_id, 0, 1 FROM comment_likes WHERE user_id = ? AND liked = 1 AND comment_id IN (`+ph+`)`,
		args...).QueryRows(&commentIDs, &votes, &liked); err != nil {
		return nil, fmt.Errorf("comments: reactions of user %d on %d comments: %w", userID, len(ids), err)
	}
	for i, id := range commentIDs {
		r := out[id]
		if votes[i] != 0 {
			r.Vote = int(votes[i])
		}
		if liked[i] == 1 {
			r.Liked = true
		}
		out[id] = r
	}
	return out, nil
}

// CommentVote returns userID's vote on a comment (0 when none).
func CommentVote(ctx context.Context, q orm.QueryExecutor, commentID, userID int64) (int, error) {
	var votes []int64
	if _, err := q.RawWithCtx(ctx, "SELECT vote FROM comment_votes WHERE comment_id = ? AND user_id = ?", commentID, userID).
		QueryRows(&votes); err != nil {
		return 0, fmt.Errorf("comments: vote of user %d on %d: %w", userID, commentID, err)
	}
	if len(votes) == 0 {
		return 0, nil
	}
	return int(votes[0]), nil
}

// SetCommentVote stores userID's vote on a comment: -1 or 1 upserts the
// row, 0 deletes it. Run it holding the comment's lock.
func SetCommentVote(ctx context.Context, q orm.QueryExecutor, commentID, userID int64, vote int, at time.Time) error {
	var err error
	switch {
	case vote == 0:
		_, err = q.RawWithCtx(ctx, "DELETE FROM comment_votes WHERE comment_id = ? AND user_id = ?", commentID, userID).Exec()
	case isMySQL(q):
		_, err = q.RawWithCtx(ctx, `INSERT INTO comment_votes (comment_id, user_id, vote, updated_at) VALUES (?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE vote = VALUES(vote), updated_at = VALUES(updated_at)`, commentID, userID, vote, dbTime(at)).Exec()
	default:
		_, err = q.RawWithCtx(ctx, `INSERT INTO comment_votes (comment_id, user_id, vote, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (comment_id, user_id) DO UPDATE SET vote = excluded.vote, updated_at = excluded.updated_at`,
			commentID, userID, vote, dbTime(at)).Exec()
	}
	if err != nil {
		return fmt.Errorf("comments: user %d votes %d on %d: %w", userID, vote, commentID, err)
	}
	return nil
}

// AddCommentVoteCounts moves a comment's up and down counters.
func AddCommentVoteCounts(ctx context.Context, q orm.QueryExecutor, id, up, down int64) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE comments SET up_count = up_count + ?, down_count = down_count + ? WHERE id = ?",
		up, down, id).Exec(); err != nil {
		return fmt.Errorf("comments: move vote counts of %d: %w", id, err)
	}
	return nil
}

// CommentLike reports whether userID ever liked a comment (a row exists:
// the like was paid for once) and whether they like it now.
func CommentLike(ctx context.Context, q orm.QueryExecutor, commentID, userID int64) (ever, now bool, err error) {
	var liked []int64
	if _, err := q.RawWithCtx(ctx, "SELECT liked FROM comment_likes WHERE comment_id = ? AND user_id = ?", commentID, userID).
		QueryRows(&liked); err != nil {
		return false, false, fmt.Errorf("comments: like of user %d on %d: %w", userID, commentID, err)
	}
	if len(liked) == 0 {
		return false, false, nil
	}
	return true, liked[0] == 1, nil
}

// InsertCommentLike records userID's first like of a comment. Run it holding
// the comment's lock, after CommentLike said there is no row.
func InsertCommentLike(ctx context.Context, q orm.QueryExecutor, commentID, userID int64, at time.Time) error {
	if _, err := q.RawWithCtx(ctx, `INSERT INTO comment_likes (comment_id, user_id, liked, created_at, updated_at)
		VALUES (?, ?, 1, ?, ?)`, commentID, userID, dbTime(at), dbTime(at)).Exec(); err != nil {
		return fmt.Errorf("comments: user %d likes %d: %w", userID, commentID, err)
	}
	return nil
}

// SetCommentLiked flips an existing like row on or off.
func SetCommentLiked(ctx context.Context, q orm.QueryExecutor, commentID, userID int64, liked bool, at time.Time) error {
	v := 0
	if liked {
		v = 1
	}
	if _, err := q.RawWithCtx(ctx, "UPDATE comment_likes SET liked = ?, updated_at = ? WHERE comment_id = ? AND user_id = ?",
		v, dbTime(at), commentID, userID).Exec(); err != nil {
		return fmt.Errorf("comments: user %d sets like of %d to %v: %w", userID, commentID, liked, err)
	}
	return nil
}

// AddCommentLikeCount moves a comment's like counter.
func AddCommentLikeCount(ctx context.Context, q orm.QueryExecutor, id, delta int64) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE comments SET like_count = like_count + ? WHERE id = ?", delta, id).Exec(); err != nil {
		return fmt.Errorf("comments: move like count of %d by %d: %w", id, delta, err)
	}
	return nil
}

// CommentReactionCounts counts a comment's vote and like rows, the truth
// up_count, down_count and like_count mirror.
func CommentReactionCounts(ctx context.Context, q orm.QueryExecutor, id int64) (up, down, likes int64, err error) {
	err = q.RawWithCtx(ctx, `SELECT
		(SELECT COUNT(*) FROM comment_votes WHERE comment_id = ? AND vote = 1),
		(SELECT COUNT(*) FROM comment_votes WHERE comment_id = ? AND vote = -1),
		(SELECT COUNT(*) FROM comment_likes WHERE comment_id = ? AND liked = 1)`, id, id, id).QueryRow(&up, &down, &likes)
	if err != nil {
		err = fmt.Errorf("comments: count reactions of %d: %w", id, err)
	}
	return up, down, likes, err
}

// InsertCommentReport records reporterID's report of a comment and reports
// whether it is new; a repeated report changes nothing.
func InsertCommentReport(ctx context.Context, q orm.QueryExecutor, commentID, reporterID int64, reason string, at time.Time) (bool, error) {
	query := `INSERT INTO comment_reports (comment_id, reporter_id, reason, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (comment_id, reporter_id) DO NOTHING`
	if isMySQL(q) {
		query = `INSERT INTO comment_reports (comment_id, reporter_id, reason, created_at) VALUES (?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE comment_id = comment_id`
	}
	res, err := q.RawWithCtx(ctx, query, commentID, reporterID, reason, dbTime(at)).Exec()
	if err != nil {
		return false, fmt.Errorf("comments: user %d reports %d: %w", reporterID, commentID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("comments: user %d reports %d: rows affected: %w", reporterID, commentID, err)
	}
	return n == 1, nil
}

// CommentReportCount counts the distinct reporters of a comment.
func CommentReportCount(ctx context.Context, q orm.QueryExecutor, commentID int64) (int64, error) {
	var n int64
	if err := q.RawWithCtx(ctx, "SELECT COUNT(*) FROM comment_reports WHERE comment_id = ?", commentID).QueryRow(&n); err != nil {
		return 0, fmt.Errorf("comments: count reports of %d: %w", commentID, err)
	}
	return n, nil
}

// InsertCommentCreateKey records that userID's create with key made
// commentID; a key the user already used fails with a duplicate error.
func InsertCommentCreateKey(ctx context.Context, q orm.QueryExecutor, userID int64, key string, commentID int64, at time.Time) error {
	if _, err := q.RawWithCtx(ctx,
		"INSERT INTO comment_create_keys (user_id, idempotency_key, comment_id, created_at) VALUES (?, ?, ?, ?)",
		userID, key, commentID, dbTime(at)).Exec(); err != nil {
		return fmt.Errorf("comments: remember create key of user %d: %w", userID, err)
	}
	return nil
}

// CommentIDForCreateKey returns the comment userID's create with key made.
func CommentIDForCreateKey(ctx context.Context, q orm.QueryExecutor, userID int64, key string) (int64, bool, error) {
	var id int64
	err := q.RawWithCtx(ctx, "SELECT comment_id FROM comment_create_keys WHERE user_id = ? AND idempotency_key = ?", userID, key).
		QueryRow(&id)
	if errors.Is(err, orm.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("comments: look up create key of user %d: %w", userID, err)
	}
	return id, true, nil
}

// User roles.
const (
	RoleMember    = "member"
	RoleModerator = "moderator"
	RoleAdmin     = "admin"
)

// UserRole returns a user's role (member when the user does not exist).
func UserRole(ctx context.Context, q orm.QueryExecutor, userID int64) (string, error) {
	var roles []string
	if _, err := q.RawWithCtx(ctx, "SELECT role FROM users WHERE id = ?", userID).QueryRows(&roles); err != nil {
		return "", fmt.Errorf("users: role of %d: %w", userID, err)
	}
	if len(roles) == 0 {
		return RoleMember, nil
	}
	return roles[0], nil
}

// SetUserRoleByEmail gives every user with email the role and returns how
// many users that is.
func SetUserRoleByEmail(ctx context.Context, q orm.QueryExecutor, email, role string) (int64, error) {
	res, err := q.RawWithCtx(ctx, "UPDATE users SET role = ? WHERE email = ?", role, email).Exec()
	if err != nil {
		return 0, fmt.Errorf("users: set role of %s: %w", email, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("users: set role of %s: rows affected: %w", email, err)
	}
	return n, nil
}

// UsersWithEmail counts the users with email.
func UsersWithEmail(ctx context.Context, q orm.QueryExecutor, email string) (int64, error) {
	var n int64
	if err := q.RawWithCtx(ctx, "SELECT COUNT(*) FROM users WHERE email = ?", email).QueryRow(&n); err != nil {
		return 0, fmt.Errorf("users: count %s: %w", email, err)
	}
	return n, nil
}
