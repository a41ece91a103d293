// Package swagger serves the API explorer at /swagger/: the spec that
// `bee generate docs` writes here from the controllers' annotations, and
// Swagger UI (swagger-ui-dist, vendored under ui/), all embedded in the
// binary so nothing is downloaded at run time.
package swagger

import (
	"embed"
	"net/http"
	"strings"
)

//go:embed index.html init.js swagger.json swagger.yml ui
var files embed.FS

// Spec is the committed swagger.json as bee generated it (Document is what
// is served).
func Spec() []byte {
	b, _ := files.ReadFile("swagger.json")
	return b
}

// Handler serves the explorer under prefix (for example "/swagger/"), with
// Document(devLogin) as swagger.json and swagger.yml (JSON is YAML).
func Handler(prefix string, devLogin bool) http.Handler {
	root := strings.TrimSuffix(prefix, "/")
	fs := http.StripPrefix(root, http.FileServer(http.FS(files)))
	doc, err := Document(devLogin)
	if err != nil {
		panic(err) // the committed spec is not JSON: a build that cannot pass its tests
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == root {
			// index.html links its assets relative to the folder.
			http.Redirect(w, r, root+"/", http.StatusMovedPermanently)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/") && r.URL.Path != root+"/" {
			// http.FileServer would list the folder's files.
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// The spec changes with every release; the vendored UI only with its version.
		if strings.HasSuffix(r.URL.Path, ".json") || strings.HasSuffix(r.URL.Path, ".yml") || strings.HasSuffix(r.URL.Path, "/") {
			w.Header().Set("Cache-Control", "no-cache")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'")
		switch r.URL.Path {
		case root + "/swagger.json":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write(doc)
		case root + "/swagger.yml":
			w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
			_, _ = w.Write(doc)
		default:
			fs.ServeHTTP(w, r)
		}
	})
}
