package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
	"inkwell/models"
)

// A first import's batch learns its posts' ids from the INSERT itself, on
// MySQL; a post that exists after all fails the statement and nothing else.
func TestInsertNewImportedPosts_IdsFollowTheRowsAndDuplicatesUndoTheStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		o := db.Orm()
		consecutive, err := models.ConsecutiveInsertIDs(ctx, o)
		require.NoError(t, err)
		if db.Dialect == schema.SQLite {
			assert.False(t, consecutive, "SQLite always reads ids back")
			return
		}
		require.True(t, consecutive, "MariaDB's default autoinc lock mode 1 numbers a multi-row INSERT consecutively")

		author := &models.User{Issuer: models.ImportIssuer, IssuerID: "a@example.com", Email: "a@example.com", Name: "A"}
		require.NoError(t, models.InsertUser(ctx, o, author))
		now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		post := func(ext string) models.ImportedPost {
			return models.ImportedPost{ExternalID: ext, Hash: "h", AuthorID: author.ID, Title: ext, Slug: ext,
				BodyMarkdown: "b", BodyHTML: "<p>b</p>", Status: "draft", CreatedAt: now, UpdatedAt: now}
		}
		// Another post first, so ids do not start at 1.
		_, _, err = models.UpsertImportedPosts(ctx, o, "src", []models.ImportedPost{post("other")})
		require.NoError(t, err)

		rows := []models.ImportedPost{post("x3"), post("x1"), post("x2")}
		ids, ok, err := models.InsertNewImportedPosts(ctx, o, "src", rows)
		require.NoError(t, err)
		require.True(t, ok)
		stored, err := models.ImportedPosts(ctx, o, "src", []string{"x1", "x2", "x3"})
		require.NoError(t, err)
		for i, r := range rows {
			assert.Equal(t, stored[r.ExternalID].ID, ids[i], r.ExternalID)
		}

		err = models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
			_, _, err := models.InsertNewImportedPosts(ctx, tx, "src", []models.ImportedPost{post("y1"), post("x2")})
			assert.True(t, models.IsDuplicate(err), "got %v", err)
			// The transaction goes on; only the failed statement is undone.
			_, _, err = models.UpsertImportedPosts(ctx, tx, "src", []models.ImportedPost{post("y2")})
			return err
		})
		require.NoError(t, err)
		after, err := models.ImportedPosts(ctx, o, "src", []string{"y1", "y2"})
		require.NoError(t, err)
		assert.NotContains(t, after, "y1", "the failed INSERT left no row")
		assert.Contains(t, after, "y2")
	})
}
