package comments

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/models"
)

func TestComments_EditIsTheAuthorsAndKeepsARevision(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 2)
		post := e.post(t, u[0], "published")
		c := e.comment(t, post, u[1], 0, "first")
		e.list(t, post, u[0], ListRequest{Sort: SortNew, Limit: 5, Depth: 1}) // warm the cache

		_, err := e.comments.Edit(ctx, c, u[0], EditInput{BodyMarkdown: "hijack"})
		requireCode(t, err, apperror.CodeForbidden)
		got, err := e.comments.Edit(ctx, c, u[1], EditInput{BodyMarkdown: "second **bold**"})
		require.NoError(t, err)
		require.NotNil(t, got.EditedAt)
		assert.Equal(t, "<p>second <strong>bold</strong></p>\n", *got.BodyHTML)
		_, err = e.comments.Edit(ctx, c, u[1], EditInput{BodyMarkdown: "third"})
		require.NoError(t, err)
		revs, err := models.CommentRevisions(ctx, e.o, c)
		require.NoError(t, err)
		assert.Equal(t, []string{"first", "second **bold**"}, revs)

		page := e.list(t, post, u[0], ListRequest{Sort: SortNew, Limit: 5, Depth: 1})
		assert.Equal(t, "third", *page.Items[0].BodyMarkdown, "the edit retired the cached page")
		_, err = e.comments.Edit(ctx, c, u[1], EditInput{BodyMarkdown: ""})
		requireCode(t, err, apperror.CodeValidation)
	})
}

// Deleting: the author deletes, the post's author or a moderator removes,
// anyone else is refused. A deleted comment stays as a tombstone (no
// author, no body) while it has visible replies and leaves the listing
// once the last one goes.
func TestComments_DeleteLeavesTombstonesOnlyWhileRepliesLive(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 4) // 0 post author, 1 and 2 commenters, 3 moderator
		post := e.post(t, u[0], "published")
		top := e.comment(t, post, u[1], 0, "top")
		mid := e.comment(t, post, u[2], top, "mid")
		leaf := e.comment(t, post, u[1], mid, "leaf")
		other := e.comment(t, post, u[2], 0, "other")
		assert.EqualValues(t, 4, e.postCommentCount(t, post))

		requireCode(t, e.comments.Delete(ctx, top, u[2]), apperror.CodeForbidden)
		require.NoError(t, SetRole(ctx, e.o, "user3@example.com", models.RoleModerator))

		require.NoError(t, e.comments.Delete(ctx, top, u[1])) // author: deleted
		require.NoError(t, e.comments.Delete(ctx, mid, u[0])) // post author: removed
		require.NoError(t, e.comments.Delete(ctx, mid, u[0])) // again: nothing changes
		assert.EqualValues(t, 2, e.postCommentCount(t, post))

		page := e.list(t, post, u[2], ListRequest{Sort: SortOld, Limit: 10, Depth: 5})
		require.Equal(t, []int64{top, other}, ids(page.Items))
		tomb := page.Items[0]
		assert.Equal(t, models.CommentDeleted, tomb.Status)
		assert.Nil(t, tomb.Author)
		assert.Nil(t, tomb.BodyMarkdown)
		assert.Nil(t, tomb.BodyHTML)
		assert.Zero(t, tomb.ReplyCount, "reply_count counts visible replies")
		require.Len(t, tomb.Replies, 1)
		assert.Equal(t, models.CommentRemoved, tomb.Replies[0].Status)
		require.Len(t, tomb.Replies[0].Replies, 1)
		assert.Equal(t, leaf, tomb.Replies[0].Replies[0].ID)

		// cannot reply to a tombstone, nor vote on one
		_, err := e.comments.Create(ctx, post, u[2], CreateInput{BodyMarkdown: "x", ParentID: &mid})
		requireCode(t, err, apperror.CodeValidation)
		_, err = e.comments.Vote(ctx, mid, u[2], VoteInput{Value: 1})
		requireCode(t, err, apperror.CodeNotFound)

		// the moderator removes the last visible descendant: the chain collapses
		require.NoError(t, e.comments.Delete(ctx, leaf, u[3]))
		page = e.list(t, post, u[2], ListRequest{Sort: SortOld, Limit: 10, Depth: 5})
		assert.Equal(t, []int64{other}, ids(page.Items))
		_, err = e.comments.Get(ctx, top, u[2], SortOld, 3)
		requireCode(t, err, apperror.CodeNotFound)
		assert.EqualValues(t, 1, e.postCommentCount(t, post))
	})
}

func TestComments_ReportsAndRoles(t *testing.T) {
	eachDriver(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.users(t, 2)
		post := e.post(t, u[0], "published")
		c := e.comment(t, post, u[0], 0, "spam?")
		for range 2 {
			require.NoError(t, e.comments.Report(ctx, c, u[1], ReportInput{Reason: "spam"}))
		}
		n, err := models.CommentReportCount(ctx, e.o, c)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n, "a repeated report changes nothing")
		requireCode(t, e.comments.Report(ctx, c, u[1], ReportInput{Reason: " "}), apperror.CodeValidation)
		requireCode(t, e.comments.Report(ctx, 99999, u[1], ReportInput{Reason: "x"}), apperror.CodeNotFound)

		requireCode(t, SetRole(ctx, e.o, "user1@example.com", "king"), apperror.CodeValidation)
		requireCode(t, SetRole(ctx, e.o, "nobody@example.com", models.RoleAdmin), apperror.CodeNotFound)
		require.NoError(t, SetRole(ctx, e.o, "user1@example.com", models.RoleAdmin))
		role, err := models.UserRole(ctx, e.o, u[1])
		require.NoError(t, err)
		assert.Equal(t, models.RoleAdmin, role)
		role, err = models.UserRole(ctx, e.o, u[0])
		require.NoError(t, err)
		assert.Equal(t, models.RoleMember, role, "new users are members")
	})
}
