package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/database/dbtest"
	"inkwell/media"
	"inkwell/media/mediatest"
	"inkwell/storage/storagetest"
	"inkwell/testsupport/testapp"
)

// mediaApps runs fn on every database with the library on a local folder
// and on an in-process S3 bucket.
func mediaApps(t *testing.T, fn func(t *testing.T, app *authApp, google *authtest.Provider, kind string)) {
	for _, driver := range dbtest.Drivers(t) {
		for _, kind := range storagetest.Kinds {
			t.Run(driver+"/"+kind, func(t *testing.T) {
				t.Parallel()
				db := dbtest.Open(t, driver, true)
				google := authtest.NewProvider(t)
				app := newAuthAppWith(t, db, google, testapp.Options{Bucket: storagetest.OpenParallel(t, kind)})
				fn(t, app, google, kind)
			})
		}
	}
}

// multipartUpload is an upload body: the fields in order, the file last
// unless fileFirst.
func multipartUpload(t *testing.T, fields map[string]string, filename string, data []byte, fileFirst bool) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	writeFile := func() {
		fw, err := mw.CreateFormFile("file", filename)
		require.NoError(t, err)
		_, err = fw.Write(data)
		require.NoError(t, err)
	}
	if fileFirst {
		writeFile()
	}
	for _, k := range []string{"folder", "name"} {
		if v, ok := fields[k]; ok {
			require.NoError(t, mw.WriteField(k, v))
		}
	}
	if !fileFirst {
		writeFile()
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), buf.Bytes()
}

func (c *postsClient) upload(t *testing.T, fields map[string]string, filename string, data []byte, header http.Header) (*http.Response, []byte) {
	t.Helper()
	ct, body := multipartUpload(t, fields, filename, data, false)
	req, err := http.NewRequest(http.MethodPost, c.app.URL+"/api/v1/media", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", ct)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// object fetches an item's public URL: from this app for a local folder
// (the URL names PUBLIC_BASE_URL), from the bucket's server for S3.
func object(t *testing.T, app *authApp, rawURL string) (*http.Response, []byte) {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	target := rawURL
	if u.Host == "localhost:8080" {
		target = app.URL + u.Path
	}
	resp, err := http.Get(target)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestMediaAPI_UploadListRenameMoveDeleteOwnerOnly(t *testing.T) {
	t.Parallel()
	mediaApps(t, func(t *testing.T, app *authApp, google *authtest.Provider, kind string) {
		alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
		photo := mediatest.PhoneJPEG(t, 80, 40)

		resp, body := alice.upload(t, map[string]string{"folder": "trips/2026", "name": "Beach.jpg"}, "beach.png", photo, nil)
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
		var it media.Item
		require.NoError(t, json.Unmarshal(body, &it))
		assert.Equal(t, fmt.Sprintf("/api/v1/media/%d", it.ID), resp.Header.Get("Location"))
		assert.Equal(t, "trips/2026", it.Folder)
		assert.Equal(t, "Beach.jpg", it.Name)
		assert.Equal(t, "image/jpeg", it.ContentType, "the type comes from the bytes, not the name")
		require.NotNil(t, it.Width)
		assert.Equal(t, int64(40), *it.Width, "Orientation 6 applied: width and height swapped")
		assert.Equal(t, int64(80), *it.Height)
		require.NotNil(t, it.ThumbURL)

		// The stored file is upright and carries no EXIF or GPS.
		oresp, stored := object(t, app, it.URL)
		require.Equal(t, http.StatusOK, oresp.StatusCode)
		assert.NotContains(t, string(stored), mediatest.GPSMarker)
		assert.NotContains(t, mediatest.JPEGSegments(t, stored), byte(0xE1), "no APP1 (EXIF) segment")
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(stored))
		require.NoError(t, err)
		assert.Equal(t, []int{40, 80}, []int{cfg.Width, cfg.Height})
		if kind == "file" {
			assert.Equal(t, media.ObjectCacheControl, oresp.Header.Get("Cache-Control"))
			assert.Equal(t, "nosniff", oresp.Header.Get("X-Content-Type-Options"))
			// The app adds frame-ancestors to every answer's policy (server/headers.go).
			assert.Equal(t, media.ObjectCSP+"; frame-ancestors 'none'", oresp.Header.Get("Content-Security-Policy"))
		}
		tresp, _ := object(t, app, *it.ThumbURL)
		assert.Equal(t, http.StatusOK, tresp.StatusCode)

		// The same bytes again: the existing item, 200 (dedup), wherever asked to go.
		resp, body = alice.upload(t, map[string]string{"folder": "elsewhere"}, "again.jpg", photo, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
		var again media.Item
		require.NoError(t, json.Unmarshal(body, &again))
		assert.Equal(t, it.ID, again.ID)
		assert.Equal(t, "trips/2026", again.Folder)

		// An outbox resend with its Idempotency-Key: 201 again, replayed, no second item.
		key := http.Header{"Idempotency-Key": {"outbox-1"}}
		other := mediatest.EncodeJPEG(t, mediatest.Halves(30, 20))
		resp, body = alice.upload(t, map[string]string{"folder": "trips"}, "x.jpg", other, key)
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
		assert.Empty(t, resp.Header.Get("Idempotent-Replayed"))
		var first media.Item
		require.NoError(t, json.Unmarshal(body, &first))
		resp, body = alice.upload(t, map[string]string{"folder": "trips"}, "x.jpg", other, key)
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
		assert.Equal(t, "true", resp.Header.Get("Idempotent-Replayed"))
		var replay media.Item
		require.NoError(t, json.Unmarshal(body, &replay))
		assert.Equal(t, first.ID, replay.ID)
		resp, body = alice.upload(t, nil, "x.jpg", other, http.Header{"Idempotency-Key": {"bad key"}})
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, string(body))

		// Listing: the folder's items and its subfolders.
		var page media.Page
		code, body := alice.json(t, http.MethodGet, "/api/v1/media?folder=trips", nil, &page)
		require.Equal(t, http.StatusOK, code, string(body))
		assert.Equal(t, []string{"trips/2026"}, page.Folders)
		require.Len(t, page.Items, 1)
		assert.Equal(t, first.ID, page.Items[0].ID)
		code, body = alice.json(t, http.MethodGet, "/api/v1/media?folder=trips&limit=0", nil, nil)
		assert.Equal(t, http.StatusBadRequest, code, string(body))
		code, body = alice.json(t, http.MethodGet, "/api/v1/media?folder=Bad..Folder", nil, nil)
		assert.Equal(t, http.StatusBadRequest, code, string(body))
		code, _ = bob.json(t, http.MethodGet, "/api/v1/media?folder=trips", nil, &page)
		require.Equal(t, http.StatusOK, code)
		assert.Empty(t, page.Items, "bob sees only his own library")
		assert.Empty(t, page.Folders)

		// Someone else's item is not found, for a rename and a delete alike.
		path := fmt.Sprintf("/api/v1/media/%d", it.ID)
		code, body = bob.json(t, http.MethodPatch, path, map[string]string{"name": "mine"}, nil)
		assert.Equal(t, http.StatusNotFound, code, string(body))
		code, body = bob.json(t, http.MethodDelete, path, nil, nil)
		assert.Equal(t, http.StatusNotFound, code, string(body))

		// Rename and move: same URL, new place; the cached listing follows.
		var moved media.Item
		code, body = alice.json(t, http.MethodPatch, path, map[string]string{"name": "Plage.jpg", "folder": "archive"}, &moved)
		require.Equal(t, http.StatusOK, code, string(body))
		assert.Equal(t, "archive", moved.Folder)
		assert.Equal(t, "Plage.jpg", moved.Name)
		assert.Equal(t, it.URL, moved.URL)
		code, body = alice.json(t, http.MethodPatch, path, map[string]string{"folder": "../up"}, nil)
		assert.Equal(t, http.StatusBadRequest, code, string(body))
		assert.Contains(t, string(body), `"folder"`)
		code, _ = alice.json(t, http.MethodGet, "/api/v1/media?folder=trips", nil, &page)
		require.Equal(t, http.StatusOK, code)
		assert.Empty(t, page.Folders, "trips/2026 is empty now")

		code, body = alice.json(t, http.MethodDelete, path, nil, nil)
		require.Equal(t, http.StatusNoContent, code, string(body))
		code, _ = alice.json(t, http.MethodGet, "/api/v1/media?folder=archive", nil, &page)
		require.Equal(t, http.StatusOK, code)
		assert.Empty(t, page.Items)
		gone, _ := object(t, app, it.URL)
		assert.Equal(t, http.StatusNotFound, gone.StatusCode, "the objects went with the last item naming them")
		code, _ = alice.json(t, http.MethodDelete, path, nil, nil)
		assert.Equal(t, http.StatusNotFound, code)
	})
}

func TestMediaAPI_TypeFromBytesPolyglotAndFieldOrder(t *testing.T) {
	t.Parallel()
	mediaApps(t, func(t *testing.T, app *authApp, google *authtest.Provider, kind string) {
		alice := signIn(t, app, google, "alice")

		// HTML named .jpg and declared image/jpeg is refused.
		resp, body := alice.upload(t, nil, "cat.jpg", []byte("<!doctype html><html><script>alert(1)</script></html>"), nil)
		assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, string(body))
		assert.Contains(t, string(body), "unsupported_media_type")
		resp, body = alice.upload(t, nil, "doc.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), nil)
		assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, string(body))

		// A JPEG+HTML+ZIP polyglot is stored as a plain JPEG.
		resp, body = alice.upload(t, nil, "poly.jpg", mediatest.Polyglot(t), nil)
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
		var it media.Item
		require.NoError(t, json.Unmarshal(body, &it))
		_, stored := object(t, app, it.URL)
		assert.NotContains(t, string(stored), "<html")
		assert.NotContains(t, string(stored), "PK\x03\x04")
		assert.True(t, bytes.HasSuffix(stored, []byte{0xFF, 0xD9}), "ends at its end-of-image marker")

		// The file may come before the folder and name fields.
		ct, b := multipartUpload(t, map[string]string{"folder": "late", "name": "after"}, "g.gif", mediatest.SmallGIF(t), true)
		resp, body = alice.send(t, http.MethodPost, "/api/v1/media", ct, b)
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
		require.NoError(t, json.Unmarshal(body, &it))
		assert.Equal(t, "late", it.Folder)
		assert.Equal(t, "after", it.Name)
		assert.Equal(t, "image/gif", it.ContentType)

		// Not multipart, no file, a bad folder.
		resp, body = alice.send(t, http.MethodPost, "/api/v1/media", "application/json", []byte(`{}`))
		assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, string(body))
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		require.NoError(t, mw.WriteField("folder", "x"))
		require.NoError(t, mw.Close())
		resp, body = alice.send(t, http.MethodPost, "/api/v1/media", mw.FormDataContentType(), buf.Bytes())
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, string(body))
		assert.Contains(t, string(body), `"file"`)
		resp, body = alice.upload(t, map[string]string{"folder": "UPPER"}, "p.jpg", mediatest.EncodeJPEG(t, mediatest.Halves(8, 8)), nil)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, string(body))
		assert.Contains(t, string(body), `"folder"`)

		// Signed out: 401, nothing stored.
		anon := &postsClient{app: app}
		resp, body = anon.send(t, http.MethodPost, "/api/v1/media", ct, b)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, string(body))
	})
}

// countingReader counts what the client managed to hand to the connection.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// zeros is an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// rawUpload sends an upload of total bytes (the file's first bytes a JPEG
// header, then zeros) over a raw connection, declaring its length or
// chunked, and returns the answer with how many body bytes were written
// before the server stopped reading.
func rawUpload(t *testing.T, app *authApp, token string, total int64, chunked bool) (*http.Response, int64) {
	t.Helper()
	u, err := url.Parse(app.URL)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer conn.Close()

	const boundary = "inkwellboundary"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
	body := &countingReader{r: io.LimitReader(io.MultiReader(strings.NewReader(head), bytes.NewReader([]byte{0xFF, 0xD8, 0xFF, 0xE0}), zeros{}), total)}
	req := fmt.Sprintf("POST /api/v1/media HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=%s\r\n", u.Host, token, boundary)
	if chunked {
		req += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		req += fmt.Sprintf("Content-Length: %d\r\n\r\n", total)
	}
	_, err = io.WriteString(conn, req)
	require.NoError(t, err)
	go func() {
		// Written until done or until the server stops reading and closes.
		var w io.Writer = conn
		if chunked {
			cw := httputil.NewChunkedWriter(conn)
			defer cw.Close()
			w = cw
		}
		_, _ = io.CopyBuffer(w, body, make([]byte, 32<<10))
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, body.n.Load()
}

func TestMediaAPI_OverTheUploadLimitIs413WithoutReadingTheWholeBody(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	app := newAuthAppWith(t, db, google, testapp.Options{})
	alice := signIn(t, app, google, "alice")
	const total = 21 << 20

	// Declared 21 MiB: refused before a byte of the body is read.
	resp, written := rawUpload(t, app, alice.token, total, false)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Less(t, written, int64(total), "the server stopped reading before the end")

	// Streamed without a length: the spool stops at 20 MiB + 1 byte; what
	// the client wrote beyond that sits in socket buffers. A 64 MiB stream
	// shows the read is bounded.
	resp, written = rawUpload(t, app, alice.token, 64<<20, true)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Less(t, written, int64(40<<20), "the server stopped reading soon after the limit")

	// Signed out: 401 before the body is read (Beego, left alone, would
	// parse the whole multipart body before the token filter runs).
	resp, written = rawUpload(t, app, "not-a-token", 64<<20, true)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Less(t, written, int64(12<<20), "the body of a signed-out upload is not read")

	// Nothing was stored.
	var page media.Page
	code, _ := alice.json(t, http.MethodGet, "/api/v1/media", nil, &page)
	require.Equal(t, http.StatusOK, code)
	assert.Empty(t, page.Items)

	// The upload route alone takes more than MAX_BODY_BYTES: a 3 MiB video.
	video := append(mediatest.MP4Head(), make([]byte, 3<<20)...)
	resp2, body := alice.upload(t, nil, "clip.mp4", video, nil)
	require.Equal(t, http.StatusCreated, resp2.StatusCode, string(body))
	assert.Contains(t, string(body), `"video/mp4"`)

	// Every other route keeps MAX_BODY_BYTES (1 MiB).
	big := bytes.Repeat([]byte("a"), 2<<20)
	r2, body := alice.send(t, http.MethodPost, "/api/v1/posts", "application/json", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r2.StatusCode, string(body))
	r2, body = alice.send(t, http.MethodPatch, "/api/v1/media/1", "application/json", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r2.StatusCode, string(body))
}
