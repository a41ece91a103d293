package posts

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/models"
	"inkwell/testsupport"
)

func TestSaveLiveText_KeepsTheHighestRevisionRendersAndRefreshesTheCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		bob := alice // the reader: a draft is its author's to read
		p, err := s.Create(ctx, alice, CreateInput{Title: "t", BodyMarkdown: "start"})
		require.NoError(t, err)
		_, err = s.Get(ctx, p.ID, bob) // warms the cache
		require.NoError(t, err)

		require.NoError(t, s.SaveLiveText(ctx, p.ID, "**five** <script>x()</script>", 5))
		got, err := s.Get(ctx, p.ID, bob)
		require.NoError(t, err)
		assert.Equal(t, "**five** <script>x()</script>", got.BodyMarkdown, "readers see the save at once")
		assert.Contains(t, got.BodyHTML, "<strong>five</strong>")
		assert.NotContains(t, got.BodyHTML, "script")

		// A save of an older revision arriving late (another replica) changes nothing.
		require.NoError(t, s.SaveLiveText(ctx, p.ID, "three", 3))
		require.NoError(t, s.SaveLiveText(ctx, p.ID, "five again", 5))
		got, err = s.Get(ctx, p.ID, bob)
		require.NoError(t, err)
		assert.Equal(t, "**five** <script>x()</script>", got.BodyMarkdown)
		text, rev, _, err := models.LiveText(ctx, o, p.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(5), rev)
		assert.Equal(t, got.BodyMarkdown, text)

		require.NoError(t, s.SaveLiveText(ctx, p.ID, "seven", 7))
		got, err = s.Get(ctx, p.ID, alice)
		require.NoError(t, err)
		assert.Equal(t, "seven", got.BodyMarkdown)
	})
}

func TestSaveLiveText_RefusesWhatAnEditWouldAndIgnoresDeletedPosts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		p, err := s.Create(ctx, alice, CreateInput{Title: "t", BodyMarkdown: "start"})
		require.NoError(t, err)
		long := make([]rune, MaxBodyChars+1)
		for i := range long {
			long[i] = 'a'
		}
		err = s.SaveLiveText(ctx, p.ID, string(long), 1)
		assert.Equal(t, apperror.CodeValidation, testsupport.Code(err))
		_, rev, _, err := models.LiveText(ctx, o, p.ID)
		require.NoError(t, err)
		assert.Zero(t, rev, "a refused save records no revision")

		require.NoError(t, s.Delete(ctx, p.ID, alice))
		assert.NoError(t, s.SaveLiveText(ctx, p.ID, "late", 2))
	})
}
