package importer

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File is one JSON Lines file of a source.
type File struct {
	// Name is the file's path under the source (its S3 key, or its path
	// relative to the folder).
	Name string
	// Version changes whenever the content does: an S3 ETag, or the size
	// and modification time of a local file.
	Version string
	Size    int64
}

// Source is where an import reads from. A local folder and an S3 prefix
// are the same to the pipeline: a list of files, each opened as a stream.
type Source interface {
	// Location names the source for checkpoints and idempotency keys.
	Location() string
	// List returns every *.jsonl and *.jsonl.gz file, ordered by name.
	List(ctx context.Context) ([]File, error)
	// Open streams a file's raw bytes (still gzip-compressed for .gz).
	Open(ctx context.Context, f File) (io.ReadCloser, error)
}

// OpenSource parses an import SOURCE: s3://bucket/prefix?endpoint=…&region=…
// or a local folder.
func OpenSource(ctx context.Context, spec string) (Source, error) {
	if strings.HasPrefix(spec, "s3://") {
		u, err := url.Parse(spec)
		if err != nil {
			return nil, fmt.Errorf("import: source %q: %w", spec, err)
		}
		return newS3Source(ctx, u)
	}
	dir, err := filepath.Abs(strings.TrimPrefix(spec, "file://"))
	if err != nil {
		return nil, fmt.Errorf("import: source %q: %w", spec, err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("import: source folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("import: source %s is not a folder", dir)
	}
	return folderSource{dir: dir}, nil
}

// isJSONLines tells the files an import reads by name.
func isJSONLines(name string) bool {
	return strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".jsonl.gz")
}

// folderSource is a local folder, searched recursively.
type folderSource struct{ dir string }

func (s folderSource) Location() string { return "file://" + filepath.ToSlash(s.dir) }

func (s folderSource) List(ctx context.Context) ([]File, error) {
	var files []File
	err := filepath.WalkDir(s.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isJSONLines(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		files = append(files, File{Name: filepath.ToSlash(rel), Size: info.Size(),
			Version: fmt.Sprintf("%d-%d", info.Size(), info.ModTime().UnixNano())})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import: list %s: %w", s.dir, err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}

func (s folderSource) Open(ctx context.Context, f File) (io.ReadCloser, error) {
	r, err := os.Open(filepath.Join(s.dir, filepath.FromSlash(f.Name)))
	if err != nil {
		return nil, fmt.Errorf("import: open %s: %w", f.Name, err)
	}
	return r, nil
}
