package tests

import (
	"bytes"
	"encoding/json"
	"go/format"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/beego/beego/v2/server/web"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/config"
	"inkwell/database/dbtest"
	"inkwell/routers"
	"inkwell/swagger"
	"inkwell/tests/apptest"
	"inkwell/testsupport/testapp"
)

// copyTree copies the module's source (not .git, bin, data) into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	skip := map[string]bool{".git": true, "bin": true, "data": true, "node_modules": true, "tmp": true}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if skip[rel] {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	require.NoError(t, err)
}

// TestSwagger_CommittedSpecAndRoutesAreCurrent regenerates, with bee
// v2.3.0 itself, the annotation routes (routers/annotated_routes.go) and the
// spec (swagger/swagger.json, swagger.yml) in a copy of the tree, and fails
// when the committed files differ: someone changed an annotation without
// running `make docs`.
func TestSwagger_CommittedSpecAndRoutesAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds bee and regenerates the spec")
	}
	root, err := apptest.RepoRoot()
	require.NoError(t, err)
	tmp := t.TempDir()
	bee := filepath.Join(tmp, "bee")
	build := exec.Command("go", "build", "-o", bee, "github.com/beego/bee/v2")
	build.Dir = filepath.Join(root, "tools")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "build bee: %s", out)

	work := filepath.Join(tmp, "src")
	copyTree(t, root, work)
	for _, args := range [][]string{
		{"generate", "routers", "-ctrlDir=controllers", "-routersFile=routers/annotated_routes.go", "-routersPkg=routers"},
		{"generate", "docs"},
	} {
		cmd := exec.Command(bee, args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "HOME="+tmp) // bee keeps a notice file under $HOME
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "bee %s: %s", strings.Join(args, " "), out)
	}

	for _, f := range []string{"routers/annotated_routes.go", "swagger/swagger.json", "swagger/swagger.yml"} {
		want, err := os.ReadFile(filepath.Join(work, f))
		require.NoError(t, err)
		if strings.HasSuffix(f, ".go") {
			want, err = format.Source(want) // bee's output is committed gofmt'ed
			require.NoError(t, err)
		}
		got, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		if line, w, g := firstDifference(string(want), string(got)); line > 0 {
			t.Errorf("%s is stale: run `make docs` and commit the result\nline %d, generated: %q\nline %d, committed: %q", f, line, w, line, g)
		}
	}
}

// firstDifference returns the first line (1-based) where a and b differ
// with both lines, or 0 when they are equal.
func firstDifference(a, b string) (int, string, string) {
	if a == b {
		return 0, "", ""
	}
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; ; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y || i >= len(al) || i >= len(bl) {
			return i + 1, x, y
		}
	}
}

// TestSwagger_DocumentsEveryAPIRoute walks the controller routes Beego
// serves (the API, health and sign-in; not the PWA's files nor the public
// pages and feeds) and requires
// each (path, method) in the served spec (with the development sign-in
// enabled), and each documented operation among the served routes.
func TestSwagger_DocumentsEveryAPIRoute(t *testing.T) {
	var spec struct {
		BasePath string                                `json:"basePath"`
		Paths    map[string]map[string]json.RawMessage `json:"paths"`
		Security map[string]struct {
			Type, Name, In string
		} `json:"securityDefinitions"`
	}
	doc, err := swagger.Document(true)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(doc, &spec))
	documented := map[string]bool{}
	for p, ops := range spec.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+strings.TrimSuffix(strings.TrimSuffix(spec.BasePath, "/")+p, "/")] = true
		}
	}

	param := regexp.MustCompile(`:([a-zA-Z_]+)`)
	served := map[string]bool{}
	app := routers.New(routers.Deps{Log: testapp.QuietLog()})
	data := app.Server.PrintTree()["Data"].(web.M)
	for method, routes := range data {
		for _, r := range *routes.(*[][]string) {
			// r is pattern, methods, controller type.
			pattern := r[0]
			// The app's files and the public reading surface (HTML pages,
			// feeds, sitemap; routers/public.go) are not the API.
			if !strings.HasPrefix(r[2], "controllers.") || r[2] == "controllers.PWAController" || r[2] == "controllers.PublicController" {
				continue
			}
			served[method+" "+strings.TrimSuffix(param.ReplaceAllString(pattern, "{$1}"), "/")] = true
		}
	}
	require.NotEmpty(t, served)
	for route := range served {
		assert.True(t, documented[route], "%s is served but missing from swagger/swagger.json", route)
	}
	for route := range documented {
		assert.True(t, served[route], "%s is documented but not served", route)
	}

	// Authorize sends the token in the Authorization header (init.js adds
	// the Bearer prefix when it is pasted without one).
	require.Contains(t, spec.Security, "bearerAuth")
	assert.Equal(t, "apiKey", spec.Security["bearerAuth"].Type)
	assert.Equal(t, "Authorization", spec.Security["bearerAuth"].Name)
	assert.Equal(t, "header", spec.Security["bearerAuth"].In)
}

// The served spec says what bee cannot: the error envelope on every error
// answer, required fields and enums, example bodies the API accepts, and
// the development sign-in exactly when it is enabled.
func TestSwagger_ServedSpecCarriesTheContract(t *testing.T) {
	t.Parallel()
	type schema struct {
		Ref        string `json:"$ref"`
		Required   []string
		Example    json.RawMessage
		Properties map[string]struct{ Enum []string }
	}
	type operation struct {
		Responses map[string]struct{ Schema *schema }
	}
	var spec struct {
		Paths       map[string]map[string]operation
		Definitions map[string]schema
	}
	db := dbtest.Open(t, "sqlite", true)
	google := authtest.NewProvider(t)
	enabled := newAuthApp(t, db, google, func(c *config.Config) { c.AuthDevLogin = true })
	resp, body := enabled.do(t, http.MethodGet, "/swagger/swagger.json", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.Unmarshal([]byte(body), &spec))

	errorAnswers := 0
	for p, ops := range spec.Paths {
		for method, op := range ops {
			for code, r := range op.Responses {
				if code >= "400" {
					errorAnswers++
					if assert.NotNil(t, r.Schema, "%s %s %s", method, p, code) {
						assert.Equal(t, "#/definitions/ErrorBody", r.Schema.Ref, "%s %s %s", method, p, code)
					}
				}
			}
		}
	}
	assert.Greater(t, errorAnswers, 20)
	assert.Equal(t, []string{"title"}, spec.Definitions["posts.CreateInput"].Required)
	assert.Equal(t, []string{"to_user_id", "amount"}, spec.Definitions["ledger.TransferInput"].Required)
	assert.Contains(t, spec.Definitions["posts.Post"].Required, "liked_by_me")
	assert.Equal(t, []string{"draft", "published"}, spec.Definitions["posts.CreateInput"].Properties["status"].Enum)
	assert.Equal(t, []string{"transfer", "mint", "burn", "opening"}, spec.Definitions["ledger.Transfer"].Properties["kind"].Enum)
	assert.Contains(t, spec.Definitions["ErrorDetail"].Properties["code"].Enum, "validation_failed")
	assert.Contains(t, spec.Paths, "/auth/dev-login")
	assert.Contains(t, spec.Paths, "/api/v1/posts/")

	// The example bodies are accepted as they are ("Try it out").
	token := google.Token(t, "sub-try", "try@example.com", "Try")
	resp, body = enabled.do(t, http.MethodPost, "/api/v1/posts", bearer(token), bytes.NewReader(spec.Definitions["posts.CreateInput"].Example))
	assert.Equal(t, http.StatusCreated, resp.StatusCode, body)
	resp, body = enabled.do(t, http.MethodPost, "/auth/dev-login", "", bytes.NewReader(spec.Definitions["controllers.DevLoginRequest"].Example))
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)

	disabled := newAuthApp(t, db, google, nil)
	resp, body = disabled.do(t, http.MethodGet, "/swagger/swagger.json", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	spec.Paths = nil
	require.NoError(t, json.Unmarshal([]byte(body), &spec))
	assert.NotContains(t, spec.Paths, "/auth/dev-login", "disabled looks like absent")
	assert.Contains(t, spec.Paths, "/auth/config")
}
