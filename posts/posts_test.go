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

func TestPosts_CreateReadUpdateDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice := testsupport.NewUser(t, o, "alice")

		p, err := s.Create(ctx, alice, CreateInput{Title: "Hello, World", BodyMarkdown: "# Hi\n\n<script>x()</script>\n\n**bold**",
			Tags: []string{"go", "web"}})
		require.NoError(t, err)
		assert.Positive(t, p.ID)
		assert.Equal(t, Author{ID: alice, Name: "alice", Picture: "https://example.com/alice.png"}, p.Author)
		assert.Equal(t, "hello-world", p.Slug)
		assert.Equal(t, "draft", p.Status)
		assert.Nil(t, p.PublishedAt)
		assert.Equal(t, []string{"go", "web"}, p.Tags)
		assert.Contains(t, p.BodyHTML, "<strong>bold</strong>")
		assert.NotContains(t, p.BodyHTML, "script")
		assert.False(t, p.CreatedAt.IsZero())
		assert.Equal(t, "UTC", p.CreatedAt.Location().String())

		got, err := s.Get(ctx, p.ID, alice)
		require.NoError(t, err)
		assert.Equal(t, p, got)

		upd, err := s.Update(ctx, p.ID, alice, UpdateInput{Title: ptr("New title"), Tags: []string{"rust"}, Status: ptr("published")})
		require.NoError(t, err)
		assert.Equal(t, "New title", upd.Title)
		assert.Equal(t, "new-title", upd.Slug)
		assert.Equal(t, []string{"rust"}, upd.Tags)
		assert.Equal(t, "published", upd.Status)
		require.NotNil(t, upd.PublishedAt)
		assert.Equal(t, p.BodyMarkdown, upd.BodyMarkdown, "absent fields stay")
		assert.True(t, upd.UpdatedAt.After(p.UpdatedAt) || upd.UpdatedAt.Equal(p.UpdatedAt))

		require.NoError(t, s.Delete(ctx, p.ID, alice))
		_, err = s.Get(ctx, p.ID, alice)
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(err))
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(s.Delete(ctx, p.ID, alice)))
	})
}

func TestPosts_DraftsAreVisibleToTheirAuthorOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice, bob := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob")
		draft, err := s.Create(ctx, alice, CreateInput{Title: "secret"})
		require.NoError(t, err)

		_, err = s.Get(ctx, draft.ID, alice)
		require.NoError(t, err)
		_, err = s.Get(ctx, draft.ID, bob)
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(err), "someone else's draft is not found")
		_, err = s.Update(ctx, draft.ID, bob, UpdateInput{Title: ptr("mine")})
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(err), "editing someone else's draft: not found, not forbidden")
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(s.Delete(ctx, draft.ID, bob)))
		_, err = s.Like(ctx, draft.ID, bob)
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(err))

		feed, err := s.Feed(ctx, bob, FeedRequest{Limit: 20})
		require.NoError(t, err)
		assert.Empty(t, feed.Items, "drafts never appear in the feed")

		// Published, it is everyone's to read, and still only alice's to change.
		_, err = s.Update(ctx, draft.ID, alice, UpdateInput{Status: ptr("published")})
		require.NoError(t, err)
		seen, err := s.Get(ctx, draft.ID, bob)
		require.NoError(t, err)
		assert.Equal(t, "secret", seen.Title)
		_, err = s.Update(ctx, draft.ID, bob, UpdateInput{Title: ptr("mine")})
		assert.Equal(t, apperror.CodeForbidden, testsupport.Code(err))
		assert.Equal(t, apperror.CodeForbidden, testsupport.Code(s.Delete(ctx, draft.ID, bob)))

		// Taken back to draft, it disappears for bob again.
		_, err = s.Update(ctx, draft.ID, alice, UpdateInput{Status: ptr("draft")})
		require.NoError(t, err)
		_, err = s.Get(ctx, draft.ID, bob)
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(err))
	})
}

func TestPosts_Points(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice, bob, carol := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob"), testsupport.NewUser(t, o, "carol")

		// Publishing at creation: +10.
		p1, err := s.Create(ctx, alice, CreateInput{Title: "one", Status: "published"})
		require.NoError(t, err)
		assert.EqualValues(t, 10, points(t, o, alice))

		// A draft earns nothing until its first publication; republishing earns nothing more.
		p2, err := s.Create(ctx, alice, CreateInput{Title: "two"})
		require.NoError(t, err)
		assert.EqualValues(t, 10, points(t, o, alice))
		first, err := s.Update(ctx, p2.ID, alice, UpdateInput{Status: ptr("published")})
		require.NoError(t, err)
		assert.EqualValues(t, 20, points(t, o, alice))
		_, err = s.Update(ctx, p2.ID, alice, UpdateInput{Status: ptr("draft")})
		require.NoError(t, err)
		again, err := s.Update(ctx, p2.ID, alice, UpdateInput{Status: ptr("published")})
		require.NoError(t, err)
		assert.EqualValues(t, 20, points(t, o, alice))
		assert.Equal(t, first.PublishedAt, again.PublishedAt, "a republished post keeps its first publication time")

		// Each new like +1 to the author; repeating a like changes nothing.
		st, err := s.Like(ctx, p1.ID, bob)
		require.NoError(t, err)
		assert.Equal(t, LikeState{Liked: true, LikeCount: 1}, *st)
		st, err = s.Like(ctx, p1.ID, bob)
		require.NoError(t, err)
		assert.Equal(t, LikeState{Liked: true, LikeCount: 1}, *st)
		_, err = s.Like(ctx, p1.ID, carol)
		require.NoError(t, err)
		assert.EqualValues(t, 22, points(t, o, alice))
		assert.EqualValues(t, 0, points(t, o, bob), "liking earns the liker nothing")

		// An unlike takes nothing back and unliking again changes nothing;
		// liking again pays nothing: a like pays once per (liker, post) ever.
		st, err = s.Unlike(ctx, p1.ID, bob)
		require.NoError(t, err)
		assert.Equal(t, LikeState{Liked: false, LikeCount: 1}, *st)
		st, err = s.Unlike(ctx, p1.ID, bob)
		require.NoError(t, err)
		assert.Equal(t, LikeState{Liked: false, LikeCount: 1}, *st)
		assert.EqualValues(t, 22, points(t, o, alice))
		st, err = s.Like(ctx, p1.ID, bob)
		require.NoError(t, err)
		assert.Equal(t, LikeState{Liked: true, LikeCount: 2}, *st)
		assert.EqualValues(t, 22, points(t, o, alice))

		// Liking your own post earns nothing, and neither does unliking it cost.
		st, err = s.Like(ctx, p1.ID, alice)
		require.NoError(t, err)
		assert.Equal(t, LikeState{Liked: true, LikeCount: 3}, *st)
		assert.EqualValues(t, 22, points(t, o, alice))
		_, err = s.Unlike(ctx, p1.ID, alice)
		require.NoError(t, err)
		assert.EqualValues(t, 22, points(t, o, alice))

		// Liking what does not exist.
		_, err = s.Like(ctx, 999999, bob)
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(err))
	})
}

func TestPosts_LikedByMeIsPerReaderAndFollowsLikes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice, bob := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob")
		p, err := s.Create(ctx, alice, CreateInput{Title: "t", Status: "published"})
		require.NoError(t, err)

		read := func(viewer int64) *Post {
			got, err := s.Get(ctx, p.ID, viewer)
			require.NoError(t, err)
			return got
		}
		assert.False(t, read(bob).LikedByMe)
		_, err = s.Like(ctx, p.ID, bob)
		require.NoError(t, err)
		assert.True(t, read(bob).LikedByMe)
		assert.EqualValues(t, 1, read(bob).LikeCount)
		assert.False(t, read(alice).LikedByMe, "bob's like is not alice's")
		assert.EqualValues(t, 1, read(alice).LikeCount)
		_, err = s.Unlike(ctx, p.ID, bob)
		require.NoError(t, err)
		assert.False(t, read(bob).LikedByMe)
		assert.EqualValues(t, 0, read(alice).LikeCount)
	})
}

func TestPosts_EditsAreSeenAtOnceThroughTheCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice, bob := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob")
		p, err := s.Create(ctx, alice, CreateInput{Title: "v1", Status: "published"})
		require.NoError(t, err)
		for i, title := range []string{"v2", "v3", "v4"} {
			got, err := s.Get(ctx, p.ID, bob) // warms the cache
			require.NoError(t, err)
			if i == 0 {
				assert.Equal(t, "v1", got.Title)
			}
			_, err = s.Update(ctx, p.ID, alice, UpdateInput{Title: ptr(title)})
			require.NoError(t, err)
			got, err = s.Get(ctx, p.ID, bob)
			require.NoError(t, err)
			assert.Equal(t, title, got.Title)
		}
		require.NoError(t, s.Delete(ctx, p.ID, alice))
		_, err = s.Get(ctx, p.ID, bob)
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(err))
	})
}

func TestPosts_DeleteTakesLikesAndTagsAlong(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o, s := context.Background(), db.Orm(), newTestService(db)
		alice, bob := testsupport.NewUser(t, o, "alice"), testsupport.NewUser(t, o, "bob")
		p, err := s.Create(ctx, alice, CreateInput{Title: "t", Status: "published", Tags: []string{"go"}})
		require.NoError(t, err)
		_, err = s.Like(ctx, p.ID, bob)
		require.NoError(t, err)
		require.NoError(t, s.Delete(ctx, p.ID, alice))
		n, err := models.CountPostLikes(ctx, o, p.ID)
		require.NoError(t, err)
		assert.Zero(t, n)
		tags, err := models.TagsByPost(ctx, o, []int64{p.ID})
		require.NoError(t, err)
		assert.Empty(t, tags)
		assert.EqualValues(t, 11, points(t, o, alice), "points already earned stay")
	})
}
