package media

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"inkwell/models"
)

// Files the export writes besides the media.
const (
	// ManifestName lists every exported file, one JSON object a line, in
	// id order; it is written last, whole (temporary name, then rename).
	ManifestName = "manifest.jsonl"
	// partialManifestName collects the lines of a run in progress, so a
	// killed run's successor knows which files are whole and what they hash
	// to without reading the bucket again.
	partialManifestName = ".manifest.partial.jsonl"
	// partSuffix marks a file being written. A killed run leaves at most
	// one per file in flight; the next run deletes them first.
	partSuffix = ".inkwell-part"
	// exportPage is how many rows are read at a time.
	exportPage = 500
	// maxExportStem bounds a file name's stem in bytes: a name may be 200
	// characters of up to 4 bytes, and most file systems allow 255 bytes.
	maxExportStem = 180
)

// ManifestEntry is one line of the manifest: an exported original.
type ManifestEntry struct {
	ID    int64 `json:"id"`
	Owner int64 `json:"owner"`
	// Folder and Name are the library's (API.md); Path is where the file
	// is under the export folder ('/'-separated): owner/folder/name, the
	// name made safe for a file system and unique in its folder.
	Folder string `json:"folder"`
	Name   string `json:"name"`
	Path   string `json:"path"`
	// Key is the object's storage key (content-addressed).
	Key  string `json:"key"`
	Size int64  `json:"size"`
	// SHA256 is the hash of the exported bytes. (The library's own sha256
	// is the uploaded file's, before EXIF stripping and re-encoding, which
	// is why it names the key but is not the file's hash.)
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type"`
	Source      string    `json:"source"`
	CreatedAt   time.Time `json:"created_at"`
}

// ExportProgress is reported after each item.
type ExportProgress struct {
	Done, Total       int64
	Bytes, TotalBytes int64
}

// ExportReport counts what an export did.
type ExportReport struct {
	// Items is the number of library items seen.
	Items int `json:"items"`
	// Written files were copied now; Present ones were already whole from
	// an earlier run (same size and hash) and were not read again.
	Written int `json:"written"`
	Present int `json:"present"`
	// Failed items could not be read from the bucket (missing object, size
	// not the library's); each is logged.
	Failed int `json:"failed"`
	// Bytes is the size of every exported file, written or present.
	Bytes int64 `json:"bytes"`
	// Leftovers is the number of half-written files of a killed run that
	// were deleted.
	Leftovers int `json:"leftovers"`
}

// ExportOptions are the optional parts of an export.
type ExportOptions struct {
	// Progress, when set, is called after each item.
	Progress func(ExportProgress)
	// Log, when set, receives what went wrong with single items.
	Log func(format string, args ...any)
}

// ErrExportIncomplete is returned (wrapped) when some items could not be
// exported; the others are, and the manifest lists them.
var ErrExportIncomplete = errors.New("media: export incomplete")

// Export writes the original of every item of every owner into dir, as
// dir/{owner id}/{folder}/{name}, directories 0755 and files 0644, plus
// the manifest. Thumbnails and post renderings are not exported: they are
// made from the originals by the pipeline. It can be run again over the
// same dir: files already there with the manifest's size and hash are
// kept, the rest are written; each file is written under a temporary name
// and renamed, so an interrupted run leaves only whole files (and its
// temporary files, which the next run deletes).
func (s *Service) Export(ctx context.Context, dir string, opts ExportOptions) (ExportReport, error) {
	var rep ExportReport
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if err := makeExportDir(dir); err != nil {
		return rep, err
	}
	n, err := removeLeftovers(dir)
	rep.Leftovers = n
	if err != nil {
		return rep, err
	}
	prior, err := readManifests(filepath.Join(dir, ManifestName), filepath.Join(dir, partialManifestName))
	if err != nil {
		return rep, err
	}
	o := s.db.Orm()
	totalItems, totalBytes, err := models.MediaTotals(ctx, o)
	if err != nil {
		return rep, err
	}
	partial, err := os.OpenFile(filepath.Join(dir, partialManifestName), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return rep, fmt.Errorf("media: export manifest: %w", err)
	}
	defer func() { _ = partial.Close() }() // closed explicitly on success
	if err := partial.Chmod(0o644); err != nil {
		return rep, fmt.Errorf("media: export manifest: %w", err)
	}

	var entries []ManifestEntry
	used := map[string]bool{}
	var after int64
	for {
		rows, err := models.MediaItemsAfter(ctx, o, after, exportPage)
		if err != nil {
			return rep, err
		}
		if len(rows) == 0 {
			break
		}
		for i := range rows {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			row := &rows[i]
			after = row.ID
			rep.Items++
			rel := exportPath(row, used)
			e, written, err := s.exportItem(ctx, dir, rel, row, prior[rel])
			var itemErr *exportItemError
			switch {
			case errors.As(err, &itemErr):
				rep.Failed++
				logf("item %d (%s): %v", row.ID, row.StorageKey, itemErr.err)
			case err != nil:
				return rep, err
			default:
				if written {
					rep.Written++
					line, _ := json.Marshal(e)
					if _, err := partial.Write(append(line, '\n')); err != nil {
						return rep, fmt.Errorf("media: export manifest: %w", err)
					}
				} else {
					rep.Present++
				}
				rep.Bytes += e.Size
				entries = append(entries, e)
			}
			if opts.Progress != nil {
				opts.Progress(ExportProgress{Done: int64(rep.Items), Total: max(totalItems, int64(rep.Items)),
					Bytes: rep.Bytes, TotalBytes: max(totalBytes, rep.Bytes)})
			}
		}
	}
	if err := writeManifest(filepath.Join(dir, ManifestName), entries); err != nil {
		return rep, err
	}
	if err := partial.Close(); err != nil {
		return rep, fmt.Errorf("media: export manifest: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, partialManifestName)); err != nil {
		return rep, fmt.Errorf("media: export manifest: %w", err)
	}
	if rep.Failed > 0 {
		return rep, fmt.Errorf("%w: %d of %d items could not be read", ErrExportIncomplete, rep.Failed, rep.Items)
	}
	return rep, nil
}

// exportItemError is a failure of one item (its object), after which the
// export goes on; any other error (the local disk, the database, the
// context) stops it.
type exportItemError struct{ err error }

func (e *exportItemError) Error() string { return e.err.Error() }

// exportItem makes sure dir/rel holds row's original. A file already
// there is kept when the manifest of an earlier run (prior) names the same
// object and the file still has that size and hash.
func (s *Service) exportItem(ctx context.Context, dir, rel string, row *models.MediaItem, prior *ManifestEntry) (ManifestEntry, bool, error) {
	e := ManifestEntry{ID: row.ID, Owner: row.OwnerID, Folder: row.Folder, Name: row.Name, Path: rel, Key: row.StorageKey,
		ContentType: row.ContentType, Source: row.Source, CreatedAt: row.CreatedAt.UTC()}
	full := filepath.Join(dir, filepath.FromSlash(rel))
	if prior != nil && prior.Key == row.StorageKey {
		if sum, size, err := hashFile(full); err == nil && size == prior.Size && sum == prior.SHA256 {
			e.Size, e.SHA256 = size, sum
			return e, false, nil
		}
	}
	if err := makeDirs(dir, path.Dir(rel)); err != nil {
		return e, false, err
	}
	r, err := s.bucket.Open(ctx, row.StorageKey)
	if err != nil {
		if ctx.Err() != nil {
			return e, false, ctx.Err()
		}
		return e, false, &exportItemError{err}
	}
	defer func() { _ = r.Close() }() // read-only
	tmp := filepath.Join(filepath.Dir(full), "."+filepath.Base(full)+partSuffix)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return e, false, fmt.Errorf("media: export: %w", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		if ctx.Err() != nil {
			return e, false, ctx.Err()
		}
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return e, false, fmt.Errorf("media: export: %w", err) // the local side
		}
		return e, false, &exportItemError{err}
	}
	if n != row.Bytes {
		return e, false, &exportItemError{fmt.Errorf("the object is %d bytes, the library says %d", n, row.Bytes)}
	}
	if err := f.Sync(); err != nil {
		return e, false, fmt.Errorf("media: export: %w", err)
	}
	if err := f.Close(); err != nil {
		return e, false, fmt.Errorf("media: export: %w", err)
	}
	// The mode given to OpenFile passes through the umask; the export's
	// files are 0644 whatever it is.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return e, false, fmt.Errorf("media: export: %w", err)
	}
	if err := os.Rename(tmp, full); err != nil {
		return e, false, fmt.Errorf("media: export: %w", err)
	}
	renamed = true
	e.Size, e.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return e, true, nil
}

// exportPath is where row's original goes under the export folder:
// owner/folder/name, the name made safe (exportFileName) and unique in
// its folder, case-insensitively, since the export may be copied to a
// file system that ignores case: a later item (by id) of the same name
// gets its id added, "name (id).ext". used records the paths taken.
func exportPath(row *models.MediaItem, used map[string]bool) string {
	ext := extOf(row.StorageKey)
	dir := strconv.FormatInt(row.OwnerID, 10)
	if row.Folder != "" {
		dir += "/" + row.Folder
	}
	stem, fileExt := exportFileName(row.Name, ext, row.SHA256)
	p := dir + "/" + stem + fileExt
	if used[strings.ToLower(p)] {
		p = dir + "/" + stem + " (" + strconv.FormatInt(row.ID, 10) + ")" + fileExt
	}
	used[strings.ToLower(p)] = true
	return p
}

// exportFileName turns a library name (any text without control
// characters) into a file name: no path separators, no leading dots (no
// hidden files, no "..", nothing that looks like the export's own
// temporary files), at most maxExportStem bytes before the extension, and
// ending in the file's real extension. Folder names never contain a dot,
// so a file name, which always has one, never clashes with a folder.
func exportFileName(name, ext, sha string) (stem, fileExt string) {
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ". ")
	fileExt = "." + ext
	stem = name
	if e := strings.ToLower(path.Ext(name)); e == fileExt || (ext == "jpg" && e == ".jpeg") {
		stem, fileExt = name[:len(name)-len(e)], name[len(name)-len(e):]
	}
	if len(stem) > maxExportStem {
		cut := maxExportStem
		for cut > 0 && !utf8.RuneStart(stem[cut]) {
			cut--
		}
		stem = stem[:cut]
	}
	stem = strings.TrimRight(stem, ". ")
	if stem == "" {
		stem = sha[:12]
	}
	return stem, fileExt
}

// makeExportDir creates the export folder (0755) when it is missing.
func makeExportDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case err == nil && !st.IsDir():
		return fmt.Errorf("media: export: %s is not a folder", dir)
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("media: export: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("media: export: %w", err)
	}
	return os.Chmod(dir, 0o755)
}

// makeDirs creates rel's folders under root, each 0755 whatever the umask.
func makeDirs(root, rel string) error {
	cur := root
	for _, seg := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, seg)
		err := os.Mkdir(cur, 0o755)
		switch {
		case err == nil:
			if err := os.Chmod(cur, 0o755); err != nil {
				return fmt.Errorf("media: export: %w", err)
			}
		case errors.Is(err, fs.ErrExist):
			if st, err := os.Stat(cur); err != nil || !st.IsDir() {
				return fmt.Errorf("media: export: %s is in the way of a folder", cur)
			}
		default:
			return fmt.Errorf("media: export: %w", err)
		}
	}
	return nil
}

// removeLeftovers deletes the temporary files of an interrupted run.
func removeLeftovers(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), partSuffix) {
			if err := os.Remove(p); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("media: export: remove unfinished files: %w", err)
	}
	return n, nil
}

// readManifests reads the entries of earlier runs by path: the last whole
// manifest, then the lines an interrupted run added (a line cut short by
// the interruption is ignored).
func readManifests(names ...string) (map[string]*ManifestEntry, error) {
	out := map[string]*ManifestEntry{}
	for _, name := range names {
		f, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("media: export: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var e ManifestEntry
			if json.Unmarshal(sc.Bytes(), &e) == nil && e.Path != "" {
				out[e.Path] = &e
			}
		}
		err = sc.Err()
		_ = f.Close() // read-only
		if err != nil {
			return nil, fmt.Errorf("media: export: read %s: %w", name, err)
		}
	}
	return out, nil
}

// writeManifest replaces the manifest whole.
func writeManifest(name string, entries []ManifestEntry) error {
	tmp := name + partSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("media: export manifest: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i := range entries {
		if err := enc.Encode(&entries[i]); err != nil {
			_ = f.Close()
			return fmt.Errorf("media: export manifest: %w", err)
		}
	}
	err = w.Flush()
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("media: export manifest: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("media: export manifest: %w", err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("media: export manifest: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("media: export manifest: %w", err)
	}
	return nil
}

// hashFile answers the SHA-256 and size of a local file.
func hashFile(name string) (string, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", 0, err
	}
	defer func() { _ = f.Close() }() // read-only
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
