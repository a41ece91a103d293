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

func titles(items []Post) []string {
	out := make([]string, len(items))
	for i, p := range items {
		out[i] = p.Title
	}
	return out
}

func TestDrafts_OnlyTheCallersDraftsNewestFirstInPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice, bob := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob")
		create := func(author int64, title, status string) *Post {
			p, err := s.Create(ctx, author, CreateInput{Title: title, BodyMarkdown: "x", Tags: []string{"t"}, Status: status})
			require.NoError(t, err)
			return p
		}
		create(alice, "draft 1", "draft")
		create(alice, "published", "published")
		d2 := create(alice, "draft 2", "draft")
		create(bob, "bob's draft", "draft")
		create(alice, "draft 3", "draft")

		first, err := s.Drafts(ctx, alice, DraftsRequest{Limit: 2})
		require.NoError(t, err)
		assert.Equal(t, []string{"draft 3", "draft 2"}, titles(first.Items))
		assert.Equal(t, []string{"t"}, first.Items[0].Tags)
		require.NotNil(t, first.NextCursor)
		before, err := decodeDraftsCursor(*first.NextCursor)
		require.NoError(t, err)
		second, err := s.Drafts(ctx, alice, DraftsRequest{Limit: 2, BeforeID: before})
		require.NoError(t, err)
		assert.Equal(t, []string{"draft 1"}, titles(second.Items))
		assert.Nil(t, second.NextCursor)

		// Publishing takes a draft out; taking a post back to draft puts it in.
		_, err = s.Update(ctx, d2.ID, alice, UpdateInput{Status: ptr(models.PostPublished)})
		require.NoError(t, err)
		all, err := s.Drafts(ctx, alice, DraftsRequest{Limit: 10})
		require.NoError(t, err)
		assert.Equal(t, []string{"draft 3", "draft 1"}, titles(all.Items))
		_, err = s.Update(ctx, d2.ID, alice, UpdateInput{Status: ptr(models.PostDraft)})
		require.NoError(t, err)
		all, err = s.Drafts(ctx, alice, DraftsRequest{Limit: 10})
		require.NoError(t, err)
		assert.Equal(t, []string{"draft 3", "draft 2", "draft 1"}, titles(all.Items))

		none, err := s.Drafts(ctx, testsupport.NewUser(t, o, "carol"), DraftsRequest{Limit: 10})
		require.NoError(t, err)
		assert.NotNil(t, none.Items)
		assert.Empty(t, none.Items)
	})
}

func TestParseDraftsRequest(t *testing.T) {
	feedCursor := EncodeFeedCursor(feedPos(1_700_000_000_000_000, 5))
	tests := []struct {
		name                       string
		limit, cursor, tag, author string
		wantField                  string
		wantLimit                  int
		wantBefore                 int64
	}{
		{name: "defaults", wantLimit: DefaultFeedLimit},
		{name: "own author and a cursor", limit: "5", cursor: EncodeDraftsCursor(42), author: "7", wantLimit: 5, wantBefore: 42},
		{name: "someone else's drafts", author: "8", wantField: "author"},
		{name: "not a number author", author: "me", wantField: "author"},
		{name: "tag", tag: "go", wantField: "tag"},
		{name: "a feed cursor", cursor: feedCursor, wantField: "cursor"},
		{name: "limit too big", limit: "101", wantField: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseDraftsRequest(tt.limit, tt.cursor, tt.tag, tt.author, 7)
			if tt.wantField != "" {
				ae, ok := apperror.As(err)
				require.True(t, ok, "%v", err)
				assert.Equal(t, apperror.CodeValidation, ae.Code)
				assert.Contains(t, ae.Fields, tt.wantField)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantLimit, req.Limit)
			assert.Equal(t, tt.wantBefore, req.BeforeID)
		})
	}
	_, err := DecodeFeedCursor(EncodeDraftsCursor(42))
	assert.Error(t, err, "a drafts cursor is not a feed cursor")
}
