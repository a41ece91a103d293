package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/storage"
	"inkwell/storage/storagetest"
)

func TestBucket_PutOpenAttributesDelete(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b *storage.Bucket) {
		ctx := context.Background()
		data := bytes.Repeat([]byte("inkwell"), 1000)
		md := map[string]string{"owner": "7", "name": "Café menu.jpg"}
		require.NoError(t, b.Put(ctx, "u/7/ab/abc.jpg", bytes.NewReader(data), storage.Attrs{ContentType: "image/jpeg", Metadata: md}))

		r, err := b.Open(ctx, "u/7/ab/abc.jpg")
		require.NoError(t, err)
		// Seeking is what lets the media handler answer HTTP ranges.
		_, err = r.Seek(7, io.SeekStart)
		require.NoError(t, err)
		rest, err := io.ReadAll(r)
		require.NoError(t, err)
		require.NoError(t, r.Close())
		assert.Equal(t, data[7:], rest)

		attrs, err := b.Attributes(ctx, "u/7/ab/abc.jpg")
		require.NoError(t, err)
		assert.Equal(t, "image/jpeg", attrs.ContentType)
		assert.Equal(t, int64(len(data)), attrs.Size)
		assert.Equal(t, md, attrs.Metadata, "metadata (non-ASCII too) survives the round trip")

		ok, err := b.Exists(ctx, "u/7/ab/abc.jpg")
		require.NoError(t, err)
		assert.True(t, ok)

		require.NoError(t, b.Delete(ctx, "u/7/ab/abc.jpg"))
		require.NoError(t, b.Delete(ctx, "u/7/ab/abc.jpg"), "deleting a missing object is not an error")
		_, err = b.Open(ctx, "u/7/ab/abc.jpg")
		assert.True(t, errors.Is(err, storage.ErrNotFound), "%v", err)
		_, err = b.Attributes(ctx, "u/7/ab/abc.jpg")
		assert.True(t, errors.Is(err, storage.ErrNotFound), "%v", err)
		ok, err = b.Exists(ctx, "u/7/ab/abc.jpg")
		require.NoError(t, err)
		assert.False(t, ok)
	})
}

func TestBucket_WalkListsThePrefixInKeyOrder(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, b *storage.Bucket) {
		ctx := context.Background()
		for _, k := range []string{"u/2/cd/y.png", "u/1/ab/x.jpg", "index/u/1/x.json", "u/1/ab/x_w320.jpg"} {
			require.NoError(t, b.Put(ctx, k, strings.NewReader(k), storage.Attrs{}))
		}
		var keys []string
		require.NoError(t, b.Walk(ctx, "u/", func(o storage.Object) error {
			keys = append(keys, o.Key)
			assert.Equal(t, int64(len(o.Key)), o.Size)
			return nil
		}))
		assert.Equal(t, []string{"u/1/ab/x.jpg", "u/1/ab/x_w320.jpg", "u/2/cd/y.png"}, keys)

		stop := errors.New("stop")
		n := 0
		err := b.Walk(ctx, "", func(storage.Object) error { n++; return stop })
		assert.ErrorIs(t, err, stop)
		assert.Equal(t, 1, n)
	})
}

func TestOpen_S3PrefixKeepsKeysUnderIt(t *testing.T) {
	ctx := context.Background()
	raw := storagetest.S3URL(t, "shared")
	u, err := url.Parse(raw)
	require.NoError(t, err)
	u.Path = "/inkwell"
	prefixed, err := storage.Open(ctx, u.String())
	require.NoError(t, err)
	defer prefixed.Close()
	whole, err := storage.Open(ctx, raw)
	require.NoError(t, err)
	defer whole.Close()

	require.NoError(t, prefixed.Put(ctx, "u/1/a.jpg", strings.NewReader("x"), storage.Attrs{}))
	ok, err := whole.Exists(ctx, "inkwell/u/1/a.jpg")
	require.NoError(t, err)
	assert.True(t, ok, "the prefix is a folder: s3://shared/inkwell puts keys under inkwell/")
	assert.True(t, strings.HasSuffix(prefixed.PublicBase(), "/shared/inkwell"), prefixed.PublicBase())
}

func TestParseS3URL(t *testing.T) {
	parse := func(s string) (storage.S3Location, error) {
		u, err := url.Parse(s)
		require.NoError(t, err)
		return storage.ParseS3URL(u)
	}
	loc, err := parse("s3://media?endpoint=http://minio:9000&region=eu-central-1")
	require.NoError(t, err)
	assert.Equal(t, storage.S3Location{Bucket: "media", Region: "eu-central-1", Endpoint: "http://minio:9000", PathStyle: true}, loc)
	assert.Equal(t, "http://minio:9000/media", loc.PublicBase())

	loc, err = parse("s3://media/site/?use_path_style=false&endpoint=https://s3.example.net")
	require.NoError(t, err)
	assert.False(t, loc.PathStyle)
	assert.Equal(t, "us-east-1", loc.Region)
	assert.Equal(t, "https://media.s3.example.net/site", loc.PublicBase())

	loc, err = parse("s3://media")
	require.NoError(t, err)
	assert.Equal(t, "https://media.s3.us-east-1.amazonaws.com", loc.PublicBase())

	for _, bad := range []string{"s3:///nobucket", "s3://b?endpont=http://x", "s3://b?use_path_style=maybe", "file:///tmp"} {
		_, err := parse(bad)
		assert.Error(t, err, bad)
	}
}

func TestOpen_RefusesOtherSchemes(t *testing.T) {
	_, err := storage.Open(context.Background(), "gs://bucket")
	assert.Error(t, err)
}

// The default STORAGE_URL, file://data/media, is a folder relative to the
// working directory (url.Parse would read "data" as a host).
func TestOpen_RelativeFolderIsUnderTheWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	b, err := storage.Open(context.Background(), "file://data/media")
	require.NoError(t, err)
	defer b.Close()
	assert.True(t, b.Local())
	assert.Empty(t, b.PublicBase(), "the app serves a local folder")
	require.NoError(t, b.Put(context.Background(), "u/1/ab/x.jpg", strings.NewReader("x"), storage.Attrs{}))
	data, err := os.ReadFile(filepath.Join(dir, "data", "media", "u", "1", "ab", "x.jpg"))
	require.NoError(t, err)
	assert.Equal(t, "x", string(data))
}
