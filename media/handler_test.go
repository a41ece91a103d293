package media_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/cache"
	"inkwell/database/dbtest"
	"inkwell/media"
	"inkwell/storage/storagetest"
)

func TestHandler_ServesObjectsImmutableSandboxedAndNothingElse(t *testing.T) {
	for _, kind := range storagetest.Kinds {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, "sqlite", true)
			e := &env{db: db, o: db.Orm(), bucket: storagetest.Open(t, kind), cache: cache.NewMemory(1 << 20)}
			e.svc = e.service()
			e.alice = newUser(t, e.o, "alice")
			it := e.upload(t, e.alice, "", "clip", mp4Head())
			img := e.upload(t, e.alice, "", "photo", polyglot(t))
			srv := httptest.NewServer(e.svc.Handler())
			defer srv.Close()
			client := srv.Client()

			// get reads and closes the body, so the assertions below see
			// a finished exchange.
			type answer struct {
				StatusCode int
				Header     http.Header
				Body       []byte
			}
			get := func(path string, hdr ...string) answer {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, http.NoBody)
				require.NoError(t, err)
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				res, err := client.Do(req)
				require.NoError(t, err)
				defer res.Body.Close()
				body, err := io.ReadAll(res.Body)
				require.NoError(t, err)
				return answer{StatusCode: res.StatusCode, Header: res.Header, Body: body}
			}

			res := get(media.RoutePrefix + keyOf(t, it.URL))
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, mp4Head(), res.Body)
			assert.Equal(t, "video/mp4", res.Header.Get("Content-Type"))
			assert.Equal(t, "public, max-age=31536000, immutable", res.Header.Get("Cache-Control"))
			assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
			assert.Equal(t, "default-src 'none'; sandbox", res.Header.Get("Content-Security-Policy"))
			etag := res.Header.Get("ETag")
			require.NotEmpty(t, etag)

			res = get(media.RoutePrefix+keyOf(t, it.URL), "Range", "bytes=4-7")
			assert.Equal(t, http.StatusPartialContent, res.StatusCode, "video seeks with ranges")
			assert.Equal(t, "ftyp", string(res.Body))

			res = get(media.RoutePrefix+keyOf(t, it.URL), "If-None-Match", etag)
			assert.Equal(t, http.StatusNotModified, res.StatusCode)

			res = get(media.RoutePrefix + keyOf(t, *img.ThumbURL))
			assert.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, "image/jpeg", res.Header.Get("Content-Type"))
			assert.NotEqual(t, etag, res.Header.Get("ETag"))

			index := "index/" + strings.TrimSuffix(keyOf(t, it.URL), ".mp4") + ".json"
			ok, err := e.bucket.Exists(ctx, index)
			require.NoError(t, err)
			require.True(t, ok, "the index record exists")
			for _, path := range []string{
				media.RoutePrefix + index, // private record
				media.RoutePrefix + strings.Replace(keyOf(t, it.URL), "a", "b", 1), // unknown key
				media.RoutePrefix + "../conf/app.conf",
				media.RoutePrefix + "u/1/../../secret.jpg",
				"/elsewhere/" + keyOf(t, it.URL),
			} {
				res := get(path)
				assert.Equal(t, http.StatusNotFound, res.StatusCode, path)
				assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), path)
			}

			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+media.RoutePrefix+keyOf(t, it.URL), http.NoBody)
			require.NoError(t, err)
			post, err := client.Do(req)
			require.NoError(t, err)
			post.Body.Close()
			assert.Equal(t, http.StatusMethodNotAllowed, post.StatusCode)
		})
	}
}

func TestPublicBase(t *testing.T) {
	local := storagetest.Open(t, "file")
	assert.Equal(t, "https://ink.example/media", media.PublicBase(local, "", "https://ink.example/"))
	assert.Equal(t, "https://cdn.example/m", media.PublicBase(local, "https://cdn.example/m/", "https://ink.example"))
	bucket := storagetest.Open(t, "s3")
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+/media$`, media.PublicBase(bucket, "", "https://ink.example"), "path-style bucket address")
	assert.Equal(t, "https://cdn.example", media.PublicBase(bucket, "https://cdn.example", "https://ink.example"))
}
