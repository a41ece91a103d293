package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"inkwell/models"
	"inkwell/storage"
)

// ReindexReport counts what a reindex found.
type ReindexReport struct {
	// Objects is the number of originals in the bucket.
	Objects int `json:"objects"`
	// Restored rows were missing and are back; Present were already there.
	Restored int `json:"restored"`
	Present  int `json:"present"`
	// WithoutIndex originals had no index record: restored into the root
	// folder, named after their content.
	WithoutIndex int `json:"without_index"`
	// NoOwner originals belong to a user the database does not have; they
	// are left alone.
	NoOwner int `json:"no_owner"`
	// Unreadable originals lack the metadata to rebuild their row.
	Unreadable int `json:"unreadable"`
}

// Reindex rebuilds the media_items table from the bucket (disaster
// recovery): every original object under u/ whose owner has no row for its
// content gets one, from the item's index record (folder, name, …) or,
// failing that, from the object's own metadata. Rows that exist are left
// as they are, so running it twice changes nothing the second time. Ids
// are new; URLs are the same, since they are made of the keys.
func (s *Service) Reindex(ctx context.Context, log func(format string, args ...any)) (ReindexReport, error) {
	o := s.db.Orm()
	var rep ReindexReport
	touched := map[int64]bool{}
	err := s.bucket.Walk(ctx, "u/", func(obj storage.Object) error {
		m := objectKeyRE.FindStringSubmatch(obj.Key)
		if len(m) == 0 || m[2] != "" {
			return nil // thumbnails, post renderings, strangers
		}
		rep.Objects++
		row, fromIndex, err := s.rowFor(ctx, obj)
		if err != nil {
			rep.Unreadable++
			log("skip %s: %v", obj.Key, err)
			return nil
		}
		if _, err := models.MediaItemBySHA256(ctx, o, row.OwnerID, row.SHA256); err == nil {
			rep.Present++
			return nil
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
		ok, err := models.UserExists(ctx, o, row.OwnerID)
		if err != nil {
			return err
		}
		if !ok {
			rep.NoOwner++
			log("skip %s: user %d does not exist", obj.Key, row.OwnerID)
			return nil
		}
		if err := models.InsertMediaItem(ctx, o, row); err != nil {
			if models.IsDuplicate(err) {
				rep.Present++
				return nil
			}
			return err
		}
		rep.Restored++
		if !fromIndex {
			rep.WithoutIndex++
		}
		touched[row.OwnerID] = true
		return nil
	})
	for owner := range touched {
		s.invalidate(ctx, owner)
	}
	return rep, err
}

// rowFor rebuilds the row of an original object: from its index record
// when there is one, else from the object's metadata.
func (s *Service) rowFor(ctx context.Context, obj storage.Object) (*models.MediaItem, bool, error) {
	m := objectKeyRE.FindStringSubmatch(obj.Key)
	kind, _ := KindByExt(m[3])
	data, err := s.bucket.ReadAll(ctx, indexKey(obj.Key))
	if err == nil {
		var rec indexRecord
		if err := json.Unmarshal(data, &rec); err != nil {
			return nil, false, fmt.Errorf("index record: %w", err)
		}
		if rec.StorageKey != obj.Key || rec.SHA256 != m[1] {
			return nil, false, fmt.Errorf("index record names %s", rec.StorageKey)
		}
		return &models.MediaItem{OwnerID: rec.Owner, Folder: rec.Folder, Name: rec.Name, SHA256: rec.SHA256,
			StorageKey: rec.StorageKey, ThumbKey: rec.ThumbKey, PostKey: rec.PostKey, ContentType: kind.ContentType,
			Bytes: obj.Size, Width: rec.Width, Height: rec.Height, Source: rec.Source, CreatedAt: rec.CreatedAt}, true, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return nil, false, err
	}
	attrs, err := s.bucket.Attributes(ctx, obj.Key)
	if err != nil {
		return nil, false, err
	}
	md := attrs.Metadata
	owner, err := strconv.ParseInt(md["owner"], 10, 64)
	if err != nil || md["sha256"] != m[1] {
		return nil, false, fmt.Errorf("object metadata lacks its owner or hash")
	}
	row := &models.MediaItem{OwnerID: owner, Name: m[1][:12] + "." + m[3], SHA256: m[1], StorageKey: obj.Key,
		ContentType: kind.ContentType, Bytes: obj.Size, Source: models.MediaFromReindex, CreatedAt: obj.ModTime.UTC()}
	if t, err := time.Parse(time.RFC3339Nano, md["created-at"]); err == nil {
		row.CreatedAt = t
	}
	if w, err := strconv.ParseInt(md["width"], 10, 64); err == nil {
		h, _ := strconv.ParseInt(md["height"], 10, 64)
		row.Width, row.Height = &w, &h
	}
	base := obj.Key[:len(obj.Key)-len(m[3])-1]
	for _, v := range []struct {
		key **string
		s   string
	}{{&row.ThumbKey, fmt.Sprintf("%s_w%d.jpg", base, ThumbSide)}, {&row.PostKey, fmt.Sprintf("%s_w%d.jpg", base, PostSide)}} {
		if ok, err := s.bucket.Exists(ctx, v.s); err == nil && ok {
			k := v.s
			*v.key = &k
		}
	}
	return row, false, nil
}
