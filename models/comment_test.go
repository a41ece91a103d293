package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/models"
)

// The ancestor path is raw bytes (8 per ancestor id); every byte value
// must survive the round trip, also those that are not valid UTF-8.
func TestCommentPath_KeepsEveryByte(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		o := db.Orm()
		u := &models.User{Issuer: "i", IssuerID: "s", Email: "a@example.com", Name: "a"}
		require.NoError(t, models.InsertUser(ctx, o, u))
		p := &models.Post{AuthorID: u.ID, Title: "t", Slug: "t", Status: models.PostPublished, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		require.NoError(t, models.InsertPost(ctx, o, p))
		path := string([]byte{0, 0xff, 0x80, 0xc3, 0x28, 0, 0x01, 0xfe, 0x7f, 0, 0, 0, 0, 0, 0, 0x05})
		c := &models.Comment{PostID: p.ID, Path: path, Depth: 2, AuthorID: u.ID, BodyMarkdown: "b", BodyHTML: "b",
			Status: models.CommentVisible, CreatedAt: time.Now()}
		require.NoError(t, models.InsertComment(ctx, o, c))
		got, err := models.CommentByID(ctx, o, c.ID)
		require.NoError(t, err)
		assert.Equal(t, path, got.Path)
		var n int
		require.NoError(t, o.Raw("SELECT LENGTH(path) FROM comments WHERE id = ?", c.ID).QueryRow(&n))
		assert.Equal(t, len(path), n)
	})
}
