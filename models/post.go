package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

func init() { orm.RegisterModel(new(Post)) }

// Post statuses.
const (
	PostDraft     = "draft"
	PostPublished = "published"
)

// Post is a markdown post; BodyHTML is its sanitized rendering, stored on write.
type Post struct {
	ID               int64      `orm:"column(id);pk;auto"`
	AuthorID         int64      `orm:"column(author_id)"`
	Title            string     `orm:"column(title);size(200)"`
	Slug             string     `orm:"column(slug);size(100)"`
	BodyMarkdown     string     `orm:"column(body_markdown);type(text)"`
	BodyHTML         string     `orm:"column(body_html);type(text)"`
	Status           string     `orm:"column(status);size(16)"`
	LikeCount        int64      `orm:"column(like_count)"`
	CommentCount     int64      `orm:"column(comment_count)"`
	CreatedAt        time.Time  `orm:"column(created_at);type(datetime)"`
	UpdatedAt        time.Time  `orm:"column(updated_at);type(datetime)"`
	PublishedAt      *time.Time `orm:"column(published_at);type(datetime);null"`
	FirstPublishedAt *time.Time `orm:"column(first_published_at);type(datetime);null"`
}

// TableName binds Post to the posts table.
func (p *Post) TableName() string { return "posts" }

// PostWithAuthor is a post joined with the public part of its author.
type PostWithAuthor struct {
	Post
	AuthorName    string `orm:"column(author_name)"`
	AuthorPicture string `orm:"column(author_picture)"`
}

// dbTime is how post timestamps are written: UTC with microseconds in one
// fixed text form. MySQL parses it into DATETIME(6); SQLite stores it as is,
// so its text comparisons in keyset conditions order correctly.
func dbTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000") }

// dbTimePtr is dbTime for a nullable column.
func dbTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dbTime(*t)
}

// isMySQL tells the dialect of q's database for the few statements that differ.
func isMySQL(q orm.QueryExecutor) bool { return q.Driver().Type() == orm.DRMySQL }

const postWithAuthorColumns = `p.id, p.author_id, p.title, p.slug, p.body_markdown, p.body_html, p.status,
	p.like_count, p.comment_count, p.created_at, p.updated_at, p.published_at, p.first_published_at,
	u.name AS author_name, u.picture AS author_picture`

// InsertPost stores a new post and sets its id.
func InsertPost(ctx context.Context, q orm.QueryExecutor, p *Post) error {
	res, err := q.RawWithCtx(ctx, `INSERT INTO posts (author_id, title, slug, body_markdown, body_html, status,
		like_count, comment_count, created_at, updated_at, published_at, first_published_at)
		VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?)`,
		p.AuthorID, p.Title, p.Slug, p.BodyMarkdown, p.BodyHTML, p.Status,
		dbTime(p.CreatedAt), dbTime(p.UpdatedAt), dbTimePtr(p.PublishedAt), dbTimePtr(p.FirstPublishedAt)).Exec()
	if err != nil {
		return fmt.Errorf("posts: insert for author %d: %w", p.AuthorID, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("posts: id of new post: %w", err)
	}
	p.ID = id
	return nil
}

// UpdatePost writes a post's editable columns (everything but the author,
// the counters and created_at).
func UpdatePost(ctx context.Context, q orm.QueryExecutor, p *Post) error {
	_, err := q.RawWithCtx(ctx, `UPDATE posts SET title = ?, slug = ?, body_markdown = ?, body_html = ?, status = ?,
		updated_at = ?, published_at = ?, first_published_at = ? WHERE id = ?`,
		p.Title, p.Slug, p.BodyMarkdown, p.BodyHTML, p.Status,
		dbTime(p.UpdatedAt), dbTimePtr(p.PublishedAt), dbTimePtr(p.FirstPublishedAt), p.ID).Exec()
	if err != nil {
		return fmt.Errorf("posts: update %d: %w", p.ID, err)
	}
	return nil
}

// DeletePost removes a post; its tags and likes go with it (ON DELETE CASCADE).
func DeletePost(ctx context.Context, q orm.QueryExecutor, id int64) error {
	// SQLite enforces cascades only with foreign_keys on; deleting the
	// children explicitly keeps both databases identical whatever the pragma.
	for _, stmt := range []string{"DELETE FROM post_likes WHERE post_id = ?", "DELETE FROM post_tags WHERE post_id = ?",
		"DELETE FROM post_collaborators WHERE post_id = ?", "DELETE FROM post_live_revisions WHERE post_id = ?",
		"DELETE FROM post_external_media WHERE post_id = ?",
		"DELETE FROM posts WHERE id = ?"} {
		if _, err := q.RawWithCtx(ctx, stmt, id).Exec(); err != nil {
			return fmt.Errorf("posts: delete %d: %w", id, err)
		}
	}
	return nil
}

// PostForUpdate loads a post and, on MySQL, locks its row until the
// transaction ends, so concurrent writers of one post (likes, edits) queue
// instead of racing. SQLite needs no row lock: its write transactions are
// serialized (BEGIN IMMEDIATE).
func PostForUpdate(ctx context.Context, q orm.QueryExecutor, id int64) (*Post, error) {
	query := `SELECT id, author_id, title, slug, body_markdown, body_html, status, like_count, comment_count,
		created_at, updated_at, published_at, first_published_at FROM posts WHERE id = ?`
	if isMySQL(q) {
		query += " FOR UPDATE"
	}
	var rows []Post
	if _, err := q.RawWithCtx(ctx, query, id).QueryRows(&rows); err != nil {
		return nil, fmt.Errorf("posts: load %d for update: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// PostWithAuthorByID loads one post with its author's public profile.
func PostWithAuthorByID(ctx context.Context, q orm.QueryExecutor, id int64) (*PostWithAuthor, error) {
	var rows []PostWithAuthor
	_, err := q.RawWithCtx(ctx, `SELECT `+postWithAuthorColumns+`
		FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = ?`, id).QueryRows(&rows)
	if err != nil {
		return nil, fmt.Errorf("posts: load %d: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// FeedPosition is a place in the feed: the (published_at, id) of the last
// post of the previous page.
type FeedPosition struct {
	PublishedAt time.Time
	ID          int64
}

// FeedQuery selects one page of the published feed, newest first.
type FeedQuery struct {
	// After, when set, starts the page just after that position.
	After    *FeedPosition
	Tag      string
	AuthorID int64
	Limit    int
}

// FeedPage loads one page of published posts with their authors in a single
// statement. The inner query walks only an index (ix_posts_feed,
// ix_posts_author_feed or ix_post_tags_feed) to find the page's ids; the
// outer one fetches those rows by primary key.
func FeedPage(ctx context.Context, q orm.QueryExecutor, fq FeedQuery) ([]PostWithAuthor, error) {
	var rows []PostWithAuthor
	if err := feedPage(ctx, q, fq, postWithAuthorColumns, &rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// PostSummaryRow is a post in a list: its author, no bodies, only the
// first characters of its markdown (for an excerpt).
type PostSummaryRow struct {
	ID            int64      `orm:"column(id)"`
	AuthorID      int64      `orm:"column(author_id)"`
	AuthorName    string     `orm:"column(author_name)"`
	AuthorPicture string     `orm:"column(author_picture)"`
	Title         string     `orm:"column(title)"`
	Slug          string     `orm:"column(slug)"`
	MarkdownHead  string     `orm:"column(markdown_head)"`
	Status        string     `orm:"column(status)"`
	LikeCount     int64      `orm:"column(like_count)"`
	CommentCount  int64      `orm:"column(comment_count)"`
	CreatedAt     time.Time  `orm:"column(created_at);type(datetime)"`
	UpdatedAt     time.Time  `orm:"column(updated_at);type(datetime)"`
	PublishedAt   *time.Time `orm:"column(published_at);type(datetime);null"`
}

// FeedSummaries is FeedPage without the bodies: the markdown is cut to
// its first headChars characters and the HTML is not read at all, so a
// page costs the same whatever the posts' length.
func FeedSummaries(ctx context.Context, q orm.QueryExecutor, fq FeedQuery, headChars int) ([]PostSummaryRow, error) {
	columns := fmt.Sprintf(`p.id, p.author_id, p.title, p.slug, SUBSTR(p.body_markdown, 1, %d) AS markdown_head, p.status,
	p.like_count, p.comment_count, p.created_at, p.updated_at, p.published_at,
	u.name AS author_name, u.picture AS author_picture`, headChars)
	var rows []PostSummaryRow
	if err := feedPage(ctx, q, fq, columns, &rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// feedPage runs the page query of fq selecting columns into rows.
func feedPage(ctx context.Context, q orm.QueryExecutor, fq FeedQuery, columns string, rows any) error {
	var (
		inner strings.Builder
		args  []any
	)
	keyset := func(timeCol, idCol string) {
		if fq.After == nil {
			return
		}
		// Spelled as a range on the leading column plus a tie-break, which
		// both MariaDB's and SQLite's planners turn into an index range.
		t := dbTime(fq.After.PublishedAt)
		fmt.Fprintf(&inner, " AND %[1]s <= ? AND (%[1]s < ? OR %[2]s < ?)", timeCol, idCol)
		args = append(args, t, t, fq.After.ID)
	}
	switch {
	case fq.Tag != "":
		inner.WriteString(`SELECT t.post_id AS id, t.published_at FROM post_tags t`)
		if fq.AuthorID != 0 {
			inner.WriteString(` JOIN posts a ON a.id = t.post_id AND a.author_id = ?`)
			args = append(args, fq.AuthorID)
		}
		inner.WriteString(` WHERE t.tag = ? AND t.published_at IS NOT NULL`)
		args = append(args, fq.Tag)
		keyset("t.published_at", "t.post_id")
		inner.WriteString(` ORDER BY t.published_at DESC, t.post_id DESC LIMIT ?`)
	case fq.AuthorID != 0:
		inner.WriteString(`SELECT id, published_at FROM posts WHERE author_id = ? AND status = 'published'`)
		args = append(args, fq.AuthorID)
		keyset("published_at", "id")
		inner.WriteString(` ORDER BY published_at DESC, id DESC LIMIT ?`)
	default:
		inner.WriteString(`SELECT id, published_at FROM posts WHERE status = 'published'`)
		keyset("published_at", "id")
		inner.WriteString(` ORDER BY published_at DESC, id DESC LIMIT ?`)
	}
	args = append(args, fq.Limit)
	query := `SELECT ` + columns + ` FROM (` + inner.String() + `) page
		JOIN posts p ON p.id = page.id JOIN users u ON u.id = p.author_id
		ORDER BY page.published_at DESC, page.id DESC`
	if _, err := q.RawWithCtx(ctx, query, args...).QueryRows(rows); err != nil {
		return fmt.Errorf("posts: load feed page (tag %q, author %d): %w", fq.Tag, fq.AuthorID, err)
	}
	return nil
}

// DraftPage returns up to limit of author's drafts with ids below beforeID
// (0: from the newest), newest first. Drafts have no published_at, so the
// author index (author_id, status, published_at, id) serves the range and
// the order.
func DraftPage(ctx context.Context, q orm.QueryExecutor, authorID, beforeID int64, limit int) ([]PostWithAuthor, error) {
	query := `SELECT ` + postWithAuthorColumns + ` FROM posts p JOIN users u ON u.id = p.author_id
		WHERE p.author_id = ? AND p.status = 'draft' AND p.published_at IS NULL`
	args := []any{authorID}
	if beforeID > 0 {
		query += ` AND p.id < ?`
		args = append(args, beforeID)
	}
	query += ` ORDER BY p.id DESC LIMIT ?`
	args = append(args, limit)
	var rows []PostWithAuthor
	if _, err := q.RawWithCtx(ctx, query, args...).QueryRows(&rows); err != nil {
		return nil, fmt.Errorf("posts: load drafts of author %d before %d: %w", authorID, beforeID, err)
	}
	return rows, nil
}
