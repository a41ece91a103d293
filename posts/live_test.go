package posts

import (
	"context"
	"fmt"
	"testing"
	"time"

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

// Live co-editing is for drafts: a live save never writes into a post that
// is no longer a draft, neither one arriving after the publication nor one
// racing it (the status is in the save's UPDATE).
func TestSaveLiveText_NeverWritesIntoAPublishedPost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		p, err := s.Create(ctx, alice, CreateInput{Title: "t", BodyMarkdown: "start"})
		require.NoError(t, err)
		require.NoError(t, s.SaveLiveText(ctx, p.ID, "draft text", 1))

		// Saves race the publication: whatever the order, the published
		// body is the one the post had when it was published.
		published := "published"
		saves := make(chan error, 1)
		go func() {
			var err error
			for rev := int64(2); rev < 60 && err == nil; rev++ {
				err = s.SaveLiveText(ctx, p.ID, fmt.Sprintf("save %d", rev), rev)
			}
			saves <- err
		}()
		got, err := s.Update(ctx, p.ID, alice, UpdateInput{Status: &published})
		require.NoError(t, err)
		atPublication := got.BodyMarkdown
		require.NoError(t, <-saves)
		require.NoError(t, s.SaveLiveText(ctx, p.ID, "late", 100))
		got, err = s.Get(ctx, p.ID, alice)
		require.NoError(t, err)
		assert.Equal(t, atPublication, got.BodyMarkdown, "no save changed the published body")
		assert.Equal(t, models.PostPublished, got.Status)
		_, rev, _, err := models.LiveText(ctx, o, p.ID)
		require.NoError(t, err)
		assert.Less(t, rev, int64(100), "a refused save records no revision")

		// The condition is in the UPDATE itself.
		written, err := models.SetDraftLiveBody(ctx, o, p.ID, "direct", "<p>direct</p>", time.Now())
		require.NoError(t, err)
		assert.False(t, written)
		got, err = s.Get(ctx, p.ID, alice)
		require.NoError(t, err)
		assert.Equal(t, atPublication, got.BodyMarkdown)
	})
}
