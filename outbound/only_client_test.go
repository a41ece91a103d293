package outbound_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// forbiddenHTTP are the net/http names that make a request without the
// outbound policy: the package-level helpers, the shared default client
// and transport, and new clients or transports built by hand.
var forbiddenHTTP = []string{"Get", "Post", "PostForm", "Head", "DefaultClient", "DefaultTransport", "Client", "Transport"}

// allowedOutsideOutbound lists, per file (relative to the repository
// root), the forbidden names that file may use, and why. Nothing here
// fetches a URL a user supplied.
var allowedOutsideOutbound = map[string]struct {
	names []string
	why   string
}{
	"auth/google.go": {[]string{"Client", "DefaultTransport"},
		"fetches Google's signing keys from GOOGLE_CERTS_URL, set by the operator, never by a user; " +
			"certsTransport only lets that one URL through"},
	"bench/backup/plain.go": {[]string{"Client", "Transport"},
		"the backup benchmark's baseline downloads from the servers it starts on loopback with a plain http.Client"},
	"bench/media/http.go": {[]string{"Client", "DefaultClient", "Transport"},
		"the benchmark's load generator uploads to the servers it starts on loopback (inkwell and a plain net/http baseline)"},
}

// isTestSupport reports whether a directory (relative, slash-separated)
// holds test-support code: tests/, testsupport/, and packages named
// *test (apptest, authtest, cachetest, dbtest …). They talk to servers the
// tests start, are never linked into the server (checked below), and are
// not checked for outbound HTTP.
func isTestSupport(dir string) bool {
	for _, part := range strings.Split(dir, "/") {
		if part == "tests" || part == "testsupport" || strings.HasSuffix(part, "test") {
			return true
		}
	}
	return false
}

// isCommand reports whether the file belongs to a main package other than
// the server's own (the repository root): a tool such as bench/fakegoogle,
// built and run on its own, which may use test-support code because it is
// never linked into the server. Its HTTP calls are still checked.
func isCommand(fset *token.FileSet, path, rel string) (bool, error) {
	if !strings.Contains(rel, "/") {
		return false, nil
	}
	f, err := parser.ParseFile(fset, path, nil, parser.PackageClauseOnly)
	if err != nil {
		return false, err
	}
	return f.Name.Name == "main", nil
}

type violation struct {
	file, name string
	pos        token.Position
}

// forbiddenUses reports every forbidden net/http name used in src, and
// every import of a test-support package (which would link code this test
// does not check into the server).
func forbiddenUses(fset *token.FileSet, path string, src any) ([]violation, error) {
	f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []violation
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if rest, ok := strings.CutPrefix(p, "inkwell/"); ok && isTestSupport(rest) {
			out = append(out, violation{file: path, name: "import " + p, pos: fset.Position(imp.Pos())})
		}
	}
	httpName := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == "net/http" {
			httpName = "http"
			if imp.Name != nil {
				httpName = imp.Name.Name
			}
		}
	}
	if httpName == "" || httpName == "_" {
		return out, nil
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == httpName && slices.Contains(forbiddenHTTP, sel.Sel.Name) {
			if isTypeOnly(f, sel) {
				return true
			}
			out = append(out, violation{file: path, name: sel.Sel.Name, pos: fset.Position(sel.Pos())})
		}
		return true
	})
	return out, nil
}

// isTypeOnly reports whether a use of http.Client or http.Transport only
// names the type (a parameter, a field, a pointer): that builds nothing.
// Composite literals and new() are what construct one.
func isTypeOnly(f *ast.File, sel *ast.SelectorExpr) bool {
	if sel.Sel.Name != "Client" && sel.Sel.Name != "Transport" {
		return false
	}
	constructs := false
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			if n.Type == sel {
				constructs = true
			}
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "new" && len(n.Args) == 1 && n.Args[0] == sel {
				constructs = true
			}
		}
		return !constructs
	})
	return !constructs
}

// TestNoOutboundHTTPOutsideThisPackage walks the repository's Go files
// (tests excepted) and fails on any request that could bypass the
// outbound policy: Ghost's SSRF guard was skipped by one global fetch().
func TestNoOutboundHTTPOutsideThisPackage(t *testing.T) {
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	fset := token.NewFileSet()
	used := map[string][]string{}
	var violations []violation
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case rel == "outbound", strings.HasPrefix(d.Name(), "."), d.Name() == "node_modules", d.Name() == "vendor",
				d.Name() == "testdata", d.Name() == "data", isTestSupport(rel):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		found, err := forbiddenUses(fset, path, nil)
		if err != nil {
			return err
		}
		command, err := isCommand(fset, path, rel)
		if err != nil {
			return err
		}
		for _, v := range found {
			if command && strings.HasPrefix(v.name, "import ") {
				continue // a command of its own (bench/fakegoogle): never linked into the server
			}
			if allow, ok := allowedOutsideOutbound[rel]; ok && slices.Contains(allow.names, v.name) {
				used[rel] = append(used[rel], v.name)
				continue
			}
			violations = append(violations, v)
		}
		return nil
	})
	require.NoError(t, err)
	for _, v := range violations {
		if strings.HasPrefix(v.name, "import ") {
			t.Errorf("%s: %s: test-support code must not be linked into the server", v.pos, v.name)
			continue
		}
		t.Errorf("%s: http.%s outside outbound/: fetch user-supplied URLs with outbound.Client; "+
			"anything else needs an entry, with its reason, in allowedOutsideOutbound", v.pos, v.name)
	}
	for file, allow := range allowedOutsideOutbound {
		for _, name := range allow.names {
			assert.Contains(t, used[file], name, "%s no longer uses http.%s: drop it from the allow-list", file, name)
		}
	}
}

func TestForbiddenUses_FindsEachWayOfBypassingThePolicy(t *testing.T) {
	src := `package p
import (
	"context"
	web "net/http"
	"inkwell/auth/authtest"
	"inkwell/cache"
)
func a() { web.Get("http://x") }
func b() { _ = web.DefaultClient }
func c() { _ = &web.Client{} }
func d() { _ = new(web.Transport) }
func e() { _ = web.Transport{Proxy: nil} }
func f(ctx context.Context) { web.Head("http://x") }
func g(c *web.Client, t web.RoundTripper) {}  // naming the type builds nothing
func h() { _ = web.StatusOK }
`
	found, err := forbiddenUses(token.NewFileSet(), "p.go", src)
	require.NoError(t, err)
	var names []string
	for _, v := range found {
		names = append(names, v.name)
	}
	assert.ElementsMatch(t, []string{"import inkwell/auth/authtest", "Get", "DefaultClient", "Client", "Transport", "Transport", "Head"}, names)
}
