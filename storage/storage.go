// Package storage keeps blobs (media files and their index records) in the
// place STORAGE_URL names: a local folder (file://…, the default) or an
// S3-compatible bucket (s3://bucket/prefix?endpoint=…&region=…). Both go
// through gocloud.dev/blob, so the rest of Inkwell sees one interface.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
)

// ErrNotFound is returned for a key that holds no object.
var ErrNotFound = errors.New("storage: no such object")

// Bucket is an opened STORAGE_URL.
type Bucket struct {
	b *blob.Bucket
	// local is true for file://: the app itself serves public reads.
	local bool
	// publicBase is where the bucket's objects are readable over HTTP
	// ("" for file://, which the app serves).
	publicBase string
	location   string
}

// Attrs describe an object.
type Attrs struct {
	ContentType  string
	CacheControl string
	// Metadata keys are lower-case ASCII; values any UTF-8 (escaped on S3).
	Metadata map[string]string
	Size     int64
	ModTime  time.Time
}

// Open opens STORAGE_URL: file://relative/dir, file:///abs/dir, a bare
// path, or s3://bucket[/prefix]?region=&endpoint=&use_path_style=.
func Open(ctx context.Context, rawURL string) (*Bucket, error) {
	if strings.HasPrefix(rawURL, "s3://") {
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, fmt.Errorf("storage: STORAGE_URL: %w", err)
		}
		loc, err := ParseS3URL(u)
		if err != nil {
			return nil, err
		}
		return OpenS3(ctx, loc)
	}
	if strings.Contains(rawURL, "://") && !strings.HasPrefix(rawURL, "file://") {
		return nil, fmt.Errorf("storage: STORAGE_URL %q: want file:// or s3://", rawURL)
	}
	return OpenDir(strings.TrimPrefix(rawURL, "file://"))
}

// OpenDir opens a local folder, creating it when missing.
func OpenDir(dir string) (*Bucket, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage: folder %q: %w", dir, err)
	}
	// NoTempDir: temporary files go next to their object, so the final
	// rename never crosses a mount point (data/ is usually its own volume).
	b, err := fileblob.OpenBucket(abs, &fileblob.Options{CreateDir: true, NoTempDir: true, DirFileMode: 0o750})
	if err != nil {
		return nil, fmt.Errorf("storage: open folder %s: %w", abs, err)
	}
	return &Bucket{b: b, local: true, location: "file://" + filepath.ToSlash(abs)}, nil
}

// OpenS3 opens a bucket through the shared S3 client configuration.
func OpenS3(ctx context.Context, loc S3Location) (*Bucket, error) {
	client, err := NewS3Client(ctx, loc)
	if err != nil {
		return nil, err
	}
	b, err := s3blob.OpenBucket(ctx, client, loc.Bucket, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: open s3://%s: %w", loc.Bucket, err)
	}
	if loc.Prefix != "" {
		if !strings.HasSuffix(loc.Prefix, "/") {
			loc.Prefix += "/"
		}
		b = blob.PrefixedBucket(b, loc.Prefix)
	}
	return &Bucket{b: b, publicBase: loc.PublicBase(), location: "s3://" + loc.Bucket + "/" + loc.Prefix}, nil
}

// Local reports whether the objects live in a local folder (and are
// served by the app rather than by the bucket).
func (b *Bucket) Local() bool { return b.local }

// PublicBase is the bucket's own HTTP address for public reads, "" for a
// local folder.
func (b *Bucket) PublicBase() string { return b.publicBase }

// Location names the bucket for logs, without credentials.
func (b *Bucket) Location() string { return b.location }

// Put stores r under key with attrs (ContentType, CacheControl, Metadata),
// replacing any object there. The object appears whole or not at all.
// Without a ContentType the object is application/octet-stream: the bytes
// are never sniffed.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader, attrs Attrs) error {
	if attrs.ContentType == "" {
		attrs.ContentType = "application/octet-stream"
	}
	opts := &blob.WriterOptions{ContentType: attrs.ContentType, CacheControl: attrs.CacheControl, Metadata: attrs.Metadata}
	if err := b.b.Upload(ctx, key, r, opts); err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	return nil
}

// Reader is an object being read; it seeks, so HTTP ranges work.
type Reader = blob.Reader

// Open reads the object at key; ErrNotFound when there is none.
func (b *Bucket) Open(ctx context.Context, key string) (*Reader, error) {
	r, err := b.b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, b.wrap("open", key, err)
	}
	return r, nil
}

// ReadAll reads a small object whole.
func (b *Bucket) ReadAll(ctx context.Context, key string) ([]byte, error) {
	data, err := b.b.ReadAll(ctx, key)
	if err != nil {
		return nil, b.wrap("read", key, err)
	}
	return data, nil
}

// Attributes returns what is known of the object at key.
func (b *Bucket) Attributes(ctx context.Context, key string) (Attrs, error) {
	a, err := b.b.Attributes(ctx, key)
	if err != nil {
		return Attrs{}, b.wrap("attributes of", key, err)
	}
	return Attrs{ContentType: a.ContentType, CacheControl: a.CacheControl, Metadata: a.Metadata, Size: a.Size, ModTime: a.ModTime}, nil
}

// Exists reports whether key holds an object.
func (b *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	ok, err := b.b.Exists(ctx, key)
	if err != nil {
		return false, fmt.Errorf("storage: exists %s: %w", key, err)
	}
	return ok, nil
}

// Delete removes the object at key; a missing object is not an error, so
// a delete that is run again finishes what the first one started.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	err := b.b.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("storage: delete %s: %w", key, err)
	}
	return nil
}

// Object is one listed object.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Walk calls fn for every object whose key starts with prefix, in key
// order, page by page (never the whole listing in memory).
func (b *Bucket) Walk(ctx context.Context, prefix string, fn func(Object) error) error {
	it := b.b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("storage: list %s: %w", prefix, err)
		}
		if b.local && strings.HasSuffix(obj.Key, ".tmp") {
			// A write interrupted by a crash leaves its temporary file.
			continue
		}
		if err := fn(Object{Key: obj.Key, Size: obj.Size, ModTime: obj.ModTime}); err != nil {
			return err
		}
	}
}

// Close releases the bucket.
func (b *Bucket) Close() error { return b.b.Close() }

func (b *Bucket) wrap(op, key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("storage: %s %s: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("storage: %s %s: %w", op, key, err)
}
