package tests

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/media/mediatest"
	"inkwell/models"
	"inkwell/outbound/outboundtest"
	"inkwell/tests/apptest"
)

// `inkwell media backup`: --dry-run fetches nothing, a run copies every
// post's media with plain progress lines (no terminal), a second run
// fetches nothing, and the post's HTML shows the copies.
func TestMediaBackupCLI_DryRunThenCopyThenNothingMore(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			cfg := dbtest.Config(t, driver)
			env := append(dbtest.Env(cfg), "STORAGE_URL=file://"+filepath.ToSlash(t.TempDir()),
				"OUTBOUND_ALLOW_CIDRS="+outboundtest.AllowedAddr)
			out, code := apptest.Run(t, env, "migrate", "up")
			require.Equal(t, 0, code, out)

			var hits atomic.Int64
			photo := mediatest.EncodeJPEG(t, mediatest.Halves(12, 12))
			site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.Header().Set("Content-Type", "image/jpeg")
				_, _ = w.Write(photo)
			}))

			db, err := database.Open(ctx, cfg, "backupcli_"+driver)
			require.NoError(t, err)
			defer db.Close()
			o := db.Orm()
			u := &models.User{Issuer: "https://accounts.google.com", IssuerID: "sub-1", Email: "w@example.com", Name: "W"}
			require.NoError(t, models.InsertUser(ctx, o, u))
			now := time.Now().UTC()
			p := &models.Post{AuthorID: u.ID, Title: "T", Slug: "t", BodyMarkdown: fmt.Sprintf("![a](%s/a.jpg)", site.URL),
				BodyHTML: "<p>old</p>", Status: models.PostPublished, CreatedAt: now, UpdatedAt: now, PublishedAt: &now, FirstPublishedAt: &now}
			require.NoError(t, models.InsertPost(ctx, o, p))

			out, code = apptest.Run(t, env, "media", "backup", "--dry-run")
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, "media backup: 1 posts, 1 media found, 1 to fetch, 0 already copied, 0 not copied")
			assert.Zero(t, hits.Load())

			out, code = apptest.Run(t, env, "media", "backup")
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, "media backup: 1/1 media handled")
			assert.Contains(t, out, "media backup: 1 posts, 1 media found, 1 copied, 0 already copied, 0 not copied")
			assert.Equal(t, int64(1), hits.Load())
			got, err := models.PostForUpdate(ctx, o, p.ID)
			require.NoError(t, err)
			assert.Contains(t, got.BodyHTML, "/media/u/")
			assert.NotContains(t, got.BodyHTML, site.URL)

			out, code = apptest.Run(t, env, "media", "backup", "--post", fmt.Sprint(p.ID))
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, "1 media found, 0 copied, 1 already copied")
			assert.Equal(t, int64(1), hits.Load())

			out, code = apptest.Run(t, env, "media", "backup", "--post", fmt.Sprint(p.ID+1))
			assert.Equal(t, 1, code, out)
			assert.Contains(t, out, fmt.Sprintf("no post %d", p.ID+1))

			// `inkwell media export` writes the copy by owner and folder,
			// with its manifest; a second run writes nothing again.
			dir := t.TempDir()
			out, code = apptest.Run(t, env, "media", "export", dir)
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, "media export: 1 items, 1 written, 0 already there, 0 failed")
			files, err := filepath.Glob(filepath.Join(dir, fmt.Sprint(u.ID), "backup", fmt.Sprint(p.ID), "*"))
			require.NoError(t, err)
			require.Len(t, files, 1, out)
			st, err := os.Stat(files[0])
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
			assert.FileExists(t, filepath.Join(dir, "manifest.jsonl"))
			out, code = apptest.Run(t, env, "media", "export", "--progress", "none", dir)
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, "media export: 1 items, 0 written, 1 already there, 0 failed")
			out, code = apptest.Run(t, env, "media", "export", "--progress", "sideways", dir)
			assert.Equal(t, 1, code, out)
			assert.Contains(t, out, `--progress "sideways": want auto, bar, log or none`)
		})
	}
}
