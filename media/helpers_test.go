package media_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"testing"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/require"

	"inkwell/cache"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/media"
	"inkwell/models"
	"inkwell/storage"
	"inkwell/storage/storagetest"
)

// env is one combination of a database and a bucket.
type env struct {
	db     *database.DB
	o      orm.Ormer
	bucket *storage.Bucket
	cache  cache.Cache
	svc    *media.Service
	alice  int64
	bob    int64
}

// service is another replica: the same database, bucket and cache.
func (e *env) service() *media.Service {
	return media.NewService(e.db, e.bucket, e.cache, media.Options{
		PublicBase: media.PublicBase(e.bucket, "", "http://localhost:8080"), Log: quietLog()})
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// each runs fn on every database (SQLite; MariaDB when configured) with a
// local folder and with an S3 bucket: the same suite on both storages.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, driver := range dbtest.Drivers(t) {
		for _, kind := range storagetest.Kinds {
			t.Run(driver+"/"+kind, func(t *testing.T) {
				db := dbtest.Open(t, driver, true)
				e := &env{db: db, o: db.Orm(), bucket: storagetest.Open(t, kind), cache: cache.NewMemory(1 << 20)}
				e.svc = e.service()
				e.alice = newUser(t, e.o, "alice")
				e.bob = newUser(t, e.o, "bob")
				fn(t, e)
			})
		}
	}
}

func newUser(t testing.TB, o orm.Ormer, name string) int64 {
	t.Helper()
	u := &models.User{Issuer: "https://accounts.google.com", IssuerID: "sub-" + name, Email: name + "@example.com", Name: name}
	require.NoError(t, models.InsertUser(context.Background(), o, u))
	return u.ID
}

// upload stores data for owner and fails the test on error.
func (e *env) upload(t testing.TB, owner int64, folder, name string, data []byte) *media.Item {
	t.Helper()
	it, _, err := e.svc.Upload(context.Background(), media.UploadInput{Owner: owner, Folder: folder, Name: name, Body: bytesReader(data)})
	require.NoError(t, err)
	return it
}

// distinctJPEG is a small JPEG whose bytes differ for every i.
func distinctJPEG(t testing.TB, i int) []byte {
	img := halves(16+i%7, 16+i/7)
	img.Pix[0] = byte(i)
	return encodeJPEG(t, img)
}

func list(t testing.TB, s *media.Service, owner int64, folder, limit, cursor string) *media.Page {
	t.Helper()
	req, err := media.ParseListRequest(folder, limit, cursor)
	require.NoError(t, err)
	p, err := s.List(context.Background(), owner, req)
	require.NoError(t, err)
	return p
}

func names(p *media.Page) []string {
	out := []string{}
	for _, it := range p.Items {
		out = append(out, it.Name)
	}
	return out
}

var keyInURL = regexp.MustCompile(`u/\d+/[0-9a-f]{2}/[0-9a-f]{64}[^/]*$`)

// keyOf is the object key at the end of a public URL.
func keyOf(t testing.TB, url string) string {
	t.Helper()
	k := keyInURL.FindString(url)
	require.NotEmpty(t, k, "no object key in %s", url)
	return k
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
