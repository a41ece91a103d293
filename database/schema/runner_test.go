package schema_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
)

func runner(db *database.DB) *schema.Runner {
	return &schema.Runner{DB: db.SQL, Dialect: db.Dialect}
}

func describe(t *testing.T, db *database.DB) schema.Snapshot {
	t.Helper()
	snap, err := schema.Describe(context.Background(), db.SQL, db.Dialect)
	require.NoError(t, err)
	return snap
}

// Each Down must restore exactly the schema that existed before its Up, and
// a second Up must rebuild exactly the first Up's schema.
func TestMigrations_EveryDownRestoresThePreviousSchemaAndUpRebuildsIt(t *testing.T) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t, driver, false)
			r := runner(db)
			all := schema.All()
			require.NotEmpty(t, all)

			_, err := r.Status(ctx) // creates only the migrations table
			require.NoError(t, err)
			steps := []schema.Snapshot{describe(t, db)}
			assert.Equal(t, []string{"migrations"}, steps[0].Tables())
			for _, m := range all {
				name, err := r.UpOne(ctx)
				require.NoError(t, err)
				require.Equal(t, m.Name, name)
				steps = append(steps, describe(t, db))
				if m.Data || len(m.Up(db.Dialect)) == 0 {
					// Data migrations, and schema changes another dialect
					// needs, leave this dialect's schema as it was.
					assert.Equal(t, steps[len(steps)-2], steps[len(steps)-1], "%s changed the schema", m.Name)
				} else {
					assert.NotEqual(t, steps[len(steps)-2], steps[len(steps)-1], "%s changed nothing", m.Name)
				}
			}
			pending, err := r.Pending(ctx)
			require.NoError(t, err)
			assert.Zero(t, pending)

			for i := len(all); i >= 1; i-- {
				name, err := r.Down(ctx)
				require.NoError(t, err)
				require.Equal(t, all[i-1].Name, name)
				assert.Equal(t, steps[i-1], describe(t, db), "down of %s did not restore the schema before it", name)
			}
			name, err := r.Down(ctx)
			require.NoError(t, err)
			assert.Empty(t, name, "nothing is left to revert")
			pending, err = r.Pending(ctx)
			require.NoError(t, err)
			assert.Equal(t, len(all), pending)

			applied, err := r.Up(ctx)
			require.NoError(t, err)
			assert.Len(t, applied, len(all))
			assert.Equal(t, steps[len(steps)-1], describe(t, db), "up → down → up must give the same schema")

			st, err := r.Status(ctx)
			require.NoError(t, err)
			for _, s := range st {
				assert.True(t, s.Applied, s.Name)
			}
			again, err := r.Up(ctx)
			require.NoError(t, err)
			assert.Empty(t, again, "a second up applies nothing")
		})
	}
}

// The history table keeps one row per migration however often it goes up and down.
func TestMigrations_HistoryKeepsOneRowPerMigration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		r := runner(db)
		for i := 0; i < 2; i++ {
			_, err := r.Down(ctx)
			require.NoError(t, err)
			_, err = r.Up(ctx)
			require.NoError(t, err)
		}
		var rows, distinct int
		require.NoError(t, db.SQL.QueryRow("SELECT COUNT(*), COUNT(DISTINCT name) FROM migrations").Scan(&rows, &distinct))
		assert.Equal(t, len(schema.All()), rows)
		assert.Equal(t, rows, distinct)
	})
}

func TestExpand_WritesEachDialect(t *testing.T) {
	stmt := "CREATE TABLE t (id {{pk}}, at {{datetime}}, body {{text}}){{table}}"
	assert.Equal(t, "CREATE TABLE t (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, at DATETIME(6), body MEDIUMTEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
		schema.MySQL.Expand(stmt))
	assert.Equal(t, "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, at DATETIME, body TEXT)", schema.SQLite.Expand(stmt))
	assert.Equal(t, "DROP INDEX ix ON t", schema.MySQL.DropIndex("t", "ix"))
	assert.Equal(t, "DROP INDEX ix", schema.SQLite.DropIndex("t", "ix"))
}
