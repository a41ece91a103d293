package media_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/media"
	"inkwell/models"
)

func TestReindex_RebuildsTheTableFromTheBucket(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a := e.upload(t, e.alice, "trips", "a.jpg", encodeJPEG(t, halves(1500, 600)))
		b := e.upload(t, e.alice, "inbox", "b.jpg", distinctJPEG(t, 2))
		c := e.upload(t, e.bob, "", "c.mp4", mp4Head())
		name, folder := "moved b", "archive"
		_, err := e.svc.Update(ctx, e.alice, b.ID, media.Patch{Name: &name, Folder: &folder})
		require.NoError(t, err)
		// c loses its index record: only the object's own metadata is left.
		require.NoError(t, e.bucket.Delete(ctx, "index/"+strings.TrimSuffix(keyOf(t, c.URL), ".mp4")+".json"))

		before := map[int64]*media.Page{e.alice: list(t, e.svc, e.alice, "archive", "", ""), e.bob: list(t, e.svc, e.bob, "", "", "")}
		// Disaster: the index is lost.
		for _, id := range []int64{a.ID, b.ID, c.ID} {
			_, err := models.DeleteMediaItem(ctx, e.o, id)
			require.NoError(t, err)
		}
		// (The listings stay cached until a write: the reindex is that write.)

		var logged []string
		logf := func(f string, args ...any) { logged = append(logged, f) }
		rep, err := e.svc.Reindex(ctx, logf)
		require.NoError(t, err)
		assert.Equal(t, media.ReindexReport{Objects: 3, Restored: 3, WithoutIndex: 1}, rep, "%v", logged)

		trips := list(t, e.svc, e.alice, "trips", "", "")
		require.Len(t, trips.Items, 1)
		ra := trips.Items[0]
		assert.Equal(t, "a.jpg", ra.Name)
		assert.Equal(t, a.URL, ra.URL, "same keys, same URLs")
		assert.Equal(t, a.ThumbURL, ra.ThumbURL)
		assert.Equal(t, a.PostURL, ra.PostURL)
		assert.Equal(t, a.Width, ra.Width)
		assert.Equal(t, a.Size, ra.Size)
		assert.True(t, a.CreatedAt.Equal(ra.CreatedAt), "%v != %v", a.CreatedAt, ra.CreatedAt)

		archive := list(t, e.svc, e.alice, "archive", "", "")
		assert.Equal(t, []string{"moved b"}, names(archive), "the place after the move, not the upload's")
		assert.Equal(t, before[e.alice].Items[0].URL, archive.Items[0].URL)

		bobs := list(t, e.svc, e.bob, "", "", "")
		require.Len(t, bobs.Items, 1)
		assert.Equal(t, c.URL, bobs.Items[0].URL)
		assert.Equal(t, "video/mp4", bobs.Items[0].ContentType)
		assert.Regexp(t, `^[0-9a-f]{12}\.mp4$`, bobs.Items[0].Name, "without an index record: named after its content, in the root")

		again, err := e.svc.Reindex(ctx, logf)
		require.NoError(t, err)
		assert.Equal(t, media.ReindexReport{Objects: 3, Present: 3}, again, "a second run changes nothing")

		// Deleting a restored item removes its objects as usual.
		require.NoError(t, e.svc.Delete(ctx, e.bob, bobs.Items[0].ID))
		ok, err := e.bucket.Exists(ctx, keyOf(t, c.URL))
		require.NoError(t, err)
		assert.False(t, ok)
	})
}
