package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// Statuses of an external media row (media backup).
const (
	ExternalPending = "pending"
	ExternalOK      = "ok"
	ExternalFailed  = "failed"
	ExternalSkipped = "skipped"
)

// ExternalMedia is one external image or video an author's posts show,
// with where its backup stands. ItemExists and the keys come from the
// copy's media_items row when it still exists.
type ExternalMedia struct {
	ID            int64      `orm:"column(id)"`
	OwnerID       int64      `orm:"column(owner_id)"`
	URL           string     `orm:"column(url)"`
	Status        string     `orm:"column(status)"`
	MediaItemID   *int64     `orm:"column(media_item_id);null"`
	Attempts      int        `orm:"column(attempts)"`
	NextAttemptAt time.Time  `orm:"column(next_attempt_at);type(datetime)"`
	LeaseUntil    *time.Time `orm:"column(lease_until);type(datetime);null"`
	LastStatus    *int64     `orm:"column(last_status);null"`
	LastError     *string    `orm:"column(last_error);null"`
	ItemKey       *string    `orm:"column(item_key);null"`
	ItemPostKey   *string    `orm:"column(item_post_key);null"`
	PostID        int64      `orm:"column(post_id)"`
}

// URLHash is how external_media identifies a URL: hex SHA-256 of the URL
// exactly as discovered.
func URLHash(u string) string {
	sum := sha256.Sum256([]byte(u))
	return hex.EncodeToString(sum[:])
}

// EnsureExternalMedia returns the id of owner's row for url, inserting a
// pending one due now if there is none. Two callers at once end with one
// row (the loser's insert hits the unique key and reads the winner's).
func EnsureExternalMedia(ctx context.Context, q orm.QueryExecutor, owner int64, url string, now time.Time) (int64, error) {
	hash := URLHash(url)
	var ids []int64
	load := func() error {
		ids = ids[:0]
		_, err := q.RawWithCtx(ctx, "SELECT id FROM external_media WHERE owner_id = ? AND url_sha256 = ?", owner, hash).QueryRows(&ids)
		return err
	}
	if err := load(); err != nil {
		return 0, fmt.Errorf("external media: load: %w", err)
	}
	if len(ids) > 0 {
		return ids[0], nil
	}
	res, err := q.RawWithCtx(ctx, `INSERT INTO external_media (owner_id, url_sha256, url, status, attempts, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, 0, ?, ?)`, owner, hash, url, ExternalPending, dbTime(now), dbTime(now)).Exec()
	if err == nil {
		return res.LastInsertId()
	}
	if !IsDuplicate(err) {
		return 0, fmt.Errorf("external media: insert: %w", err)
	}
	if err := load(); err != nil {
		return 0, fmt.Errorf("external media: load after duplicate: %w", err)
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("external media: no row after a duplicate insert for owner %d", owner)
	}
	return ids[0], nil
}

// SetPostExternalMedia makes ids exactly the external media post shows.
func SetPostExternalMedia(ctx context.Context, q orm.QueryExecutor, post int64, ids []int64) error {
	if _, err := q.RawWithCtx(ctx, "DELETE FROM post_external_media WHERE post_id = ?", post).Exec(); err != nil {
		return fmt.Errorf("external media: unlink post %d: %w", post, err)
	}
	for _, id := range ids {
		if _, err := q.RawWithCtx(ctx, "INSERT INTO post_external_media (post_id, external_media_id) VALUES (?, ?)",
			post, id).Exec(); err != nil {
			return fmt.Errorf("external media: link post %d: %w", post, err)
		}
	}
	return nil
}

const externalColumns = `e.id, e.owner_id, e.url, e.status, e.media_item_id, e.attempts, e.next_attempt_at,
	e.lease_until, e.last_status, e.last_error, m.storage_key AS item_key, m.post_key AS item_post_key`

// ExternalMediaOfPost lists the external media post shows, with their
// copies' keys where the copies still exist.
func ExternalMediaOfPost(ctx context.Context, q orm.QueryExecutor, post int64) ([]ExternalMedia, error) {
	var rows []ExternalMedia
	_, err := q.RawWithCtx(ctx, `SELECT `+externalColumns+`, pe.post_id FROM post_external_media pe
		JOIN external_media e ON e.id = pe.external_media_id
		LEFT JOIN media_items m ON m.id = e.media_item_id AND m.owner_id = e.owner_id
		WHERE pe.post_id = ? ORDER BY e.id`, post).QueryRows(&rows)
	if err != nil {
		return nil, fmt.Errorf("external media: of post %d: %w", post, err)
	}
	return rows, nil
}

// ExternalMediaByID loads one row with its copy's keys, or ErrNotFound.
func ExternalMediaByID(ctx context.Context, q orm.QueryExecutor, id int64) (*ExternalMedia, error) {
	var rows []ExternalMedia
	_, err := q.RawWithCtx(ctx, `SELECT `+externalColumns+`, 0 AS post_id FROM external_media e
		LEFT JOIN media_items m ON m.id = e.media_item_id AND m.owner_id = e.owner_id WHERE e.id = ?`, id).QueryRows(&rows)
	if err != nil {
		return nil, fmt.Errorf("external media: load %d: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// DueExternalMedia lists up to limit rows a background run may claim:
// pending, due by now, not under a live lease, each with the lowest id of
// a post showing it (its copy's folder).
func DueExternalMedia(ctx context.Context, q orm.QueryExecutor, now time.Time, limit int) ([]ExternalMedia, error) {
	var rows []ExternalMedia
	_, err := q.RawWithCtx(ctx, `SELECT `+externalColumns+`,
		(SELECT MIN(pe.post_id) FROM post_external_media pe WHERE pe.external_media_id = e.id) AS post_id
		FROM external_media e LEFT JOIN media_items m ON m.id = e.media_item_id AND m.owner_id = e.owner_id
		WHERE e.status = ? AND e.next_attempt_at <= ? AND (e.lease_until IS NULL OR e.lease_until < ?)
		AND EXISTS (SELECT 1 FROM post_external_media pe WHERE pe.external_media_id = e.id)
		ORDER BY e.next_attempt_at, e.id LIMIT ?`, ExternalPending, dbTime(now), dbTime(now), limit).QueryRows(&rows)
	if err != nil {
		return nil, fmt.Errorf("external media: due: %w", err)
	}
	return rows, nil
}

// ClaimExternalMedia leases row id to worker until leaseUntil if it is in
// one of statuses, due by now and not under someone else's live lease.
// Only one of any number of concurrent claimers gets true: the check and
// the write are one conditional UPDATE.
func ClaimExternalMedia(ctx context.Context, q orm.QueryExecutor, id int64, worker string, now, leaseUntil time.Time,
	statuses ...string) (bool, error) {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ")
	args := []any{dbTime(leaseUntil), worker, id, dbTime(now), dbTime(now)}
	for _, s := range statuses {
		args = append(args, s)
	}
	res, err := q.RawWithCtx(ctx, `UPDATE external_media SET lease_until = ?, leased_by = ?
		WHERE id = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) AND status IN (`+marks+`)`,
		args...).Exec()
	if err != nil {
		return false, fmt.Errorf("external media: claim %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ExternalMediaOutcome is the end of one attempt at a row.
type ExternalMediaOutcome struct {
	Status      string
	MediaItemID *int64
	LastStatus  *int64
	LastError   *string
	NextAttempt time.Time
	CountTry    bool
}

// FinishExternalMedia records an attempt's outcome and drops the lease, if
// worker still holds it (false otherwise: the lease ran out and someone
// else took the row; their outcome stands).
func FinishExternalMedia(ctx context.Context, q orm.QueryExecutor, id int64, worker string, now time.Time,
	o ExternalMediaOutcome) (bool, error) {
	tries := 0
	if o.CountTry {
		tries = 1
	}
	res, err := q.RawWithCtx(ctx, `UPDATE external_media SET status = ?, media_item_id = ?, attempts = attempts + ?,
		next_attempt_at = ?, last_status = ?, last_error = ?, fetched_at = ?, lease_until = NULL, leased_by = NULL
		WHERE id = ? AND leased_by = ?`, o.Status, orNull(o.MediaItemID), tries, dbTime(o.NextAttempt),
		orNull(o.LastStatus), orNull(o.LastError), dbTime(now), id, worker).Exec()
	if err != nil {
		return false, fmt.Errorf("external media: finish %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseExternalMedia drops worker's lease on id without recording an
// attempt (a run stopped before it finished the row).
func ReleaseExternalMedia(ctx context.Context, q orm.QueryExecutor, id int64, worker string) error {
	_, err := q.RawWithCtx(ctx, "UPDATE external_media SET lease_until = NULL, leased_by = NULL WHERE id = ? AND leased_by = ?",
		id, worker).Exec()
	if err != nil {
		return fmt.Errorf("external media: release %d: %w", id, err)
	}
	return nil
}

// PostSource is what a backup run needs of a post.
type PostSource struct {
	ID           int64  `orm:"column(id)"`
	AuthorID     int64  `orm:"column(author_id)"`
	BodyMarkdown string `orm:"column(body_markdown)"`
}

// PostSourcesAfter lists up to limit posts with ids above after, by id,
// for a run over every post.
func PostSourcesAfter(ctx context.Context, q orm.QueryExecutor, after int64, limit int) ([]PostSource, error) {
	var rows []PostSource
	_, err := q.RawWithCtx(ctx, "SELECT id, author_id, body_markdown FROM posts WHERE id > ? ORDER BY id LIMIT ?",
		after, limit).QueryRows(&rows)
	if err != nil {
		return nil, fmt.Errorf("external media: posts after %d: %w", after, err)
	}
	return rows, nil
}

// SetPostBodyHTML replaces a post's rendered HTML only, leaving
// updated_at alone: a re-render changes no word the author wrote.
func SetPostBodyHTML(ctx context.Context, q orm.QueryExecutor, id int64, bodyHTML string) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE posts SET body_html = ? WHERE id = ?", bodyHTML, id).Exec(); err != nil {
		return fmt.Errorf("posts: set html of %d: %w", id, err)
	}
	return nil
}

// MaxPostID is the highest post id (0 without posts): where the media
// backup worker starts looking for new posts.
func MaxPostID(ctx context.Context, q orm.QueryExecutor) (int64, error) {
	var id *int64
	if err := q.RawWithCtx(ctx, "SELECT MAX(id) FROM posts").QueryRow(&id); err != nil {
		return 0, fmt.Errorf("posts: max id: %w", err)
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}
