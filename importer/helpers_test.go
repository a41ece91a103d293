package importer_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/schema"
)

// post is one generated record; version changes its content.
func post(i, version int) map[string]any {
	status, published := "published", any(fmt.Sprintf("2024-01-%02dT10:00:00Z", 1+i%28))
	if i%5 == 0 {
		status, published = "draft", nil
	}
	body := fmt.Sprintf("# Post %d\n\nSome *markdown* with a [link](https://example.com/%d).", i, i)
	if version > 0 {
		body += fmt.Sprintf("\n\nEdited (v%d).", version)
	}
	return map[string]any{
		"external_id": fmt.Sprintf("post-%d", i), "author_email": fmt.Sprintf("Author%d@Example.com", i%7),
		"author_name": fmt.Sprintf("Author %d", i%7), "title": fmt.Sprintf("Post number %d", i), "body_markdown": body,
		"tags": []string{"imported", fmt.Sprintf("t%d", i%3)}, "status": status, "published_at": published,
		"updated_at": "2024-02-01T00:00:00Z", "legacy_field": i,
	}
}

func jsonLine(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// export holds the content of the files of a source by name.
type export map[string]string

// lines generates records from..to-1 as JSON Lines, with version applied
// to the ids in changed.
func lines(t testing.TB, from, to int, changed map[int]int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		b.WriteString(jsonLine(t, post(i, changed[i])))
		b.WriteByte('\n')
	}
	return b.String()
}

// fileBytes is a file's stored form: gzip-compressed for .gz names.
func fileBytes(t testing.TB, name, content string) []byte {
	if !strings.HasSuffix(name, ".gz") {
		return []byte(content)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write([]byte(content))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// place writes an export somewhere and returns its SOURCE argument.
type place func(t *testing.T, files export) string

// folder is a local folder source: one per test, so a folder made by
// one subtest (and removed when it ends) is never written again by the
// next one, where nothing would remove it.
func folder() place {
	var owner *testing.T
	var dir string
	return func(t *testing.T, files export) string {
		if owner != t {
			owner, dir = t, t.TempDir()
		}
		for name, content := range files {
			path := filepath.Join(dir, name)
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, fileBytes(t, name, content), 0o644))
		}
		return dir
	}
}

// bucket is an S3 source: an in-process S3-protocol server reached through
// the AWS SDK exactly as a real bucket is, credentials from the AWS_*
// environment variables.
func bucket(t *testing.T) place {
	t.Setenv("AWS_ACCESS_KEY_ID", "test-key")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	server := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(server.Close)
	client := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(server.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test-key", "test-secret", "")})
	ctx := context.Background()
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("exports")})
	require.NoError(t, err)
	return func(t *testing.T, files export) string {
		for name, content := range files {
			_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("exports"), Key: aws.String("blog/" + name),
				Body: bytes.NewReader(fileBytes(t, name, content))})
			require.NoError(t, err)
		}
		return "s3://exports/blog/?endpoint=" + server.URL + "&region=eu-west-1"
	}
}

// places runs fn once with a local folder and once with an S3 bucket.
func places(t *testing.T, fn func(t *testing.T, put place)) {
	t.Run("folder", func(t *testing.T) { fn(t, folder()) })
	t.Run("s3", func(t *testing.T) { fn(t, bucket(t)) })
}

// countWrites installs triggers that log every row written to posts,
// post_tags and users, and returns a reader of the log by table.
func countWrites(t *testing.T, db *database.DB) func() map[string]int {
	_, err := db.SQL.Exec("CREATE TABLE write_log (tbl VARCHAR(32) NOT NULL, op VARCHAR(8) NOT NULL)")
	require.NoError(t, err)
	for _, table := range []string{"posts", "post_tags", "users"} {
		for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
			insert := fmt.Sprintf("INSERT INTO write_log (tbl, op) VALUES ('%s', '%s')", table, op)
			stmt := fmt.Sprintf("CREATE TRIGGER log_%s_%s AFTER %s ON %s FOR EACH ROW ", table, op, op, table)
			if db.Dialect == schema.MySQL {
				stmt += insert
			} else {
				stmt += "BEGIN " + insert + "; END"
			}
			_, err := db.SQL.Exec(stmt)
			require.NoError(t, err)
		}
	}
	return func() map[string]int {
		rows, err := db.SQL.Query("SELECT tbl, op, COUNT(*) FROM write_log GROUP BY tbl, op")
		require.NoError(t, err)
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var tbl, op string
			var n int
			require.NoError(t, rows.Scan(&tbl, &op, &n))
			out[tbl+" "+op] = n
		}
		require.NoError(t, rows.Err())
		_, err = db.SQL.Exec("DELETE FROM write_log")
		require.NoError(t, err)
		return out
	}
}

// snapshot is every imported post as readers see it, with its author's
// email and its tags, by external id.
func snapshot(t testing.TB, db *database.DB) map[string]string {
	rows, err := db.SQL.Query(`SELECT p.import_external_id, u.email, p.title, p.slug, p.body_markdown, p.body_html, p.status,
		COALESCE(p.published_at, ''), p.updated_at, p.import_hash,
		COALESCE((SELECT GROUP_CONCAT(tag, ',') FROM (SELECT tag FROM post_tags WHERE post_id = p.id ORDER BY position) x), '')
		FROM posts p JOIN users u ON u.id = p.author_id WHERE p.import_external_id IS NOT NULL`)
	if db.Dialect == schema.MySQL {
		rows, err = db.SQL.Query(`SELECT p.import_external_id, u.email, p.title, p.slug, p.body_markdown, p.body_html, p.status,
			COALESCE(CAST(p.published_at AS CHAR), ''), CAST(p.updated_at AS CHAR), p.import_hash,
			COALESCE((SELECT GROUP_CONCAT(tag ORDER BY position SEPARATOR ',') FROM post_tags WHERE post_id = p.id), '')
			FROM posts p JOIN users u ON u.id = p.author_id WHERE p.import_external_id IS NOT NULL`)
	}
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		cols := make([]string, 11)
		ptrs := make([]any, len(cols))
		for i := range cols {
			ptrs[i] = &cols[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		out[cols[0]] = strings.Join(cols[1:], "\x1f")
	}
	require.NoError(t, rows.Err())
	return out
}

func count(t testing.TB, db *database.DB, query string, args ...any) int {
	var n int
	require.NoError(t, db.SQL.QueryRow(query, args...).Scan(&n))
	return n
}
