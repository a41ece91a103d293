package media

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"

	"inkwell/apperror"
)

// DefaultMaxUploadBytes is MAX_UPLOAD_BYTES when unset (API.md: 20 MiB).
const DefaultMaxUploadBytes = 20 << 20

// Upload is a received file spooled to a temporary file: its size and
// SHA-256 are known, and it can be read any number of times.
type Upload struct {
	f      *os.File
	Size   int64
	SHA256 [32]byte
}

// Spool copies r into a new temporary file in dir ("" for the system's),
// hashing it on the way. It reads at most limit+1 bytes: a body over the
// limit is refused (too_large) as soon as its limit+1-th byte arrives, never
// read to its end. The caller closes the Upload, which removes the file.
func Spool(r io.Reader, limit int64, dir string) (*Upload, error) {
	f, err := os.CreateTemp(dir, "inkwell-upload-*")
	if err != nil {
		return nil, fmt.Errorf("media: spool upload: %w", err)
	}
	u := &Upload{f: f}
	h := sha256.New()
	n, err := io.CopyN(io.MultiWriter(f, h), r, limit+1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, errors.Join(fmt.Errorf("media: spool upload: %w", err), u.Close())
	}
	if n > limit {
		return nil, errors.Join(apperror.New(apperror.CodeTooLarge, fmt.Sprintf("the file is over %d bytes", limit)), u.Close())
	}
	if n == 0 {
		return nil, errors.Join(apperror.Validation(map[string]string{"file": "the file is empty"}), u.Close())
	}
	u.Size = n
	copy(u.SHA256[:], h.Sum(nil))
	return u, nil
}

// Reader reads the upload from its start.
func (u *Upload) Reader() *io.SectionReader { return io.NewSectionReader(u.f, 0, u.Size) }

// Close removes the temporary file.
func (u *Upload) Close() error {
	return errors.Join(u.f.Close(), os.Remove(u.f.Name()))
}
