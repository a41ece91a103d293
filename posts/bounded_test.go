package posts

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/markdown"
	"inkwell/testsupport"
)

func TestPosts_MarkdownTheRendererRefusesIs400OnBodyMarkdown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		nested := strings.Repeat(">", 200_000)

		_, err := s.Create(ctx, alice, CreateInput{Title: "deep", BodyMarkdown: nested})
		ae, ok := apperror.As(err)
		require.True(t, ok, "want a validation error, got %v", err)
		assert.Equal(t, apperror.CodeValidation, ae.Code)
		assert.Contains(t, ae.Fields["body_markdown"], "nests quotes and lists more than 32 levels deep")

		p, err := s.Create(ctx, alice, CreateInput{Title: "fine", BodyMarkdown: "> quoted"})
		require.NoError(t, err)
		_, err = s.Update(ctx, p.ID, alice, UpdateInput{BodyMarkdown: ptr(strings.Repeat("[x](", 50_000))})
		ae, ok = apperror.As(err)
		require.True(t, ok, "want a validation error, got %v", err)
		assert.Equal(t, apperror.CodeValidation, ae.Code)
		assert.Contains(t, ae.Fields["body_markdown"], "split it into shorter paragraphs")
		got, err := s.Get(ctx, p.ID, alice)
		require.NoError(t, err)
		assert.Equal(t, "> quoted", got.BodyMarkdown, "a refused edit changes nothing")
	})
}

func TestPosts_ACancelledRequestRendersNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		o, s := db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.Create(ctx, alice, CreateInput{Title: "gone", BodyMarkdown: "text"})
		assert.Equal(t, apperror.CodeUnavailable, testsupport.Code(err))
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestFeed_ItemsCarryAPlainTextExcerptInsteadOfTheBody(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")
		body := "# Heading\n\nSome **bold** text with [a link](https://example.com).\n\n" +
			"| cell | other |\n|---|---|\n| x | y |\n\n- [ ] a task\n\n" + strings.Repeat("Lorem ipsum dolor sit amet. ", 6_000)
		_, err := s.Create(ctx, alice, CreateInput{Title: "long", BodyMarkdown: body, Status: "published"})
		require.NoError(t, err)

		page, err := s.Feed(ctx, alice, FeedRequest{Limit: 10})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		item := page.Items[0]
		assert.True(t, strings.HasPrefix(item.Excerpt, "Heading Some bold text with a link. a task Lorem ipsum"), item.Excerpt)
		assert.LessOrEqual(t, utf8.RuneCountInString(item.Excerpt), markdown.ExcerptChars)
		for _, syntax := range []string{"**", "](", "|", "cell", "[ ]", "#"} {
			assert.NotContains(t, item.Excerpt, syntax)
		}

		encoded, err := json.Marshal(page)
		require.NoError(t, err)
		var raw struct {
			Items []map[string]any `json:"items"`
		}
		require.NoError(t, json.Unmarshal(encoded, &raw))
		assert.Contains(t, raw.Items[0], "excerpt")
		assert.NotContains(t, raw.Items[0], "body_html")
		assert.NotContains(t, raw.Items[0], "body_markdown")
		assert.Less(t, len(encoded), 2_000, "a feed item is small whatever the body's length")
	})
}
