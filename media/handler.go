package media

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"inkwell/storage"
)

// RoutePrefix is where the app serves objects of a local folder.
const RoutePrefix = "/media/"

// objectKeyRE is the shape of every key the library writes (originals,
// thumbnails, post renderings); nothing else in the bucket (the private
// index records) is served.
var objectKeyRE = regexp.MustCompile(`^u/[0-9]{1,19}/[0-9a-f]{2}/([0-9a-f]{64})(_w[0-9]{2,4})?\.(jpg|png|gif|webp|mp4|webm)$`)

// ObjectCSP forbids an object from running anything, should a browser
// ever render one as a document.
const ObjectCSP = "default-src 'none'; sandbox"

// Handler serves GET and HEAD of RoutePrefix+{key} from the bucket, with
// immutable caching, a strong ETag, ranges (for video), nosniff and a
// sandboxing CSP. The Content-Type comes from the key's extension, which
// the pipeline chose from the bytes.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", ObjectCSP)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		key, ok := strings.CutPrefix(r.URL.Path, RoutePrefix)
		m := objectKeyRE.FindStringSubmatch(key)
		if !ok || m == nil {
			http.NotFound(w, r)
			return
		}
		obj, err := s.bucket.Open(r.Context(), key)
		if errors.Is(err, storage.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			s.log.Error("media: serve object", "key", key, "error", err.Error())
			http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
			return
		}
		// Only read: a read error surfaces from ServeContent, not Close.
		defer func() { _ = obj.Close() }()
		kind, _ := KindByExt(m[3]) // thumbnails and post renderings are .jpg
		h.Set("Content-Type", kind.ContentType)
		h.Set("Cache-Control", ObjectCacheControl)
		h.Set("ETag", `"`+m[1][:32]+m[2]+`"`)
		// ServeContent answers ranges and If-None-Match from the ETag.
		http.ServeContent(w, r, "", obj.ModTime(), obj)
	})
}
