package tests

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/config"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/tests/apptest"
)

// writeExport writes files*perFile records (and a few bad lines) as JSON
// Lines into dir, the last file gzip-compressed, and returns how many
// records are valid.
func writeExport(t *testing.T, dir string, files, perFile int) int {
	valid := 0
	for f := range files {
		var b strings.Builder
		for i := range perFile {
			n := f*perFile + i
			if i%997 == 13 {
				b.WriteString(`{"external_id": "broken` + "\n")
				continue
			}
			status, published := "published", any(fmt.Sprintf("2023-%02d-%02dT08:00:00Z", 1+n%12, 1+n%28))
			if n%4 == 0 {
				status, published = "draft", nil
			}
			line, err := json.Marshal(map[string]any{"external_id": fmt.Sprintf("rec-%d", n), "author_email": fmt.Sprintf("writer%d@example.com", n%23),
				"author_name": fmt.Sprintf("Writer %d", n%23), "title": fmt.Sprintf("Record %d", n),
				"body_markdown": fmt.Sprintf("Paragraph of record **%d**.\n\n- a\n- b\n", n), "tags": []string{fmt.Sprintf("tag-%d", n%5)},
				"status": status, "published_at": published, "updated_at": "2023-12-31T00:00:00Z"})
			require.NoError(t, err)
			b.Write(line)
			b.WriteByte('\n')
			valid++
		}
		name, data := fmt.Sprintf("part-%d.jsonl", f), []byte(b.String())
		if f == files-1 {
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			_, err := zw.Write(data)
			require.NoError(t, err)
			require.NoError(t, zw.Close())
			name, data = name+".gz", gz.Bytes()
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	return valid
}

// importedRows is every imported post with its author and tags, by external id.
func importedRows(t *testing.T, db *sql.DB) map[string]string {
	rows, err := db.Query(`SELECT p.import_external_id, u.issuer, u.email, u.name, p.title, p.slug, p.body_markdown, p.body_html,
		p.status, p.published_at, p.first_published_at, p.created_at, p.updated_at, p.import_hash
		FROM posts p JOIN users u ON u.id = p.author_id ORDER BY p.import_external_id`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ext string
		cols := make([]sql.NullString, 13)
		ptrs := []any{&ext}
		for i := range cols {
			ptrs = append(ptrs, &cols[i])
		}
		require.NoError(t, rows.Scan(ptrs...))
		_, dup := out[ext]
		require.False(t, dup, "external id %s imported twice", ext)
		out[ext] = fmt.Sprint(cols)
	}
	require.NoError(t, rows.Err())
	tags, err := db.Query(`SELECT p.import_external_id, t.tag, t.position, t.published_at FROM post_tags t JOIN posts p ON p.id = t.post_id`)
	require.NoError(t, err)
	defer tags.Close()
	for tags.Next() {
		var ext, tag string
		var pos int
		var published sql.NullString
		require.NoError(t, tags.Scan(&ext, &tag, &pos, &published))
		out[ext] += fmt.Sprintf(" tag %d=%s@%v", pos, tag, published)
	}
	require.NoError(t, tags.Err())
	return out
}

func openDB(t *testing.T, cfg config.Config) *sql.DB {
	db, err := database.Open(context.Background(), cfg, fmt.Sprintf("resume_%d", time.Now().UnixNano()))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db.SQL
}

func scalar(t *testing.T, db *sql.DB, query string) int64 {
	var n int64
	require.NoError(t, db.QueryRow(query).Scan(&n))
	return n
}

// errorLines reads an import's error file, sorted (workers write files'
// rejections interleaved).
func errorLines(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	out := strings.Split(strings.TrimSpace(string(data)), "\n")
	slices.Sort(out)
	return out
}

// `inkwell import` killed with SIGKILL in the middle and started again ends
// with exactly the rows of an uninterrupted import: none twice, none missing;
// and its error file lists every bad line exactly once, as the
// uninterrupted import's does.
func TestImport_KilledMidwayAndRerunEqualsAnUninterruptedImport(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			source := t.TempDir()
			valid := writeExport(t, source, 4, 4000)
			// Each run its own error file, so the interrupted one's can be
			// compared with the reference's.
			errorFiles := map[string]string{"reference": filepath.Join(t.TempDir(), "errors.log"), "interrupted": filepath.Join(t.TempDir(), "errors.log")}
			importArgs := func(run string) []string {
				return []string{"import", "-batch", "50", "-workers", "2", "-progress", "log", "-errors", errorFiles[run], source}
			}
			args := importArgs("interrupted")

			reference, interrupted := dbtest.Config(t, driver), dbtest.Config(t, driver)
			for _, cfg := range []config.Config{reference, interrupted} {
				out, code := apptest.Run(t, dbtest.Env(cfg), "migrate", "up")
				require.Equal(t, 0, code, out)
			}
			out, code := apptest.Run(t, dbtest.Env(reference), importArgs("reference")...)
			require.Equal(t, 0, code, out)
			want := importedRows(t, openDB(t, reference))
			require.Len(t, want, valid)
			wantRejected := errorLines(t, errorFiles["reference"])
			require.Len(t, wantRejected, 4*4, "four bad lines per file (i%997 == 13)")

			cmd := exec.Command(apptest.Binary(t), args...)
			cmd.Dir = apptest.WorkDir(t)
			cmd.Env = append(os.Environ(), dbtest.Env(interrupted)...)
			var output bytes.Buffer
			cmd.Stdout, cmd.Stderr = &output, &output
			require.NoError(t, cmd.Start())
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			db := openDB(t, interrupted)
			deadline := time.Now().Add(time.Minute)
			for {
				// Kill once a few batches are committed, whatever the
				// process is doing at that instant.
				var committed int64
				err := db.QueryRow("SELECT COALESCE(SUM(line), 0) FROM import_checkpoints").Scan(&committed)
				if err == nil && committed >= 1000 {
					break
				}
				select {
				case err := <-exited:
					t.Fatalf("import ended (%v) before it could be killed; output:\n%s", err, output.String())
				default:
				}
				require.True(t, time.Now().Before(deadline), "no checkpoint within a minute; output:\n%s", output.String())
				time.Sleep(2 * time.Millisecond)
			}
			require.NoError(t, cmd.Process.Kill())
			t.Logf("import killed: %v", <-exited)
			partial := scalar(t, db, "SELECT COUNT(*) FROM posts")
			require.Greater(t, partial, int64(0))
			require.Less(t, partial, int64(valid), "the kill came after the import had finished")
			require.Equal(t, int64(1), scalar(t, db, "SELECT COUNT(*) FROM import_runs WHERE finished_at IS NULL"))

			out, code = apptest.Run(t, dbtest.Env(interrupted), args...)
			require.Equal(t, 0, code, out)
			assert.Contains(t, out, "resumed an interrupted run")
			var read int
			at := strings.Index(out, "  read")
			require.GreaterOrEqual(t, at, 0, out)
			_, err := fmt.Sscanf(out[at:], "  read %d", &read)
			require.NoError(t, err, out)
			assert.LessOrEqual(t, read, 4*4000-1000, "the resumed run starts after its checkpoints, not from the start")
			assert.Equal(t, want, importedRows(t, db))
			// Issue 14: the error file was buffered and truncated per run,
			// so the killed process's rejections were lost.
			assert.Equal(t, wantRejected, errorLines(t, errorFiles["interrupted"]), "every bad line reported exactly once")
			assert.Equal(t, scalar(t, openDB(t, reference), "SELECT COUNT(*) FROM users"), scalar(t, db, "SELECT COUNT(*) FROM users"))
			assert.Equal(t, int64(0), scalar(t, db, "SELECT COUNT(*) FROM import_runs WHERE finished_at IS NULL"))
		})
	}
}

// The exit code is non-zero only when the source cannot be read or nothing
// could be imported; rejected lines alone do not fail the command.
func TestImport_ExitCodes(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			cfg := dbtest.Config(t, driver)
			out, code := apptest.Run(t, dbtest.Env(cfg), "migrate", "up")
			require.Equal(t, 0, code, out)
			folder := func(content string) string {
				dir := t.TempDir()
				require.NoError(t, os.WriteFile(filepath.Join(dir, "x.jsonl"), []byte(content), 0o644))
				return dir
			}
			good := `{"external_id":"e1","author_email":"a@example.com","title":"T","body_markdown":"b"}` + "\n"
			tests := []struct {
				name   string
				source string
				code   int
				output string
			}{
				{"some lines rejected", folder(good + "{bad\n"), 0, "x.jsonl:2: malformed JSON"},
				{"every line rejected", folder("{bad\n[1]\n"), 1, "nothing could be imported"},
				{"missing folder", filepath.Join(t.TempDir(), "nope"), 1, "source folder"},
				{"no files", t.TempDir(), 1, "files      0"},
				{"unreachable S3", "s3://bucket/p/?endpoint=http://127.0.0.1:1&region=us-east-1", 1, "list s3://bucket/p/"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					env := append(dbtest.Env(cfg), "AWS_ACCESS_KEY_ID=k", "AWS_SECRET_ACCESS_KEY=s", "AWS_EC2_METADATA_DISABLED=true")
					out, code := apptest.Run(t, env, "import", "-errors", "-", "-progress", "none", tt.source)
					assert.Equal(t, tt.code, code, out)
					assert.Contains(t, out, tt.output)
				})
			}
		})
	}
}
