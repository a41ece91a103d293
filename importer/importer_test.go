package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth"
	"inkwell/cache"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
	"inkwell/importer"
	"inkwell/models"
	"inkwell/posts"
)

func runImport(t *testing.T, db *database.DB, spec string, opts importer.Options) (importer.Summary, string) {
	t.Helper()
	ctx := context.Background()
	src, err := importer.OpenSource(ctx, spec)
	require.NoError(t, err)
	var rejections bytes.Buffer
	opts.Rejections = &rejections
	sum, err := importer.Run(ctx, db.Orm(), src, opts)
	require.NoError(t, err)
	return sum, rejections.String()
}

// 2,600 records in a plain and a gzip file, batches of 500: the first run
// inserts them all, a re-run writes nothing, and changing 1% writes exactly
// those posts and their tags.
func TestImport_FirstRunUnchangedRerunAndOnePercentChanged(t *testing.T) {
	places(t, func(t *testing.T, put place) {
		dbtest.Each(t, func(t *testing.T, db *database.DB) {
			writes := countWrites(t, db)
			files := export{"a.jsonl": lines(t, 0, 1300, nil), "2024/b.jsonl.gz": lines(t, 1300, 2600, nil), "notes.txt": "not an export"}
			spec := put(t, files)
			opts := importer.Options{BatchSize: 500, Workers: 2}

			sum, _ := runImport(t, db, spec, opts)
			require.Empty(t, sum.Errors)
			assert.Equal(t, 2, sum.Files)
			assert.Equal(t, int64(2600), sum.Read)
			assert.Equal(t, int64(2600), sum.Inserted)
			assert.Zero(t, sum.Updated+sum.Unchanged+sum.Rejected)
			assert.False(t, sum.Failed())
			assert.Equal(t, 2600, count(t, db, "SELECT COUNT(*) FROM posts"))
			assert.Equal(t, 7, count(t, db, "SELECT COUNT(*) FROM users WHERE issuer = ?", models.ImportIssuer))
			assert.Equal(t, 5200, count(t, db, "SELECT COUNT(*) FROM post_tags"))
			assert.Equal(t, map[string]int{"posts INSERT": 2600, "post_tags INSERT": 5200, "users INSERT": 7}, writes())
			first := snapshot(t, db)
			require.Len(t, first, 2600)
			assert.Contains(t, first["post-1"], "author1@example.com\x1fPost number 1\x1fpost-number-1\x1f")
			assert.Contains(t, first["post-1"], `<a href="https://example.com/1" rel="nofollow noopener" target="_blank">link</a>`)
			assert.Contains(t, first["post-1"], "imported,t1")
			assert.Equal(t, 520, count(t, db, "SELECT COUNT(*) FROM posts WHERE status = 'draft' AND published_at IS NULL"))

			sum, _ = runImport(t, db, spec, opts)
			assert.Equal(t, int64(2600), sum.Unchanged)
			assert.Zero(t, sum.Inserted+sum.Updated)
			assert.False(t, sum.Resumed, "the first run finished, so this is a new run")
			assert.Empty(t, writes(), "re-running unchanged files writes no post, tag or user row")
			assert.Equal(t, first, snapshot(t, db))

			changed := map[int]int{}
			for i := 0; i < 2600; i += 100 {
				changed[i] = 1
			}
			files["a.jsonl"], files["2024/b.jsonl.gz"] = lines(t, 0, 1300, changed), lines(t, 1300, 2600, changed)
			spec = put(t, files)
			sum, _ = runImport(t, db, spec, opts)
			assert.Equal(t, int64(26), sum.Updated)
			assert.Equal(t, int64(2600-26), sum.Unchanged)
			assert.Zero(t, sum.Inserted)
			// 26 posts updated; their tags (2 each) deleted and written again.
			assert.Equal(t, map[string]int{"posts UPDATE": 26, "post_tags DELETE": 52, "post_tags INSERT": 52}, writes())
			after := snapshot(t, db)
			for id, row := range after {
				var i int
				_, err := fmt.Sscanf(id, "post-%d", &i)
				require.NoError(t, err)
				if changed[i] == 1 {
					assert.Contains(t, row, "Edited (v1).")
				} else {
					assert.Equal(t, first[id], row)
				}
			}
		})
	})
}

// Every kind of bad line is counted and reported with file:line and a
// reason, in the summary and the error file, and never stops the import.
func TestImport_BadLinesAreReportedAndSkipped(t *testing.T) {
	places(t, func(t *testing.T, put place) {
		dbtest.Each(t, func(t *testing.T, db *database.DB) {
			good := func(i int) string { return jsonLine(t, post(i, 0)) }
			content := strings.Join([]string{
				good(1),
				`{"external_id": "x", "author_email": `,
				strings.Replace(good(2), `"title":"Post number 2"`, `"title":2`, 1),
				`{"external_id":"post-3","author_email":"a@example.com","title":"no body"}`,
				strings.Repeat("x", 3000),
				"{\"external_id\":\"post-4\",\"title\":\"\xff\xfe\"}",
				"",
				good(5),
			}, "\n") + "\n"
			spec := put(t, export{"mixed.jsonl": content})

			sum, errFile := runImport(t, db, spec, importer.Options{MaxLine: 2048})
			assert.Equal(t, int64(7), sum.Read, "the blank line is not a record")
			assert.Equal(t, int64(2), sum.Inserted)
			assert.Equal(t, int64(5), sum.Rejected)
			assert.False(t, sum.Failed())
			want := []string{
				"mixed.jsonl:2: malformed JSON",
				"mixed.jsonl:3: wrong type: title must be a string, got number",
				"mixed.jsonl:4: missing required field(s): body_markdown",
				"mixed.jsonl:5: line is longer than 2048 bytes",
				"mixed.jsonl:6: invalid UTF-8",
			}
			reported := strings.Split(strings.TrimSpace(errFile), "\n")
			require.Len(t, reported, len(want))
			require.Len(t, sum.Rejections, len(want))
			prefix := ""
			if strings.HasPrefix(spec, "s3://") {
				prefix = "blog/" // S3 names files by their key
			}
			for i, w := range want {
				assert.True(t, strings.HasPrefix(reported[i], prefix+w), "error file line %d: %q, want %q", i, reported[i], w)
				assert.True(t, strings.HasPrefix(sum.Rejections[i].String(), prefix+w), "summary %d: %q", i, sum.Rejections[i])
			}
			assert.Equal(t, 2, count(t, db, "SELECT COUNT(*) FROM posts"))
		})
	})
}

func TestSummary_FailedOnlyWhenTheSourceIsUnreadableOrNothingImported(t *testing.T) {
	tests := []struct {
		name   string
		sum    importer.Summary
		failed bool
	}{
		{"all imported", importer.Summary{Files: 1, Read: 10, Inserted: 10}, false},
		{"some rejected", importer.Summary{Files: 1, Read: 10, Inserted: 1, Rejected: 9}, false},
		{"all unchanged", importer.Summary{Files: 1, Read: 10, Unchanged: 10}, false},
		{"resumed, every file already done", importer.Summary{Files: 2, FilesSkipped: 2}, false},
		{"every line rejected", importer.Summary{Files: 1, Read: 10, Rejected: 10}, true},
		{"no files", importer.Summary{}, true},
		{"a file broke off", importer.Summary{Files: 2, FilesFailed: 1, Read: 10, Inserted: 10}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.failed, tt.sum.Failed()) })
	}
}

func TestImport_SourceErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		_, err := importer.OpenSource(ctx, t.TempDir()+"/missing")
		assert.ErrorContains(t, err, "source folder")

		put := bucket(t)
		spec := put(t, export{})
		src, err := importer.OpenSource(ctx, strings.Replace(spec, "s3://exports/", "s3://no-such-bucket/", 1))
		require.NoError(t, err)
		_, err = importer.Run(ctx, db.Orm(), src, importer.Options{})
		assert.ErrorContains(t, err, "list s3://no-such-bucket/blog/")

		empty, err := importer.OpenSource(ctx, t.TempDir())
		require.NoError(t, err)
		sum, err := importer.Run(ctx, db.Orm(), empty, importer.Options{})
		require.NoError(t, err)
		assert.True(t, sum.Failed(), "an empty source imports nothing")

		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.jsonl.gz"), []byte("not gzip at all"), 0o644))
		src, err = importer.OpenSource(ctx, dir)
		require.NoError(t, err)
		sum, err = importer.Run(ctx, db.Orm(), src, importer.Options{})
		require.NoError(t, err)
		assert.Equal(t, 1, sum.FilesFailed)
		assert.True(t, sum.Failed())
		require.Len(t, sum.Errors, 1)
		assert.ErrorContains(t, sum.Errors[0], "broken.jsonl.gz: not gzip")

		_, err = importer.Run(ctx, db.Orm(), src, importer.Options{SourceName: strings.Repeat("é", 256)})
		assert.ErrorContains(t, err, "the source's name is 256 characters, more than 255; give a shorter one with -name")
		_, err = importer.Run(ctx, db.Orm(), src, importer.Options{SourceName: strings.Repeat("é", 255)})
		assert.NoError(t, err, "255 characters of 2 bytes fit")
	})
}

// Authors are matched by email: someone who signed in with Google before
// the import gets the posts; others get an import user, which their first
// Google sign-in adopts (users tests cover that side).
func TestImport_AuthorsAreGoogleUsersWithTheEmailOrNewImportUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		google := &models.User{Issuer: auth.GoogleIssuer, IssuerID: "sub-1", Email: "author1@example.com", Name: "Signed In"}
		require.NoError(t, models.InsertUser(ctx, db.Orm(), google))
		spec := folder()(t, export{"x.jsonl": lines(t, 0, 14, nil)})

		sum, _ := runImport(t, db, spec, importer.Options{})
		assert.Equal(t, int64(14), sum.Inserted)
		assert.Equal(t, 2, count(t, db, "SELECT COUNT(*) FROM posts WHERE author_id = ?", google.ID))
		assert.Equal(t, 6, count(t, db, "SELECT COUNT(*) FROM users WHERE issuer = ?", models.ImportIssuer))
		assert.Equal(t, 0, count(t, db, "SELECT COUNT(*) FROM users WHERE issuer = ? AND issuer_id = 'author1@example.com'", models.ImportIssuer))
	})
}

// Issue 14: MariaDB's collation took jose@/josé@ and strasse@/straße@ for
// one address, so the second author was never created, its batch failed
// and every re-run stuck there. Addresses are one author exactly when they
// are equal lower-cased, on both databases; a Google user is matched only
// by an address equal to theirs, not one that merely collates alike.
func TestImport_AuthorEmailsThatCollateAlikeAreDifferentAuthors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		google := &models.User{Issuer: auth.GoogleIssuer, IssuerID: "sub-jose", Email: "jose@example.com", Name: "José Signed In"}
		require.NoError(t, models.InsertUser(ctx, db.Orm(), google))
		emails := []string{"jose@example.com", "josé@example.com", "JOSÉ@example.com", "strasse@example.com", "straße@example.com", "after@example.com"}
		var content strings.Builder
		for i, email := range emails {
			rec := post(i, 0)
			rec["author_email"] = email
			content.WriteString(jsonLine(t, rec) + "\n")
		}
		// Batches of 2: the lines after the clashing ones must be imported too.
		spec := folder()(t, export{"authors.jsonl": content.String()})
		sum, errFile := runImport(t, db, spec, importer.Options{BatchSize: 2})
		require.Empty(t, sum.Errors)
		assert.Empty(t, errFile)
		assert.Equal(t, int64(len(emails)), sum.Inserted)
		authorOf := func(ext string) (issuer, email string) {
			require.NoError(t, db.SQL.QueryRow("SELECT u.issuer, u.email FROM posts p JOIN users u ON u.id = p.author_id WHERE p.import_external_id = ?",
				ext).Scan(&issuer, &email))
			return issuer, email
		}
		for i, want := range []string{"jose@example.com", "josé@example.com", "josé@example.com", "strasse@example.com", "straße@example.com", "after@example.com"} {
			issuer, email := authorOf(fmt.Sprintf("post-%d", i))
			assert.Equal(t, want, email, "post-%d", i)
			if i == 0 {
				assert.Equal(t, auth.GoogleIssuer, issuer, "the Google user with that very address")
			} else {
				assert.Equal(t, models.ImportIssuer, issuer, "post-%d", i)
			}
		}
		assert.Equal(t, 4, count(t, db, "SELECT COUNT(*) FROM users WHERE issuer = ?", models.ImportIssuer))
		sum, _ = runImport(t, db, spec, importer.Options{BatchSize: 2})
		require.Empty(t, sum.Errors)
		assert.Equal(t, int64(len(emails)), sum.Unchanged)
	})
}

// A record repeated within a file, in one batch or across batches, ends as
// one post with the content of its last line.
func TestImport_RepeatedExternalIDKeepsTheLastLine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		content := lines(t, 0, 3, nil) + jsonLine(t, post(1, 2)) + "\n" + lines(t, 3, 6, nil) + jsonLine(t, post(4, 3)) + "\n"
		spec := folder()(t, export{"dup.jsonl": content})
		sum, _ := runImport(t, db, spec, importer.Options{BatchSize: 5})
		assert.Equal(t, int64(8), sum.Read)
		assert.Equal(t, 6, count(t, db, "SELECT COUNT(*) FROM posts"))
		snap := snapshot(t, db)
		assert.Contains(t, snap["post-1"], "Edited (v2).")
		assert.Contains(t, snap["post-4"], "Edited (v3).")
	})
}

// An id repeated in one batch is decided by its last line even when that
// line is the one already stored: the earlier, different line must not win.
func TestImport_RepeatedIDEndingInTheStoredLineKeepsIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		first := lines(t, 0, 3, nil)
		runImport(t, db, folder()(t, export{"x.jsonl": first}), importer.Options{SourceName: "blog"})
		before := snapshot(t, db)

		again := jsonLine(t, post(1, 5)) + "\n" + first
		sum, _ := runImport(t, db, folder()(t, export{"x.jsonl": again}), importer.Options{SourceName: "blog"})
		assert.Equal(t, int64(4), sum.Read)
		assert.Zero(t, sum.Inserted+sum.Rejected)
		assert.Equal(t, before, snapshot(t, db), "post-1 ends as its last line, the stored one")
	})
}

// A changed record whose post was deleted in the app is imported anew, in
// the same batch as updates of posts that are still there, each with its tags.
func TestImport_ChangedRecordOfADeletedPostIsInsertedAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		runImport(t, db, folder()(t, export{"x.jsonl": lines(t, 0, 10, nil)}), importer.Options{SourceName: "blog"})
		_, err := db.SQL.Exec("DELETE FROM posts WHERE import_external_id IN ('post-1', 'post-2')")
		require.NoError(t, err)

		changed := map[int]int{1: 1, 2: 1, 3: 1, 4: 1}
		sum, _ := runImport(t, db, folder()(t, export{"x.jsonl": lines(t, 0, 10, changed)}), importer.Options{SourceName: "blog"})
		assert.Equal(t, int64(2), sum.Inserted)
		assert.Equal(t, int64(2), sum.Updated)
		assert.Equal(t, int64(6), sum.Unchanged)
		assert.Empty(t, sum.Errors)
		snap := snapshot(t, db)
		require.Len(t, snap, 10)
		for i := 1; i <= 4; i++ {
			id := fmt.Sprintf("post-%d", i)
			assert.Contains(t, snap[id], "Edited (v1).", id)
			assert.True(t, strings.HasSuffix(snap[id], fmt.Sprintf("\x1fimported,t%d", i%3)), "%s has its tags: %q", id, snap[id])
		}
		assert.Equal(t, 20, count(t, db, "SELECT COUNT(*) FROM post_tags"))
	})
}

// Changed records are written once there are a batch of them, not once per
// batch of lines read: 20 changed records among 1,000 lines in batches of
// 100 take one transaction (the file's last, which also marks it done).
func TestImport_ChangedRecordsAreWrittenInBatchesOfChangedRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		opts := importer.Options{BatchSize: 100, SourceName: "blog"}
		runImport(t, db, folder()(t, export{"x.jsonl": lines(t, 0, 1000, nil)}), opts)
		_, err := db.SQL.Exec("CREATE TABLE checkpoint_log (n INT)")
		require.NoError(t, err)
		for _, op := range []string{"INSERT", "UPDATE"} {
			trigger := "CREATE TRIGGER log_checkpoint_" + op + " AFTER " + op + " ON import_checkpoints FOR EACH ROW "
			if db.Dialect == schema.MySQL {
				trigger += "INSERT INTO checkpoint_log (n) VALUES (1)"
			} else {
				trigger += "BEGIN INSERT INTO checkpoint_log (n) VALUES (1); END"
			}
			_, err := db.SQL.Exec(trigger)
			require.NoError(t, err)
		}

		changed := map[int]int{}
		for i := 0; i < 1000; i += 50 {
			changed[i] = 1
		}
		sum, _ := runImport(t, db, folder()(t, export{"x.jsonl": lines(t, 0, 1000, changed)}), opts)
		assert.Equal(t, int64(20), sum.Updated)
		assert.Equal(t, int64(980), sum.Unchanged)
		assert.Equal(t, 1, count(t, db, "SELECT COUNT(*) FROM checkpoint_log"), "one transaction")
		snap := snapshot(t, db)
		assert.Contains(t, snap["post-950"], "Edited (v1).")
		assert.NotContains(t, snap["post-951"], "Edited")
	})
}

// A changed line waiting to be written is superseded by a later line of the
// same id from a later batch, even when that later line is the stored one.
func TestImport_PendingRecordIsSupersededByALaterStoredLine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		opts := importer.Options{BatchSize: 5, SourceName: "blog"}
		runImport(t, db, folder()(t, export{"x.jsonl": lines(t, 0, 9, nil)}), opts)
		before := snapshot(t, db)

		content := lines(t, 0, 1, nil) + jsonLine(t, post(1, 7)) + "\n" + lines(t, 2, 5, nil) + // batch 1: post-1 changed
			lines(t, 5, 9, nil) + jsonLine(t, post(1, 0)) + "\n" // batch 2: post-1 as stored
		sum, _ := runImport(t, db, folder()(t, export{"x.jsonl": content}), opts)
		assert.Equal(t, int64(10), sum.Read)
		assert.Empty(t, sum.Errors)
		assert.Equal(t, before, snapshot(t, db), "post-1 ends as its last line")
	})
}

// Two files holding the same ids, imported at once, both succeed: a worker
// may find a post new when it scans and already inserted by the other when
// it writes. Each post ends as one of the two versions.
func TestImport_SameIDsInTwoFilesImportedAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		v1, v2 := map[int]int{}, map[int]int{}
		for i := 0; i < 2000; i++ {
			v1[i], v2[i] = 1, 2
		}
		files := export{"a.jsonl": lines(t, 0, 2000, v1), "b.jsonl": lines(t, 0, 2000, v2)}
		sum, _ := runImport(t, db, folder()(t, files), importer.Options{Workers: 2, BatchSize: 50})
		require.Empty(t, sum.Errors)
		assert.Equal(t, int64(4000), sum.Inserted+sum.Updated)
		snap := snapshot(t, db)
		assert.Len(t, snap, 2000)
		for id, row := range snap {
			assert.True(t, strings.Contains(row, "Edited (v1).") || strings.Contains(row, "Edited (v2)."), id)
		}
		assert.Equal(t, 4000, count(t, db, "SELECT COUNT(*) FROM post_tags"))
	})
}

// External ids are opaque: ids differing only in case or a trailing space
// are different records (MySQL's default collation took them for one).
func TestImport_ExternalIDsCompareByteForByte(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		var content strings.Builder
		for i, id := range []string{"Post-1", "post-1", "a", "a "} {
			rec := post(i, 0)
			rec["external_id"] = id
			content.WriteString(jsonLine(t, rec) + "\n")
		}
		files := export{"ids.jsonl": content.String()}
		sum, _ := runImport(t, db, folder()(t, files), importer.Options{SourceName: "blog"})
		assert.Equal(t, int64(4), sum.Inserted)
		assert.Empty(t, sum.Errors)
		assert.Len(t, snapshot(t, db), 4)
		sum, _ = runImport(t, db, folder()(t, files), importer.Options{SourceName: "blog"})
		assert.Equal(t, int64(4), sum.Unchanged)
		sum, _ = runImport(t, db, folder()(t, files), importer.Options{SourceName: "Blog"})
		assert.Equal(t, int64(4), sum.Inserted, "a source name differing in case is another source")
	})
}

// A line naming external_id twice is the record of its last one (as JSON
// decoders read it), though the cheap read before decoding sees the first.
func TestImport_LineWithTwoExternalIDsUpdatesTheLastOnesPost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		runImport(t, db, folder()(t, export{"x.jsonl": lines(t, 0, 3, nil)}), importer.Options{SourceName: "blog"})
		before := snapshot(t, db)
		twice := strings.Replace(jsonLine(t, post(2, 1)), `{`, `{"external_id":"post-1",`, 1)
		sum, _ := runImport(t, db, folder()(t, export{"x.jsonl": twice + "\n"}), importer.Options{SourceName: "blog"})
		assert.Equal(t, int64(1), sum.Updated)
		assert.Empty(t, sum.Errors)
		after := snapshot(t, db)
		assert.Equal(t, before["post-1"], after["post-1"])
		assert.Contains(t, after["post-2"], "Edited (v1).")
	})
}

// The same export read from another place under the same -name updates the
// posts it imported before instead of importing them again.
func TestImport_SourceNameKeepsPostsWhenTheExportMoves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		files := export{"x.jsonl": lines(t, 0, 20, nil)}
		sum, _ := runImport(t, db, folder()(t, files), importer.Options{SourceName: "old-blog"})
		assert.Equal(t, int64(20), sum.Inserted)
		sum, _ = runImport(t, db, folder()(t, files), importer.Options{SourceName: "old-blog"})
		assert.Equal(t, int64(20), sum.Unchanged)
		sum, _ = runImport(t, db, folder()(t, files), importer.Options{})
		assert.Equal(t, int64(20), sum.Inserted, "without the name, another folder is another source")
		assert.Equal(t, 20, count(t, db, "SELECT COUNT(*) FROM posts WHERE import_source = 'old-blog'"))
	})
}

// A post the app has cached is served in its imported new form right after
// the batch that changed it commits.
func TestImport_ChangedPostsLeaveThePostCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		svc := posts.NewService(db, cache.NewMemory(1<<20), nil)
		put := folder()
		spec := put(t, export{"x.jsonl": lines(t, 0, 3, nil)})
		runImport(t, db, spec, importer.Options{Cache: svc})
		var id int64
		require.NoError(t, db.SQL.QueryRow("SELECT id FROM posts WHERE import_external_id = 'post-1'").Scan(&id))
		before, err := svc.Get(ctx, id, 0)
		require.NoError(t, err)
		require.NotContains(t, before.BodyMarkdown, "Edited")

		spec = put(t, export{"x.jsonl": lines(t, 0, 3, map[int]int{1: 1})})
		sum, _ := runImport(t, db, spec, importer.Options{Cache: svc})
		require.Equal(t, int64(1), sum.Updated)
		after, err := svc.Get(ctx, id, 0)
		require.NoError(t, err)
		assert.Contains(t, after.BodyMarkdown, "Edited (v1).")
		assert.Contains(t, after.BodyHTML, "Edited (v1).")
	})
}

// brokenSource is a source one of whose files cannot be opened: the edge
// of the world failing, as a network error on a bucket would.
type brokenSource struct {
	importer.Source
	broken string
}

func (b brokenSource) Open(ctx context.Context, f importer.File) (io.ReadCloser, error) {
	if f.Name == b.broken {
		return nil, errors.New("connection reset by peer")
	}
	return b.Source.Open(ctx, f)
}

// A run that could not finish every file is resumed by the next import:
// files already done are skipped, the rest read after their checkpoints,
// and a file that changed meanwhile is read again from its start.
func TestImport_UnfinishedRunIsResumed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		put := folder()
		spec := put(t, export{"a.jsonl": lines(t, 0, 30, nil), "b.jsonl": lines(t, 30, 60, nil), "c.jsonl": lines(t, 60, 90, nil)})
		src, err := importer.OpenSource(ctx, spec)
		require.NoError(t, err)

		sum, err := importer.Run(ctx, db.Orm(), brokenSource{Source: src, broken: "b.jsonl"}, importer.Options{BatchSize: 10})
		require.NoError(t, err)
		assert.Equal(t, 1, sum.FilesFailed)
		assert.True(t, sum.Failed())
		assert.ErrorContains(t, sum.Errors[0], "connection reset by peer")
		assert.Equal(t, int64(60), sum.Inserted)

		// c.jsonl changes before the next attempt; a.jsonl does not.
		spec = put(t, export{"c.jsonl": lines(t, 60, 90, map[int]int{61: 1})})
		src, err = importer.OpenSource(ctx, spec)
		require.NoError(t, err)
		sum, err = importer.Run(ctx, db.Orm(), src, importer.Options{BatchSize: 10})
		require.NoError(t, err)
		assert.True(t, sum.Resumed)
		assert.Equal(t, 1, sum.FilesSkipped, "a.jsonl was done in the interrupted run")
		assert.Equal(t, int64(60), sum.Read, "b.jsonl and the changed c.jsonl are read, a.jsonl is not")
		assert.Equal(t, int64(30), sum.Inserted)
		assert.Equal(t, int64(1), sum.Updated)
		assert.Equal(t, int64(29), sum.Unchanged)
		assert.False(t, sum.Failed())
		assert.Equal(t, 90, count(t, db, "SELECT COUNT(*) FROM posts"))

		sum, err = importer.Run(ctx, db.Orm(), src, importer.Options{BatchSize: 10})
		require.NoError(t, err)
		assert.False(t, sum.Resumed, "the resumed run finished")
		assert.Equal(t, int64(90), sum.Unchanged)
	})
}

// cutSource is a source one of whose files breaks off after its first
// cutAfter bytes, as a connection dropped mid-download would.
type cutSource struct {
	importer.Source
	name     string
	cutAfter int64
}

func (c cutSource) Open(ctx context.Context, f importer.File) (io.ReadCloser, error) {
	body, err := c.Source.Open(ctx, f)
	if err != nil || f.Name != c.name {
		return body, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(body, c.cutAfter), errReader{}), body}, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// withBadLines replaces the given 1-based lines of content with malformed JSON.
func withBadLines(content string, bad ...int) string {
	ls := strings.SplitAfter(content, "\n")
	for _, n := range bad {
		ls[n-1] = "{bad line " + strconv.Itoa(n) + "\n"
	}
	return strings.Join(ls, "")
}

// Issue 14: the error file lost what an interrupted run had rejected. The
// resumed run's error output starts with every rejection the interrupted
// run committed, then reports the rest: every bad line exactly once, and
// none of a file that changed since (it is read again from its start).
func TestImport_ResumedRunReportsEveryBadLineExactlyOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		put := folder()
		b := withBadLines(lines(t, 30, 70, nil), 3, 17, 33)
		spec := put(t, export{
			"a.jsonl": withBadLines(lines(t, 0, 30, nil), 5, 25),
			"b.jsonl": b,
			"c.jsonl": withBadLines(lines(t, 70, 90, nil), 7),
		})
		src, err := importer.OpenSource(ctx, spec)
		require.NoError(t, err)
		cut := int64(len(strings.Join(strings.SplitAfter(b, "\n")[:18], "")))
		var first bytes.Buffer
		sum, err := importer.Run(ctx, db.Orm(), cutSource{Source: src, name: "b.jsonl", cutAfter: cut},
			importer.Options{BatchSize: 4, Workers: 1, Rejections: &first})
		require.NoError(t, err)
		require.Equal(t, 1, sum.FilesFailed, sum.Errors)
		assert.Contains(t, first.String(), "b.jsonl:3: ", "b's first batches committed before the cut")
		assert.NotContains(t, first.String(), "b.jsonl:17: ", "line 17's batch never committed")

		// c.jsonl changes before the next attempt: its bad line moves.
		spec = put(t, export{"c.jsonl": withBadLines(lines(t, 70, 90, nil), 9, 10)})
		src, err = importer.OpenSource(ctx, spec)
		require.NoError(t, err)
		var second bytes.Buffer
		sum, err = importer.Run(ctx, db.Orm(), src, importer.Options{BatchSize: 4, Workers: 1, Rejections: &second})
		require.NoError(t, err)
		require.True(t, sum.Resumed)
		require.Empty(t, sum.Errors)

		var reported []string
		for _, l := range strings.Split(strings.TrimSpace(second.String()), "\n") {
			file, rest, _ := strings.Cut(l, ": ")
			assert.Contains(t, rest, "malformed JSON", l)
			reported = append(reported, file)
		}
		sort.Strings(reported)
		assert.Equal(t, []string{"a.jsonl:25", "a.jsonl:5", "b.jsonl:17", "b.jsonl:3", "b.jsonl:33", "c.jsonl:10", "c.jsonl:9"}, reported)
		assert.Equal(t, sum.RejectedEarlier+sum.Rejected, int64(len(reported)))
		assert.Equal(t, int64(4), sum.Rejected, "b's lines after its checkpoint and c's new ones")
	})
}
