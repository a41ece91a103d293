package tests

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/cache"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/media"
	"inkwell/models"
	"inkwell/storage"
	"inkwell/storage/storagetest"
	"inkwell/tests/apptest"
)

// `inkwell media reindex` against a lost index restores the rows from the
// bucket, with the folder and name the items had, on a folder and on S3.
func TestMediaReindex_RestoresTheLostIndexFromTheBucket(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		for _, kind := range storagetest.Kinds {
			t.Run(driver+"/"+kind, func(t *testing.T) {
				ctx := context.Background()
				cfg := dbtest.Config(t, driver)
				env := dbtest.Env(cfg)
				var storageURL string
				if kind == "file" {
					storageURL = "file://" + filepath.ToSlash(t.TempDir())
				} else {
					storageURL = storagetest.S3URL(t, "media")
					env = append(env, "AWS_ACCESS_KEY_ID=test-key", "AWS_SECRET_ACCESS_KEY=test-secret", "AWS_EC2_METADATA_DISABLED=true")
				}
				env = append(env, "STORAGE_URL="+storageURL)
				out, code := apptest.Run(t, env, "migrate", "up")
				require.Equal(t, 0, code, out)

				db, err := database.Open(ctx, cfg, "reindex_"+driver+"_"+kind)
				require.NoError(t, err)
				defer db.Close()
				o := db.Orm()
				bucket, err := storage.Open(ctx, storageURL)
				require.NoError(t, err)
				defer bucket.Close()
				svc := media.NewService(db, bucket, cache.NewMemory(1<<20), media.Options{PublicBase: "https://cdn.example"})
				u := &models.User{Issuer: "https://accounts.google.com", IssuerID: "sub-1", Email: "w@example.com", Name: "W"}
				require.NoError(t, models.InsertUser(ctx, o, u))

				img := image.NewRGBA(image.Rect(0, 0, 40, 30))
				img.Set(1, 1, color.RGBA{200, 0, 0, 255})
				var buf bytes.Buffer
				require.NoError(t, jpeg.Encode(&buf, img, nil))
				it, _, err := svc.Upload(ctx, media.UploadInput{Owner: u.ID, Folder: "trips/2026", Name: "Harbour.jpg", Body: &buf})
				require.NoError(t, err)
				_, err = models.DeleteMediaItem(ctx, o, it.ID)
				require.NoError(t, err)

				out, code = apptest.Run(t, env, "media", "reindex")
				require.Equal(t, 0, code, out)
				assert.Contains(t, out, "1 originals, 1 restored (0 without an index record), 0 already present")

				req, err := media.ParseListRequest("trips/2026", "", "")
				require.NoError(t, err)
				page, err := svc.List(ctx, u.ID, req)
				require.NoError(t, err)
				require.Len(t, page.Items, 1)
				assert.Equal(t, "Harbour.jpg", page.Items[0].Name)
				assert.Equal(t, it.URL, page.Items[0].URL)

				out, code = apptest.Run(t, env, "media", "reindex")
				require.Equal(t, 0, code, out)
				assert.Contains(t, out, "0 restored (0 without an index record), 1 already present")

				out, code = apptest.Run(t, env, "media", "nonsense")
				assert.Equal(t, 1, code, out)
				assert.Contains(t, out, "usage: inkwell media reindex")
			})
		}
	}
}
