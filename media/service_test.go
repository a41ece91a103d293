package media_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/cache/cachetest"
	"inkwell/database/dbtest"
	"inkwell/media"
	"inkwell/models"
	"inkwell/storage"
	"inkwell/storage/storagetest"
)

func exists(t testing.TB, b *storage.Bucket, key string) bool {
	ok, err := b.Exists(context.Background(), key)
	require.NoError(t, err)
	return ok
}

func TestUpload_StoresCleanObjectsAndDedupsPerOwner(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		photo := phoneJPEG(t, 400, 200)
		it, created, err := e.svc.Upload(ctx, media.UploadInput{Owner: e.alice, Folder: "/trips/2026/", Name: "  Beach.jpg ", Body: bytes.NewReader(photo)})
		require.NoError(t, err)
		assert.True(t, created)
		assert.Equal(t, "trips/2026", it.Folder)
		assert.Equal(t, "Beach.jpg", it.Name)
		assert.Equal(t, "image/jpeg", it.ContentType)
		require.NotNil(t, it.Width)
		assert.Equal(t, [2]int64{200, 400}, [2]int64{*it.Width, *it.Height})
		require.NotNil(t, it.ThumbURL)
		assert.Equal(t, it.URL, it.PostURL, "a small image is shown in posts as it is")

		key := keyOf(t, it.URL)
		assert.Regexp(t, `^u/[0-9]+/[0-9a-f]{2}/[0-9a-f]{64}\.jpg$`, key)
		stored, err := e.bucket.ReadAll(ctx, key)
		require.NoError(t, err)
		assert.Equal(t, it.Size, int64(len(stored)))
		assert.NotContains(t, string(stored), gpsMarker, "no GPS in storage")
		assert.True(t, exists(t, e.bucket, keyOf(t, *it.ThumbURL)))
		attrs, err := e.bucket.Attributes(ctx, key)
		require.NoError(t, err)
		assert.Equal(t, "image/jpeg", attrs.ContentType)
		if e.bucket.Local() {
			// gofakes3 drops Cache-Control; fileblob and real S3 keep it.
			assert.Equal(t, "public, max-age=31536000, immutable", attrs.CacheControl)
		}
		assert.NotContains(t, attrs.Metadata, "name", "names stay out of the public object's headers")

		again, created, err := e.svc.Upload(ctx, media.UploadInput{Owner: e.alice, Folder: "elsewhere", Body: bytes.NewReader(photo)})
		require.NoError(t, err)
		assert.False(t, created, "the same bytes again are the same item")
		assert.Equal(t, it.ID, again.ID)
		assert.Equal(t, "trips/2026", again.Folder)

		bobs, created, err := e.svc.Upload(ctx, media.UploadInput{Owner: e.bob, Body: bytes.NewReader(photo)})
		require.NoError(t, err)
		assert.True(t, created, "dedup is per owner")
		assert.NotEqual(t, it.ID, bobs.ID)
		assert.NotEqual(t, key, keyOf(t, bobs.URL), "owners never share objects")
		assert.Regexp(t, `^[0-9a-f]{12}\.jpg$`, bobs.Name, "unnamed uploads are named after their content")
	})
}

func TestUpload_TakesAFileSpooledBeforeItsFields(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		up, err := e.svc.Spool(bytes.NewReader(distinctJPEG(t, 3)))
		require.NoError(t, err)
		defer func() { require.NoError(t, up.Close()) }()
		it, created, err := e.svc.Upload(context.Background(), media.UploadInput{Owner: e.alice, Folder: "late", Name: "fields after the file", Spooled: up})
		require.NoError(t, err)
		assert.True(t, created)
		assert.Equal(t, "late", it.Folder)
		assert.True(t, exists(t, e.bucket, keyOf(t, it.URL)))
		_, err = io.ReadAll(up.Reader())
		assert.NoError(t, err, "the caller's upload is still open for it to close")
	})
}

func TestUpload_RefusalsStoreNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		small := media.NewService(e.db, e.bucket, e.cache, media.Options{MaxUploadBytes: 1000, Log: quietLog()})
		for name, tc := range map[string]struct {
			svc   *media.Service
			in    media.UploadInput
			code  string
			field string
		}{
			"html":        {e.svc, media.UploadInput{Name: "cat.jpg", Body: strings.NewReader("<html><script>alert(1)</script>")}, apperror.CodeUnsupportedMedia, ""},
			"too large":   {small, media.UploadInput{Body: bytes.NewReader(distinctJPEG(t, 1000))}, apperror.CodeTooLarge, ""},
			"bomb":        {e.svc, media.UploadInput{Body: bytes.NewReader(bombPNG(t, 10000, 10000))}, apperror.CodeValidation, "file"},
			"deep folder": {e.svc, media.UploadInput{Folder: "a/b/c/d/e/f", Body: bytes.NewReader(distinctJPEG(t, 1))}, apperror.CodeValidation, "folder"},
			"bad folder":  {e.svc, media.UploadInput{Folder: "Trips", Body: bytes.NewReader(distinctJPEG(t, 1))}, apperror.CodeValidation, "folder"},
			"bad name":    {e.svc, media.UploadInput{Name: "a\x00b", Body: bytes.NewReader(distinctJPEG(t, 1))}, apperror.CodeValidation, "name"},
		} {
			t.Run(name, func(t *testing.T) {
				tc.in.Owner = e.alice
				_, _, err := tc.svc.Upload(ctx, tc.in)
				e, ok := apperror.As(err)
				require.True(t, ok, "%v", err)
				assert.Equal(t, tc.code, e.Code)
				if tc.field != "" {
					assert.Contains(t, e.Fields, tc.field)
				}
			})
		}
		var objects []string
		require.NoError(t, e.bucket.Walk(ctx, "", func(o storage.Object) error { objects = append(objects, o.Key); return nil }))
		assert.Empty(t, objects)
		assert.Empty(t, list(t, e.svc, e.alice, "", "", "").Items)
	})
}

func TestList_FoldersItemsAndKeysetPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for i, folder := range []string{"", "trips", "trips/2026", "trips/2026/june", "trips_old", "work"} {
			e.upload(t, e.alice, folder, "f"+folder, distinctJPEG(t, 100+i))
		}
		for i := 0; i < 5; i++ {
			e.upload(t, e.alice, "trips", "t"+string(rune('0'+i)), distinctJPEG(t, i))
		}
		e.upload(t, e.bob, "trips", "bobs", distinctJPEG(t, 50))

		root := list(t, e.svc, e.alice, "", "", "")
		assert.Equal(t, []string{"trips", "trips_old", "work"}, root.Folders)
		assert.Equal(t, []string{"f"}, names(root))
		assert.Nil(t, root.NextCursor)

		sub := list(t, e.svc, e.alice, "trips", "", "")
		assert.Equal(t, []string{"trips/2026"}, sub.Folders, "only direct subfolders; trips_old is not under trips")
		assert.Equal(t, []string{"t4", "t3", "t2", "t1", "t0", "ftrips"}, names(sub), "newest first")

		var paged []string
		cursor := ""
		for range 10 {
			p := list(t, e.svc, e.alice, "trips", "4", cursor)
			paged = append(paged, names(p)...)
			if p.NextCursor == nil {
				break
			}
			cursor = *p.NextCursor
		}
		assert.Equal(t, names(sub), paged)

		deep := list(t, e.svc, e.alice, "trips/2026", "1", "")
		assert.Equal(t, []string{"trips/2026/june"}, deep.Folders)
		assert.Equal(t, []string{"ftrips/2026"}, names(deep))
		assert.Nil(t, deep.NextCursor)

		assert.Empty(t, list(t, e.svc, e.alice, "nothing/here", "", "").Items)
	})
}

func TestParseListRequest_Validation(t *testing.T) {
	for _, tc := range []struct{ folder, limit, cursor, field string }{
		{"", "0", "", "limit"}, {"", "101", "", "limit"}, {"", "x", "", "limit"},
		{"", "", "nope", "cursor"}, {"", "", "AQAAAAAAAAAA", "cursor"},
		{"UP", "", "", "folder"}, {"a//b", "", "", "folder"}, {strings.Repeat("a", 65), "", "", "folder"},
	} {
		_, err := media.ParseListRequest(tc.folder, tc.limit, tc.cursor)
		e, ok := apperror.As(err)
		require.True(t, ok, "%+v: %v", tc, err)
		assert.Equal(t, apperror.CodeValidation, e.Code)
		assert.Contains(t, e.Fields, tc.field, "%+v", tc)
	}
	req, err := media.ParseListRequest("/a/b-c/d_e/", "100", "")
	require.NoError(t, err)
	assert.Equal(t, "a/b-c/d_e", req.Folder)
	assert.Equal(t, 100, req.Limit)
}

func TestUpdate_RenamesAndMovesWithoutTouchingObjects(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		it := e.upload(t, e.alice, "inbox", "old.jpg", distinctJPEG(t, 1))
		assert.Equal(t, []string{"old.jpg"}, names(list(t, e.svc, e.alice, "inbox", "", "")), "listing cached")

		name, folder := "New name", "archive/2026"
		got, err := e.svc.Update(ctx, e.alice, it.ID, media.Patch{Name: &name, Folder: &folder})
		require.NoError(t, err)
		assert.Equal(t, "New name", got.Name)
		assert.Equal(t, "archive/2026", got.Folder)
		assert.Equal(t, it.URL, got.URL, "moving never copies: the object keeps its key")

		assert.Empty(t, list(t, e.svc, e.alice, "inbox", "", "").Items, "the cached listing was invalidated")
		assert.Equal(t, []string{"New name"}, names(list(t, e.svc, e.alice, "archive/2026", "", "")))
		assert.Equal(t, []string{"archive"}, list(t, e.svc, e.alice, "", "", "").Folders)

		root := ""
		got, err = e.svc.Update(ctx, e.alice, it.ID, media.Patch{Folder: &root})
		require.NoError(t, err)
		assert.Equal(t, "", got.Folder)
		assert.Equal(t, "New name", got.Name, "an absent field is left as it was")

		_, err = e.svc.Update(ctx, e.bob, it.ID, media.Patch{Name: &name})
		assertCode(t, apperror.CodeNotFound, err)
		_, err = e.svc.Update(ctx, e.alice, it.ID+1000, media.Patch{Name: &name})
		assertCode(t, apperror.CodeNotFound, err)
		bad := "a/b/c/d/e/f"
		_, err = e.svc.Update(ctx, e.alice, it.ID, media.Patch{Folder: &bad})
		assertCode(t, apperror.CodeValidation, err)
		empty := " "
		_, err = e.svc.Update(ctx, e.alice, it.ID, media.Patch{Name: &empty})
		assertCode(t, apperror.CodeValidation, err)
	})
}

func assertCode(t testing.TB, code string, err error) {
	t.Helper()
	e, ok := apperror.As(err)
	require.True(t, ok, "want %s, got %v", code, err)
	assert.Equal(t, code, e.Code)
}

func TestDelete_OwnerOnlyAndObjectsGoWithTheLastReference(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		big := encodeJPEG(t, halves(1600, 1000))
		it := e.upload(t, e.alice, "", "big", big)
		keys := []string{keyOf(t, it.URL), keyOf(t, *it.ThumbURL), keyOf(t, it.PostURL)}
		require.Len(t, map[string]bool{keys[0]: true, keys[1]: true, keys[2]: true}, 3, "original, thumbnail and post rendering")
		list(t, e.svc, e.alice, "", "", "")

		assertCode(t, apperror.CodeNotFound, e.svc.Delete(ctx, e.bob, it.ID))
		for _, k := range keys {
			assert.True(t, exists(t, e.bucket, k), "someone else's delete touches nothing")
		}

		// A second row naming the same objects (as a restored or shared item
		// would) keeps them alive when the first goes.
		row, err := models.MediaItemByID(ctx, e.o, it.ID)
		require.NoError(t, err)
		row.SHA256 = strings.Repeat("0", 64)
		row.Folder = "copy"
		require.NoError(t, models.InsertMediaItem(ctx, e.o, row))

		require.NoError(t, e.svc.Delete(ctx, e.alice, it.ID))
		for _, k := range keys {
			assert.True(t, exists(t, e.bucket, k), "still referenced: %s", k)
		}
		assert.Empty(t, list(t, e.svc, e.alice, "", "", "").Items, "the cached listing was invalidated")
		assertCode(t, apperror.CodeNotFound, e.svc.Delete(ctx, e.alice, it.ID))

		require.NoError(t, e.svc.Delete(ctx, e.alice, row.ID))
		var left []string
		require.NoError(t, e.bucket.Walk(ctx, "", func(o storage.Object) error { left = append(left, o.Key); return nil }))
		assert.Empty(t, left, "objects and index record are gone with the last reference")

		again := e.upload(t, e.alice, "", "big again", big)
		assert.True(t, exists(t, e.bucket, keyOf(t, again.URL)), "uploading deleted bytes again stores them again")
	})
}

// Two replicas share a Redis: a write on one is seen by the other's next
// listing at once.
func TestList_CacheIsStaleFreeAcrossReplicas(t *testing.T) {
	db := dbtest.Open(t, "sqlite", true)
	bucket := storagetest.Open(t, "file")
	redis := cachetest.Redis(t)
	e := &env{db: db, o: db.Orm(), bucket: bucket, cache: redis}
	a, b := e.service(), e.service()
	e.svc = a
	e.alice = newUser(t, e.o, "alice")

	first := e.upload(t, e.alice, "", "one", distinctJPEG(t, 1))
	assert.Equal(t, []string{"one"}, names(list(t, a, e.alice, "", "", "")))
	assert.Equal(t, []string{"one"}, names(list(t, b, e.alice, "", "", "")))

	e.svc = b
	e.upload(t, e.alice, "", "two", distinctJPEG(t, 2))
	assert.Equal(t, []string{"two", "one"}, names(list(t, a, e.alice, "", "", "")))

	name := "renamed"
	_, err := b.Update(context.Background(), e.alice, first.ID, media.Patch{Name: &name})
	require.NoError(t, err)
	assert.Equal(t, []string{"two", "renamed"}, names(list(t, a, e.alice, "", "", "")))

	require.NoError(t, b.Delete(context.Background(), e.alice, first.ID))
	assert.Equal(t, []string{"two"}, names(list(t, a, e.alice, "", "", "")))
}

func TestUpload_SameBytesAtOnceMakeOneItem(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		data := distinctJPEG(t, 7)
		var wg sync.WaitGroup
		ids := make([]int64, 4)
		errs := make([]error, 4)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				it, _, err := e.svc.Upload(context.Background(), media.UploadInput{Owner: e.alice, Body: bytes.NewReader(data)})
				errs[i] = err
				if err == nil {
					ids[i] = it.ID
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, []int64{ids[0], ids[0], ids[0], ids[0]}, ids)
		assert.Len(t, list(t, e.svc, e.alice, "", "", "").Items, 1)
	})
}
