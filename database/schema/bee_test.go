package schema_test

import (
	"context"
	"database/sql"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
)

const repoRoot = "../.."

// Every bee migration file must register the name it passes to BeeUp and
// BeeDown, carry the timestamp of its file name, and the set of files must
// equal the schema registry — otherwise bee and inkwell would diverge.
func TestBeeWrappers_MatchTheSchemaRegistry(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "database", "migrations", "*.go"))
	require.NoError(t, err)
	var wrapped []string
	for _, f := range files {
		base := filepath.Base(f)
		if base == "m.go" || strings.HasSuffix(base, "_test.go") {
			continue
		}
		registered, up, down := beeFileNames(t, f)
		require.Len(t, registered, 1, "%s must register exactly one migration", base)
		name := registered[0]
		assert.Equal(t, []string{name}, up, "%s: Up must call schema.BeeUp with %q", base, name)
		assert.Equal(t, []string{name}, down, "%s: Down must call schema.BeeDown with %q", base, name)
		assert.True(t, strings.HasPrefix(base, name[len(name)-15:]+"_"), "%s: file timestamp must match %s", base, name)
		wrapped = append(wrapped, name)
	}
	var registry []string
	for _, m := range schema.All() {
		registry = append(registry, m.Name)
	}
	sort.Strings(wrapped)
	sort.Strings(registry)
	assert.Equal(t, registry, wrapped, "database/migrations and database/schema must list the same migrations")
}

// No two migrations may share a timestamp: bee orders migrations by it
// alone (a map sorted unstably), so two at the same second would run in
// a different order under bee than under inkwell, and from run to run.
func TestMigrations_HaveDistinctTimestamps(t *testing.T) {
	byTime := map[string]string{}
	for _, m := range schema.All() {
		stamp := m.Name[len(m.Name)-15:]
		if other, dup := byTime[stamp]; dup {
			t.Errorf("%s and %s share the timestamp %s", other, m.Name, stamp)
		}
		byTime[stamp] = m.Name
	}
}

func beeFileNames(t *testing.T, path string) (registered, up, down []string) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	require.NoError(t, err)
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		pkg, _ := sel.X.(*ast.Ident)
		if pkg == nil {
			return true
		}
		lit := func(i int) string {
			if len(call.Args) <= i {
				return ""
			}
			if bl, ok := call.Args[i].(*ast.BasicLit); ok {
				s, _ := strconv.Unquote(bl.Value)
				return s
			}
			return "<not a literal>"
		}
		switch pkg.Name + "." + sel.Sel.Name {
		case "migration.Register":
			registered = append(registered, lit(0))
		case "schema.BeeUp":
			up = append(up, lit(1))
		case "schema.BeeDown":
			down = append(down, lit(1))
		}
		return true
	})
	return registered, up, down
}

// `bee migrate` (run for real, from a copy of the migration sources) and
// `inkwell migrate up` must leave MariaDB with the same tables, columns,
// indexes and history; `bee migrate rollback` and `inkwell migrate down`
// must both undo the last migration.
func TestBeeMigrate_BuildsTheSameSchemaAsInkwellMigrate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs bee")
	}
	ctx := context.Background()
	beeDB := dbtest.Open(t, "mysql", false) // skips (or fails under CI) without MariaDB
	inkDB := dbtest.Open(t, "mysql", false)
	bee := buildBee(t)
	work := copyMigrationModule(t)
	conn := beeConn(t, beeDB)

	out := runBee(t, bee, work, "migrate", "-driver=mysql", "-conn="+conn)
	require.Contains(t, out, "Migration successful", out)
	_, err := runner(inkDB).Up(ctx)
	require.NoError(t, err)

	assert.Equal(t, describe(t, inkDB), describe(t, beeDB), "bee migrate and inkwell migrate up must build the same schema")
	assert.Equal(t, history(t, inkDB), history(t, beeDB), "both must record the same history")

	// inkwell reads bee's history: nothing pending.
	pending, err := runner(beeDB).Pending(ctx)
	require.NoError(t, err)
	assert.Zero(t, pending)

	out = runBee(t, bee, work, "migrate", "rollback", "-driver=mysql", "-conn="+conn)
	require.Contains(t, out, "Migration successful", out)
	_, err = runner(inkDB).Down(ctx)
	require.NoError(t, err)
	assert.Equal(t, describe(t, inkDB), describe(t, beeDB), "bee rollback and inkwell down must undo the same migration")
	assert.Equal(t, history(t, inkDB), history(t, beeDB))

	// inkwell re-applies what bee rolled back.
	_, err = runner(beeDB).Up(ctx)
	require.NoError(t, err)
	_, err = runner(inkDB).Up(ctx)
	require.NoError(t, err)
	assert.Equal(t, describe(t, inkDB), describe(t, beeDB))
}

func history(t *testing.T, db *database.DB) []string {
	rows, err := db.SQL.Query("SELECT name, status, statements FROM migrations ORDER BY id_migration")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, status, stmts sql.NullString
		require.NoError(t, rows.Scan(&name, &status, &stmts))
		out = append(out, fmt.Sprintf("%s %s %s", name.String, status.String, stmts.String))
	}
	return out
}

func buildBee(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "bee")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/beego/bee/v2")
	cmd.Dir = filepath.Join(repoRoot, "tools")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "build bee: %s", out)
	return bin
}

// copyMigrationModule copies go.mod, go.sum and the two schema folders to a
// temporary module, because bee writes, tidies and builds inside the
// migrations folder and must not touch the working tree.
func copyMigrationModule(t *testing.T) string {
	dst := t.TempDir()
	copyFile := func(rel string) {
		b, err := os.ReadFile(filepath.Join(repoRoot, rel))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dst, rel), b, 0o644))
	}
	copyFile("go.mod")
	copyFile("go.sum")
	for _, dir := range []string{"database/schema", "database/migrations"} {
		files, err := filepath.Glob(filepath.Join(repoRoot, dir, "*.go"))
		require.NoError(t, err)
		for _, f := range files {
			base := filepath.Base(f)
			if strings.HasSuffix(base, "_test.go") || base == "m.go" {
				continue
			}
			copyFile(filepath.Join(dir, base))
		}
	}
	return dst
}

func beeConn(t *testing.T, db *database.DB) string {
	var name string
	require.NoError(t, db.SQL.QueryRow("SELECT DATABASE()").Scan(&name))
	port := os.Getenv("MYSQL_PORT")
	if port == "" {
		port = "3306"
	}
	return fmt.Sprintf("%s:%s@tcp(%s:%s)/%s", os.Getenv("MYSQL_USER"), os.Getenv("MYSQL_PASSWORD"), os.Getenv("MYSQL_HOST"), port, name)
}

func runBee(t *testing.T, bee, dir string, args ...string) string {
	cmd := exec.Command(bee, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "bee %v: %s", args, out)
	return string(out)
}
