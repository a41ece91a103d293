package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

func init() { orm.RegisterModel(new(MediaItem)) }

// Sources of a media item.
const (
	MediaFromUpload  = "upload"
	MediaFromBackup  = "backup"
	MediaFromReindex = "reindex"
)

// MediaItem is one file of a user's media library: where its objects are
// and how the library shows it.
type MediaItem struct {
	ID          int64     `orm:"column(id);pk;auto"`
	OwnerID     int64     `orm:"column(owner_id)"`
	Folder      string    `orm:"column(folder);size(330)"`
	Name        string    `orm:"column(name);size(200)"`
	SHA256      string    `orm:"column(sha256);size(64)"`
	StorageKey  string    `orm:"column(storage_key);size(200)"`
	ThumbKey    *string   `orm:"column(thumb_key);size(200);null"`
	PostKey     *string   `orm:"column(post_key);size(200);null"`
	ContentType string    `orm:"column(content_type);size(32)"`
	Bytes       int64     `orm:"column(bytes)"`
	Width       *int64    `orm:"column(width);null"`
	Height      *int64    `orm:"column(height);null"`
	Source      string    `orm:"column(source);size(16)"`
	CreatedAt   time.Time `orm:"column(created_at);type(datetime)"`
}

// TableName binds MediaItem to media_items.
func (m *MediaItem) TableName() string { return "media_items" }

const mediaColumns = `id, owner_id, folder, name, sha256, storage_key, thumb_key, post_key, content_type, bytes,
	width, height, source, created_at`

// InsertMediaItem stores a new item and sets its id. The same bytes
// stored twice by one owner fail with a duplicate error (IsDuplicate).
func InsertMediaItem(ctx context.Context, q orm.QueryExecutor, m *MediaItem) error {
	res, err := q.RawWithCtx(ctx, `INSERT INTO media_items (owner_id, folder, name, sha256, storage_key, thumb_key, post_key,
		content_type, bytes, width, height, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.OwnerID, m.Folder, m.Name, m.SHA256, m.StorageKey, orNull(m.ThumbKey), orNull(m.PostKey),
		m.ContentType, m.Bytes, orNull(m.Width), orNull(m.Height), m.Source, dbTime(m.CreatedAt)).Exec()
	if err != nil {
		return fmt.Errorf("media: insert for owner %d: %w", m.OwnerID, err)
	}
	if m.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("media: id of new item: %w", err)
	}
	return nil
}

// orNull passes a nil pointer as SQL NULL (Beego's raw queries cannot
// take a typed nil pointer).
func orNull[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func oneMediaItem(ctx context.Context, q orm.QueryExecutor, where string, args ...any) (*MediaItem, error) {
	var rows []MediaItem
	if _, err := q.RawWithCtx(ctx, "SELECT "+mediaColumns+" FROM media_items WHERE "+where, args...).QueryRows(&rows); err != nil {
		return nil, fmt.Errorf("media: load item: %w", err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return &rows[0], nil
}

// MediaItemByID loads an item, or ErrNotFound.
func MediaItemByID(ctx context.Context, q orm.QueryExecutor, id int64) (*MediaItem, error) {
	return oneMediaItem(ctx, q, "id = ?", id)
}

// MediaItemForUpdate loads an item and, on MySQL, locks its row until the
// transaction ends, so a rename and a delete of one item queue instead of
// the rename rewriting the index record of an item just deleted. SQLite
// serializes write transactions and needs no row lock.
func MediaItemForUpdate(ctx context.Context, q orm.QueryExecutor, id int64) (*MediaItem, error) {
	where := "id = ?"
	if isMySQL(q) {
		where += " FOR UPDATE"
	}
	return oneMediaItem(ctx, q, where, id)
}

// MediaItemBySHA256 loads owner's item of the given content, or ErrNotFound.
func MediaItemBySHA256(ctx context.Context, q orm.QueryExecutor, owner int64, sha string) (*MediaItem, error) {
	return oneMediaItem(ctx, q, "owner_id = ? AND sha256 = ?", owner, sha)
}

// MediaPage lists owner's items directly in folder, newest first, with
// ids below before (0 for the first page).
func MediaPage(ctx context.Context, q orm.QueryExecutor, owner int64, folder string, before int64, limit int) ([]MediaItem, error) {
	query := "SELECT " + mediaColumns + " FROM media_items WHERE owner_id = ? AND folder = ?"
	args := []any{owner, folder}
	if before > 0 {
		query += " AND id < ?"
		args = append(args, before)
	}
	query += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	var rows []MediaItem
	if _, err := q.RawWithCtx(ctx, query, args...).QueryRows(&rows); err != nil {
		return nil, fmt.Errorf("media: page of owner %d: %w", owner, err)
	}
	return rows, nil
}

// MediaFoldersUnder returns the distinct folders of owner's items that
// are parent or below it ("" for the whole library), sorted.
func MediaFoldersUnder(ctx context.Context, q orm.QueryExecutor, owner int64, parent string) ([]string, error) {
	query := "SELECT DISTINCT folder FROM media_items WHERE owner_id = ?"
	args := []any{owner}
	if parent != "" {
		// '_' is a LIKE wildcard and a legal folder character: escape it.
		query += ` AND folder LIKE ? ESCAPE '!'`
		args = append(args, likeEscaper.Replace(parent)+"/%")
	}
	query += " ORDER BY folder"
	var folders []string
	if _, err := q.RawWithCtx(ctx, query, args...).QueryRows(&folders); err != nil {
		return nil, fmt.Errorf("media: folders of owner %d: %w", owner, err)
	}
	return folders, nil
}

var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// UpdateMediaPlace renames and/or moves an item.
func UpdateMediaPlace(ctx context.Context, q orm.QueryExecutor, id int64, folder, name string) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE media_items SET folder = ?, name = ? WHERE id = ?", folder, name, id).Exec(); err != nil {
		return fmt.Errorf("media: update item %d: %w", id, err)
	}
	return nil
}

// DeleteMediaItem removes an item's row and reports whether there was one.
func DeleteMediaItem(ctx context.Context, q orm.QueryExecutor, id int64) (bool, error) {
	res, err := q.RawWithCtx(ctx, "DELETE FROM media_items WHERE id = ?", id).Exec()
	if err != nil {
		return false, fmt.Errorf("media: delete item %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// MediaKeyInUse reports whether any item still names key as its object.
func MediaKeyInUse(ctx context.Context, q orm.QueryExecutor, key string) (bool, error) {
	var n int64
	err := q.RawWithCtx(ctx, "SELECT COUNT(*) FROM media_items WHERE storage_key = ?", key).QueryRow(&n)
	if err != nil && !errors.Is(err, orm.ErrNoRows) {
		return false, fmt.Errorf("media: references to %s: %w", key, err)
	}
	return n > 0, nil
}

// UserExists reports whether id is a user (the media reindex skips
// objects of owners the database no longer has).
func UserExists(ctx context.Context, q orm.QueryExecutor, id int64) (bool, error) {
	var n int64
	if err := q.RawWithCtx(ctx, "SELECT COUNT(*) FROM users WHERE id = ?", id).QueryRow(&n); err != nil {
		return false, fmt.Errorf("users: exists %d: %w", id, err)
	}
	return n > 0, nil
}
