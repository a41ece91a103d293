// Package media is the media library: the upload pipeline (type from the
// bytes, pixel cap, EXIF-free re-encoding, thumbnails), the library's rules
// (folders, rename, move, delete, per-owner dedup), the cached listing, the
// handler serving local objects and the reindex that rebuilds the table
// from the bucket. Like posts.Service, a Service holds its database; tests
// build one on SQLite and MariaDB alike, and the bucket is any STORAGE_URL.
package media

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/cache"
	"inkwell/database"
	"inkwell/models"
	"inkwell/storage"
)

// Item is API.md's media object. post_url is an extension: what a post
// shows (the 1280 px rendering of a larger image, else the file itself).
type Item struct {
	ID          int64     `json:"id"`
	Folder      string    `json:"folder"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Width       *int64    `json:"width"`
	Height      *int64    `json:"height"`
	URL         string    `json:"url"`
	ThumbURL    *string   `json:"thumb_url"`
	PostURL     string    `json:"post_url"`
	CreatedAt   time.Time `json:"created_at"`
}

// Options configure a Service.
type Options struct {
	// PublicBase prefixes object keys to make public URLs (PublicBase).
	PublicBase string
	// MaxUploadBytes is MAX_UPLOAD_BYTES (DefaultMaxUploadBytes when 0).
	MaxUploadBytes int64
	// TempDir holds uploads being processed ("" for the system's).
	TempDir string
	// ConcurrentDecodes bounds images decoded and processed at once
	// (GOMAXPROCS when 0: the work is CPU-bound, so more at once would
	// only hold more frames in memory without finishing any sooner).
	ConcurrentDecodes int
	Log               *slog.Logger
}

// Service is the library's rules with what they need: the database, the
// bucket, the listing cache, the pipeline, a logger and a clock.
type Service struct {
	db         *database.DB
	bucket     *storage.Bucket
	cache      cache.Cache
	pipeline   *Pipeline
	publicBase string
	maxUpload  int64
	tempDir    string
	log        *slog.Logger
	now        func() time.Time
}

// NewService returns the library on db over bucket, caching listings in c.
func NewService(db *database.DB, bucket *storage.Bucket, c cache.Cache, opts Options) *Service {
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if opts.ConcurrentDecodes <= 0 {
		opts.ConcurrentDecodes = runtime.GOMAXPROCS(0)
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Service{db: db, bucket: bucket, cache: c, pipeline: NewPipeline(opts.ConcurrentDecodes),
		publicBase: strings.TrimRight(opts.PublicBase, "/"), maxUpload: opts.MaxUploadBytes, tempDir: opts.TempDir,
		log: opts.Log, now: func() time.Time { return time.Now().UTC() }}
}

// PublicBase is where objects are read publicly: MEDIA_PUBLIC_BASE_URL
// when set (a CDN, or the bucket's own address), else the app's /media/
// route for a local folder, else the bucket's address.
func PublicBase(b *storage.Bucket, mediaPublicBaseURL, publicBaseURL string) string {
	switch {
	case mediaPublicBaseURL != "":
		return strings.TrimRight(mediaPublicBaseURL, "/")
	case b.Local():
		return strings.TrimRight(publicBaseURL, "/") + strings.TrimRight(RoutePrefix, "/")
	default:
		return b.PublicBase()
	}
}

// MaxUploadBytes is the upload limit the HTTP layer applies to the body.
func (s *Service) MaxUploadBytes() int64 { return s.maxUpload }

// Spool receives a file for Upload (UploadInput.Spooled) with the
// service's limit and temporary folder.
func (s *Service) Spool(r io.Reader) (*Upload, error) { return Spool(r, s.maxUpload, s.tempDir) }

func (s *Service) url(key string) string { return s.publicBase + "/" + key }

func (s *Service) toItem(m *models.MediaItem) Item {
	it := Item{ID: m.ID, Folder: m.Folder, Name: m.Name, ContentType: m.ContentType, Size: m.Bytes,
		Width: m.Width, Height: m.Height, URL: s.url(m.StorageKey), CreatedAt: m.CreatedAt.UTC()}
	it.PostURL = it.URL
	if m.ThumbKey != nil {
		u := s.url(*m.ThumbKey)
		it.ThumbURL = &u
	}
	if m.PostKey != nil {
		it.PostURL = s.url(*m.PostKey)
	}
	return it
}

// objectBase is the key of an owner's content without its extension:
// u/{owner}/{sha[:2]}/{sha}. The two-character level keeps local folders
// small.
func objectBase(owner int64, sha string) string {
	return "u/" + strconv.FormatInt(owner, 10) + "/" + sha[:2] + "/" + sha
}

// indexKey holds an item's place in the library (folder, name, …) for
// reindex. It lives outside u/ so a bucket can publish u/ and keep the
// names and folders of people's files private.
func indexKey(storageKey string) string {
	return "index/" + strings.TrimSuffix(storageKey, "."+extOf(storageKey)) + ".json"
}

func extOf(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return ""
}

// UploadInput is one file for the library.
type UploadInput struct {
	Owner  int64
	Folder string
	// Name is shown in the library; "" names the item after its content.
	Name string
	Body io.Reader
	// Spooled, when set, is used instead of Body: a multipart request may
	// carry the file before the folder and name fields, so the HTTP layer
	// spools the file part (Spool, with the same limit) as it meets it.
	// The caller closes it.
	Spooled *Upload
	// Source is models.MediaFromUpload (default) or MediaFromBackup.
	Source string
}

// Upload adds a file to owner's library: spooled to a temporary file (at
// most MaxUploadBytes read), checked and processed by the pipeline, its
// objects stored and its row inserted. The same bytes uploaded again by
// the same owner give the existing item and created=false.
func (s *Service) Upload(ctx context.Context, in UploadInput) (*Item, bool, error) {
	o := s.db.Orm()
	fields := map[string]string{}
	folder, why := NormalizeFolder(in.Folder)
	if why != "" {
		fields["folder"] = why
	}
	name := ""
	if strings.TrimSpace(in.Name) != "" {
		if name, why = NormalizeName(in.Name); why != "" {
			fields["name"] = why
		}
	}
	if len(fields) > 0 {
		return nil, false, apperror.Validation(fields)
	}
	if in.Source == "" {
		in.Source = models.MediaFromUpload
	}

	up := in.Spooled
	if up == nil {
		var err error
		if up, err = Spool(in.Body, s.maxUpload, s.tempDir); err != nil {
			return nil, false, err
		}
		defer func() { _ = up.Close() }() // a leftover temp file does not change the result
	}
	sha := hex.EncodeToString(up.SHA256[:])
	if existing, err := models.MediaItemBySHA256(ctx, o, in.Owner, sha); err == nil {
		it := s.toItem(existing)
		return &it, false, nil
	} else if !errors.Is(err, models.ErrNotFound) {
		return nil, false, err
	}

	res, err := s.pipeline.Process(ctx, up)
	if err != nil {
		return nil, false, err
	}
	if name == "" {
		name = sha[:12] + "." + res.Ext
	}
	base := objectBase(in.Owner, sha)
	row := &models.MediaItem{OwnerID: in.Owner, Folder: folder, Name: name, SHA256: sha, StorageKey: base + "." + res.Ext,
		ContentType: res.ContentType, Bytes: res.Size, Source: in.Source, CreatedAt: s.now().Truncate(time.Microsecond)}
	if res.Image {
		w, h := int64(res.Width), int64(res.Height)
		row.Width, row.Height = &w, &h
	}
	if res.Thumb != nil {
		k := base + res.Thumb.Suffix + ".jpg"
		row.ThumbKey = &k
	}
	if res.Post != nil {
		k := base + res.Post.Suffix + ".jpg"
		row.PostKey = &k
	}

	duplicate := false
	err = models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		row.ID = 0
		if err := models.InsertMediaItem(ctx, tx, row); err != nil {
			if models.IsDuplicate(err) {
				duplicate = true
			}
			return err
		}
		// The objects are written while the row's insert is uncommitted: a
		// concurrent delete of the same key (which removes objects inside
		// its own transaction) is ordered before or after this one by the
		// database, never between the objects and the row.
		return s.putObjects(ctx, row, res)
	})
	if duplicate {
		// The same bytes arrived twice at once; the other upload won.
		existing, err := models.MediaItemBySHA256(ctx, o, in.Owner, sha)
		if err != nil {
			return nil, false, err
		}
		it := s.toItem(existing)
		return &it, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	s.invalidate(ctx, in.Owner)
	it := s.toItem(row)
	return &it, true, nil
}

// objectMetadata is written on every original object: enough to rebuild
// its row when the database is lost (the folder and name are in the index
// record, which can be kept private).
func objectMetadata(m *models.MediaItem) map[string]string {
	md := map[string]string{"owner": strconv.FormatInt(m.OwnerID, 10), "sha256": m.SHA256, "source": m.Source,
		"created-at": m.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if m.Width != nil && m.Height != nil {
		md["width"] = strconv.FormatInt(*m.Width, 10)
		md["height"] = strconv.FormatInt(*m.Height, 10)
	}
	return md
}

// ObjectCacheControl is sent with every object: keys are content-addressed,
// so an object never changes under its key.
const ObjectCacheControl = "public, max-age=31536000, immutable"

func (s *Service) putObjects(ctx context.Context, row *models.MediaItem, res *Result) error {
	if _, err := res.Body.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("media: rewind upload: %w", err)
	}
	if err := s.bucket.Put(ctx, row.StorageKey, res.Body, storage.Attrs{ContentType: row.ContentType,
		CacheControl: ObjectCacheControl, Metadata: objectMetadata(row)}); err != nil {
		return err
	}
	for _, v := range []struct {
		key *string
		v   *Variant
	}{{row.ThumbKey, res.Thumb}, {row.PostKey, res.Post}} {
		if v.key == nil {
			continue
		}
		if err := s.bucket.Put(ctx, *v.key, bytes.NewReader(v.v.Data), storage.Attrs{ContentType: "image/jpeg",
			CacheControl: ObjectCacheControl}); err != nil {
			return err
		}
	}
	return s.writeIndex(ctx, row)
}

// indexRecord is an item's place in the library, kept beside its objects
// for reindex.
type indexRecord struct {
	Owner       int64     `json:"owner"`
	Folder      string    `json:"folder"`
	Name        string    `json:"name"`
	SHA256      string    `json:"sha256"`
	StorageKey  string    `json:"storage_key"`
	ThumbKey    *string   `json:"thumb_key"`
	PostKey     *string   `json:"post_key"`
	ContentType string    `json:"content_type"`
	Bytes       int64     `json:"bytes"`
	Width       *int64    `json:"width"`
	Height      *int64    `json:"height"`
	Source      string    `json:"source"`
	CreatedAt   time.Time `json:"created_at"`
}

func (s *Service) writeIndex(ctx context.Context, m *models.MediaItem) error {
	rec, err := json.Marshal(indexRecord{Owner: m.OwnerID, Folder: m.Folder, Name: m.Name, SHA256: m.SHA256,
		StorageKey: m.StorageKey, ThumbKey: m.ThumbKey, PostKey: m.PostKey, ContentType: m.ContentType, Bytes: m.Bytes,
		Width: m.Width, Height: m.Height, Source: m.Source, CreatedAt: m.CreatedAt.UTC()})
	if err != nil {
		return err
	}
	return s.bucket.Put(ctx, indexKey(m.StorageKey), bytes.NewReader(rec), storage.Attrs{ContentType: "application/json"})
}

// Get returns owner's item id; anyone else's is not found.
func (s *Service) Get(ctx context.Context, owner, id int64) (*Item, error) {
	o := s.db.Orm()
	m, err := models.MediaItemByID(ctx, o, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && m.OwnerID != owner) {
		return nil, apperror.NotFound("no such media item")
	}
	if err != nil {
		return nil, err
	}
	it := s.toItem(m)
	return &it, nil
}

// Patch is PATCH /api/v1/media/{id}: nil leaves a field as it is.
type Patch struct {
	Name   *string `json:"name"`
	Folder *string `json:"folder"`
}

// Update renames and/or moves owner's item id. Only its row and index
// record change; its objects stay where they are.
func (s *Service) Update(ctx context.Context, owner, id int64, p Patch) (*Item, error) {
	o := s.db.Orm()
	fields := map[string]string{}
	var name, folder string
	var why string
	if p.Name != nil {
		if name, why = NormalizeName(*p.Name); why != "" {
			fields["name"] = why
		}
	}
	if p.Folder != nil {
		if folder, why = NormalizeFolder(*p.Folder); why != "" {
			fields["folder"] = why
		}
	}
	if len(fields) > 0 {
		return nil, apperror.Validation(fields)
	}
	var out *models.MediaItem
	err := models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		m, err := models.MediaItemForUpdate(ctx, tx, id)
		if errors.Is(err, models.ErrNotFound) || (err == nil && m.OwnerID != owner) {
			return apperror.NotFound("no such media item")
		}
		if err != nil {
			return err
		}
		if p.Name != nil {
			m.Name = name
		}
		if p.Folder != nil {
			m.Folder = folder
		}
		if err := models.UpdateMediaPlace(ctx, tx, id, m.Folder, m.Name); err != nil {
			return err
		}
		out = m
		return s.writeIndex(ctx, m)
	})
	if err != nil {
		return nil, err
	}
	s.invalidate(ctx, owner)
	it := s.toItem(out)
	return &it, nil
}

// Delete removes owner's item id (anyone else's is not found). Its objects
// go too, unless another row still names them; they are removed inside the
// transaction, so a concurrent upload of the same bytes (which writes its
// objects inside its own) comes entirely before or after.
func (s *Service) Delete(ctx context.Context, owner, id int64) error {
	o := s.db.Orm()
	err := models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		m, err := models.MediaItemForUpdate(ctx, tx, id)
		if errors.Is(err, models.ErrNotFound) || (err == nil && m.OwnerID != owner) {
			return apperror.NotFound("no such media item")
		}
		if err != nil {
			return err
		}
		if _, err := models.DeleteMediaItem(ctx, tx, id); err != nil {
			return err
		}
		inUse, err := models.MediaKeyInUse(ctx, tx, m.StorageKey)
		if err != nil || inUse {
			return err
		}
		for _, k := range []*string{&m.StorageKey, m.ThumbKey, m.PostKey} {
			if k != nil {
				if err := s.bucket.Delete(ctx, *k); err != nil {
					return err
				}
			}
		}
		return s.bucket.Delete(ctx, indexKey(m.StorageKey))
	})
	if err != nil {
		return err
	}
	s.invalidate(ctx, owner)
	return nil
}
