package models

import (
	"context"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// InsertPostCollaborator lets userID edit postID and reports whether a row
// was added (an existing invitation is left alone).
func InsertPostCollaborator(ctx context.Context, q orm.QueryExecutor, postID, userID int64, at time.Time) (bool, error) {
	query := "INSERT INTO post_collaborators (post_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (post_id, user_id) DO NOTHING"
	if isMySQL(q) {
		query = "INSERT INTO post_collaborators (post_id, user_id, created_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE post_id = post_id"
	}
	res, err := q.RawWithCtx(ctx, query, postID, userID, dbTime(at)).Exec()
	if err != nil {
		return false, fmt.Errorf("collaborators: add user %d to post %d: %w", userID, postID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("collaborators: add user %d to post %d: rows affected: %w", userID, postID, err)
	}
	return n == 1, nil
}

// DeletePostCollaborator takes userID off postID and reports whether it was on.
func DeletePostCollaborator(ctx context.Context, q orm.QueryExecutor, postID, userID int64) (bool, error) {
	res, err := q.RawWithCtx(ctx, "DELETE FROM post_collaborators WHERE post_id = ? AND user_id = ?", postID, userID).Exec()
	if err != nil {
		return false, fmt.Errorf("collaborators: remove user %d from post %d: %w", userID, postID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("collaborators: remove user %d from post %d: rows affected: %w", userID, postID, err)
	}
	return n == 1, nil
}

// IsPostCollaborator reports whether userID may edit postID as a collaborator.
func IsPostCollaborator(ctx context.Context, q orm.QueryExecutor, postID, userID int64) (bool, error) {
	var n int64
	err := q.RawWithCtx(ctx, "SELECT COUNT(*) FROM post_collaborators WHERE post_id = ? AND user_id = ?", postID, userID).QueryRow(&n)
	if err != nil {
		return false, fmt.Errorf("collaborators: is user %d on post %d: %w", userID, postID, err)
	}
	return n > 0, nil
}

// PostCollaboratorIDs lists the users invited to edit postID, oldest first.
func PostCollaboratorIDs(ctx context.Context, q orm.QueryExecutor, postID int64) ([]int64, error) {
	var ids []int64
	_, err := q.RawWithCtx(ctx, "SELECT user_id FROM post_collaborators WHERE post_id = ? ORDER BY created_at, user_id", postID).QueryRows(&ids)
	if err != nil {
		return nil, fmt.Errorf("collaborators: list post %d: %w", postID, err)
	}
	return ids, nil
}

// PostEditAccess is what deciding who may edit a post needs.
type PostEditAccess struct {
	AuthorID int64  `orm:"column(author_id)"`
	Status   string `orm:"column(status)"`
	// IsCollaborator says whether the asking user is invited.
	IsCollaborator bool `orm:"column(is_collaborator)"`
}

// PostEditAccessFor loads postID's author and status and whether userID
// collaborates on it, in one statement.
func PostEditAccessFor(ctx context.Context, q orm.QueryExecutor, postID, userID int64) (*PostEditAccess, error) {
	var rows []PostEditAccess
	_, err := q.RawWithCtx(ctx, `SELECT p.author_id, p.status,
		CASE WHEN c.user_id IS NULL THEN 0 ELSE 1 END AS is_collaborator
		FROM posts p LEFT JOIN post_collaborators c ON c.post_id = p.id AND c.user_id = ?
		WHERE p.id = ?`, userID, postID).QueryRows(&rows)
	if err != nil {
		return nil, fmt.Errorf("collaborators: access of user %d to post %d: %w", userID, postID, err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// LiveText is where a post's live session starts: its body and the live
// revision the body was saved at (0 when never saved live), and its status.
func LiveText(ctx context.Context, q orm.QueryExecutor, postID int64) (body string, rev int64, status string, err error) {
	var rows []struct {
		Body   string `orm:"column(body_markdown)"`
		Rev    int64  `orm:"column(rev)"`
		Status string `orm:"column(status)"`
	}
	_, err = q.RawWithCtx(ctx, `SELECT p.body_markdown, COALESCE(r.rev, 0) AS rev, p.status
		FROM posts p LEFT JOIN post_live_revisions r ON r.post_id = p.id WHERE p.id = ?`, postID).QueryRows(&rows)
	if err != nil {
		return "", 0, "", fmt.Errorf("live: load text of post %d: %w", postID, err)
	}
	if len(rows) == 0 {
		return "", 0, "", ErrNotFound
	}
	return rows[0].Body, rows[0].Rev, rows[0].Status, nil
}

// SetDraftLiveBody writes a live save's body into post id only while the
// post is a draft (the condition is in the UPDATE, so a save racing a
// publication can never write into the published post), and reports
// whether it did.
func SetDraftLiveBody(ctx context.Context, q orm.QueryExecutor, id int64, markdown, html string, at time.Time) (bool, error) {
	res, err := q.RawWithCtx(ctx, "UPDATE posts SET body_markdown = ?, body_html = ?, updated_at = ? WHERE id = ? AND status = ?",
		markdown, html, dbTime(at), id, PostDraft).Exec()
	if err != nil {
		return false, fmt.Errorf("live: save body of post %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("live: save body of post %d: %w", id, err)
	}
	return n == 1, nil
}

// RaiseLiveRevision records that postID's body is saved at live revision
// rev, unless a higher or equal one is recorded, and reports whether it did.
// The live saver calls it in the transaction that writes the body and
// writes the body only when it returns true, so saves arriving out of order
// from several replicas never take the text back.
func RaiseLiveRevision(ctx context.Context, q orm.QueryExecutor, postID, rev int64, at time.Time) (bool, error) {
	for attempt := 0; attempt < 2; attempt++ {
		res, err := q.RawWithCtx(ctx, "UPDATE post_live_revisions SET rev = ?, updated_at = ? WHERE post_id = ? AND rev < ?",
			rev, dbTime(at), postID, rev).Exec()
		if err != nil {
			return false, fmt.Errorf("live: raise revision of post %d to %d: %w", postID, rev, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return n == 1, err
		}
		var exists int64
		if err := q.RawWithCtx(ctx, "SELECT COUNT(*) FROM post_live_revisions WHERE post_id = ?", postID).QueryRow(&exists); err != nil {
			return false, fmt.Errorf("live: revision of post %d: %w", postID, err)
		}
		if exists > 0 {
			return false, nil // at rev or above already
		}
		_, err = q.RawWithCtx(ctx, "INSERT INTO post_live_revisions (post_id, rev, updated_at) VALUES (?, ?, ?)",
			postID, rev, dbTime(at)).Exec()
		if err == nil {
			return true, nil
		}
		if !IsDuplicate(err) {
			return false, fmt.Errorf("live: first revision of post %d: %w", postID, err)
		}
		// A concurrent first save inserted the row: compare with it.
	}
	return false, nil
}
