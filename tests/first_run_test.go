package tests

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/tests/apptest"
)

// `inkwell import` into a SQLite file nobody has served yet migrates it
// first, as serve does: a new user's first import works.
func TestImport_OnAFreshSQLiteDatabaseMigratesFirst(t *testing.T) {
	t.Parallel()
	root, err := apptest.RepoRoot()
	require.NoError(t, err)
	dbPath := filepath.Join(t.TempDir(), "fresh.db")
	env := []string{"DB_DRIVER=sqlite", "SQLITE_PATH=" + dbPath}
	out, code := apptest.Run(t, env, "import", "-errors", "-", "-progress", "none", filepath.Join(root, "docs", "import-sample"))
	require.Equal(t, 0, code, out)
	assert.NotContains(t, out, "no such table")
	status, code := apptest.Run(t, env, "migrate", "status")
	require.Equal(t, 0, code, status)
	assert.Contains(t, status, " 0 pending", "import applied every migration")
	assert.Contains(t, out, "inserted   3")
}
