package media_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/media"
)

// exportFixture is a library with what an export must get right: two
// owners, nested folders, two items of the same name in one folder, a
// name that tries to climb out of the export, a .jpeg name and a video.
type exportFixture struct {
	items []*media.Item
	// want maps each expected path to the item's storage key.
	want map[string]string
}

func newExportFixture(t *testing.T, e *env) exportFixture {
	t.Helper()
	a := e.upload(t, e.alice, "trips", "a.jpg", distinctJPEG(t, 1))
	b := e.upload(t, e.alice, "trips", "A.jpg", distinctJPEG(t, 2))
	c := e.upload(t, e.alice, "", "../../etc/passwd", distinctJPEG(t, 3))
	d := e.upload(t, e.bob, "", "clip.mp4", mp4Head())
	f := e.upload(t, e.bob, "x/y", "photo.JPEG", distinctJPEG(t, 4))
	alice, bob := strconv.FormatInt(e.alice, 10), strconv.FormatInt(e.bob, 10)
	return exportFixture{items: []*media.Item{a, b, c, d, f}, want: map[string]string{
		alice + "/trips/a.jpg": keyOf(t, a.URL),
		alice + "/trips/A (" + strconv.FormatInt(b.ID, 10) + ").jpg": keyOf(t, b.URL),
		alice + "/_.._etc_passwd.jpg":                                keyOf(t, c.URL),
		bob + "/clip.mp4":                                            keyOf(t, d.URL),
		bob + "/x/y/photo.JPEG":                                      keyOf(t, f.URL),
	}}
}

// exportedFiles lists the regular files under dir by their '/' path,
// manifests excluded, and checks every folder's and file's mode.
func exportedFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		st, err := d.Info()
		require.NoError(t, err)
		if d.IsDir() {
			if p != dir {
				assert.Equal(t, fs.FileMode(0o755), st.Mode().Perm(), "folder %s", p)
			}
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		require.NoError(t, err)
		rel = filepath.ToSlash(rel)
		assert.Equal(t, fs.FileMode(0o644), st.Mode().Perm(), "file %s", rel)
		if rel == media.ManifestName || rel == ".manifest.partial.jsonl" {
			return nil
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		out[rel] = data
		return nil
	}))
	return out
}

func readManifest(t *testing.T, dir string) []media.ManifestEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, media.ManifestName))
	require.NoError(t, err)
	defer func() { _ = f.Close() }() // read-only
	var out []media.ManifestEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e media.ManifestEntry
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		out = append(out, e)
	}
	require.NoError(t, sc.Err())
	return out
}

// withUmask runs the test under a strict umask, so modes that were merely
// the umask's default would show.
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func TestExport_WritesEveryOriginalByOwnerAndFolderWithAManifest(t *testing.T) {
	withUmask(t, 0o077)
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		fx := newExportFixture(t, e)
		dir := filepath.Join(t.TempDir(), "export")

		var seen []media.ExportProgress
		rep, err := e.svc.Export(ctx, dir, media.ExportOptions{Progress: func(p media.ExportProgress) { seen = append(seen, p) }})
		require.NoError(t, err)
		assert.Equal(t, 5, rep.Items)
		assert.Equal(t, 5, rep.Written)
		assert.Zero(t, rep.Present)
		require.Len(t, seen, 5)
		assert.Equal(t, media.ExportProgress{Done: 5, Total: 5, Bytes: rep.Bytes, TotalBytes: rep.Bytes}, seen[4])

		st, err := os.Stat(dir)
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o755), st.Mode().Perm())
		files := exportedFiles(t, dir)
		require.Len(t, files, len(fx.want))
		var total int64
		for p, key := range fx.want {
			obj, err := e.bucket.ReadAll(ctx, key)
			require.NoError(t, err)
			assert.Equal(t, obj, files[p], "%s holds the original of %s", p, key)
			total += int64(len(obj))
		}
		assert.Equal(t, total, rep.Bytes)

		manifest := readManifest(t, dir)
		require.Len(t, manifest, 5)
		for i, m := range manifest {
			it := fx.items[i]
			assert.Equal(t, it.ID, m.ID, "id order")
			assert.Equal(t, it.Folder, m.Folder)
			assert.Equal(t, it.Name, m.Name)
			assert.Equal(t, it.ContentType, m.ContentType)
			assert.Equal(t, it.Size, m.Size)
			assert.Equal(t, fx.want[m.Path], m.Key)
			sum := sha256.Sum256(files[m.Path])
			assert.Equal(t, hex.EncodeToString(sum[:]), m.SHA256)
		}
		assert.Equal(t, e.alice, manifest[0].Owner)
		assert.Equal(t, e.bob, manifest[3].Owner)

		again, err := e.svc.Export(ctx, dir, media.ExportOptions{})
		require.NoError(t, err)
		assert.Equal(t, media.ExportReport{Items: 5, Present: 5, Bytes: rep.Bytes}, again, "a second run writes nothing")
		assert.Equal(t, manifest, readManifest(t, dir))
	})
}

func TestExport_AnInterruptedRunLeavesWholeFilesAndResumes(t *testing.T) {
	withUmask(t, 0o077)
	each(t, func(t *testing.T, e *env) {
		fx := newExportFixture(t, e)
		dir := t.TempDir()

		// The run is killed after its second file.
		ctx, cancel := context.WithCancel(context.Background())
		_, err := e.svc.Export(ctx, dir, media.ExportOptions{Progress: func(p media.ExportProgress) {
			if p.Done == 2 {
				cancel()
			}
		}})
		require.ErrorIs(t, err, context.Canceled)
		files := exportedFiles(t, dir)
		require.Len(t, files, 2)
		for p, data := range files {
			obj, err := e.bucket.ReadAll(context.Background(), fx.want[p])
			require.NoError(t, err)
			assert.Equal(t, obj, data, "%s is whole", p)
			assert.False(t, strings.HasSuffix(p, ".inkwell-part"), "no temporary file left by a cancelled run: %s", p)
		}
		_, err = os.Stat(filepath.Join(dir, media.ManifestName))
		assert.ErrorIs(t, err, fs.ErrNotExist, "the manifest is written by a run that finished")

		// What kill -9 leaves: a half-written file under its temporary
		// name. And one finished file damaged since (same size).
		alice := strconv.FormatInt(e.alice, 10)
		leftover := filepath.Join(dir, alice, "trips", ".a.jpg.inkwell-part")
		require.NoError(t, os.MkdirAll(filepath.Dir(leftover), 0o755))
		require.NoError(t, os.WriteFile(leftover, []byte("half"), 0o644))
		damaged := filepath.Join(dir, alice, "trips", "a.jpg")
		data, err := os.ReadFile(damaged)
		require.NoError(t, err)
		data[len(data)/2] ^= 0xff
		require.NoError(t, os.WriteFile(damaged, data, 0o644))

		rep, err := e.svc.Export(context.Background(), dir, media.ExportOptions{})
		require.NoError(t, err)
		assert.Equal(t, 5, rep.Items)
		assert.Equal(t, 1, rep.Present, "the undamaged file of the first run is kept")
		assert.Equal(t, 4, rep.Written, "three new files and the damaged one")
		assert.Equal(t, 1, rep.Leftovers)

		files = exportedFiles(t, dir)
		require.Len(t, files, len(fx.want), "no temporary files: %v", keys(files))
		for p, key := range fx.want {
			obj, err := e.bucket.ReadAll(context.Background(), key)
			require.NoError(t, err)
			assert.Equal(t, obj, files[p], p)
		}
		assert.Len(t, readManifest(t, dir), 5)
		_, err = os.Stat(filepath.Join(dir, ".manifest.partial.jsonl"))
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
}

func TestExport_AMissingObjectIsReportedAndTheRestExported(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		fx := newExportFixture(t, e)
		lost := keyOf(t, fx.items[3].URL)
		require.NoError(t, e.bucket.Delete(ctx, lost))
		dir := t.TempDir()
		var logged []string
		rep, err := e.svc.Export(ctx, dir, media.ExportOptions{Log: func(f string, a ...any) { logged = append(logged, f) }})
		require.True(t, errors.Is(err, media.ErrExportIncomplete), "%v", err)
		assert.Equal(t, 1, rep.Failed)
		assert.Equal(t, 4, rep.Written)
		assert.Len(t, logged, 1)
		manifest := readManifest(t, dir)
		require.Len(t, manifest, 4)
		for _, m := range manifest {
			assert.NotEqual(t, lost, m.Key)
		}
	})
}

func TestExport_RefusesAFileAsTheFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	each(t, func(t *testing.T, e *env) {
		_, err := e.svc.Export(context.Background(), file, media.ExportOptions{})
		require.ErrorContains(t, err, "not a folder")
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
