package live

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/models"
)

func newUser(t *testing.T, o orm.Ormer, name string) int64 {
	t.Helper()
	u := &models.User{Issuer: "https://accounts.google.com", IssuerID: "sub-" + name, Email: name + "@example.com", Name: name}
	require.NoError(t, models.InsertUser(context.Background(), o, u))
	return u.ID
}

func newPost(t *testing.T, o orm.Ormer, author int64, status, body string) int64 {
	t.Helper()
	now := time.Now()
	p := &models.Post{AuthorID: author, Title: "T", Slug: "t", BodyMarkdown: body, BodyHTML: "<p>x</p>", Status: status,
		CreatedAt: now, UpdatedAt: now}
	if status == models.PostPublished {
		p.PublishedAt, p.FirstPublishedAt = &now, &now
	}
	require.NoError(t, models.InsertPost(context.Background(), o, p))
	return p.ID
}

func TestEditors_AuthorAndInvitedCollaboratorsOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o := context.Background(), db.Orm()
		author, friend, stranger := newUser(t, o, "author"), newUser(t, o, "friend"), newUser(t, o, "stranger")
		draft := newPost(t, o, author, models.PostDraft, "draft body")
		published := newPost(t, o, author, models.PostPublished, "public body")

		for _, post := range []int64{draft, published} {
			assert.NoError(t, CheckEditor(ctx, o, post, author))
		}
		assert.Equal(t, apperror.CodeNotFound, code(CheckEditor(ctx, o, draft, friend)), "a draft is invisible to others")
		assert.Equal(t, apperror.CodeForbidden, code(CheckEditor(ctx, o, published, stranger)))
		assert.Equal(t, apperror.CodeNotFound, code(CheckEditor(ctx, o, 999999, author)))
		assert.Equal(t, apperror.CodeNotFound, code(CheckEditor(ctx, o, draft, 0)), "anonymous")

		require.NoError(t, AddCollaborator(ctx, o, draft, author, friend))
		require.NoError(t, AddCollaborator(ctx, o, draft, author, friend), "again: no error, one row")
		assert.NoError(t, CheckEditor(ctx, o, draft, friend))
		ids, err := Collaborators(ctx, o, draft, friend)
		require.NoError(t, err)
		assert.Equal(t, []int64{friend}, ids)

		// Only the author manages collaborators.
		assert.Equal(t, apperror.CodeForbidden, code(AddCollaborator(ctx, o, draft, friend, stranger)))
		assert.Equal(t, apperror.CodeNotFound, code(AddCollaborator(ctx, o, draft, stranger, stranger)))
		assert.Equal(t, apperror.CodeForbidden, code(RemoveCollaborator(ctx, o, published, stranger, friend)))
		assert.Equal(t, apperror.CodeValidation, code(AddCollaborator(ctx, o, draft, author, author)))
		assert.Equal(t, apperror.CodeNotFound, code(AddCollaborator(ctx, o, draft, author, 999999)), "no such user")

		require.NoError(t, RemoveCollaborator(ctx, o, draft, author, friend))
		assert.Equal(t, apperror.CodeNotFound, code(CheckEditor(ctx, o, draft, friend)))
		require.NoError(t, RemoveCollaborator(ctx, o, draft, author, friend), "again: no error")

		// A collaborator may leave on their own.
		require.NoError(t, AddCollaborator(ctx, o, published, author, friend))
		require.NoError(t, RemoveCollaborator(ctx, o, published, friend, friend))
		assert.Equal(t, apperror.CodeForbidden, code(CheckEditor(ctx, o, published, friend)))

		// Deleting the post takes its collaborators along.
		require.NoError(t, AddCollaborator(ctx, o, draft, author, friend))
		require.NoError(t, models.DeletePost(ctx, o, draft))
		var n int64
		require.NoError(t, o.Raw("SELECT COUNT(*) FROM post_collaborators WHERE post_id = ?", draft).QueryRow(&n))
		assert.Zero(t, n)
	})
}

func TestLiveRevision_OnlyRisesAndStartsTheSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o := context.Background(), db.Orm()
		author := newUser(t, o, "author")
		post := newPost(t, o, author, models.PostDraft, "saved 😅")
		loader := PostLoader{DB: o}
		text, rev, err := loader.LoadLiveText(ctx, post)
		require.NoError(t, err)
		assert.Equal(t, "saved 😅", text)
		assert.Zero(t, rev)

		for _, step := range []struct {
			rev    int64
			raised bool
		}{{5, true}, {3, false}, {5, false}, {9, true}} {
			raised, err := models.RaiseLiveRevision(ctx, o, post, step.rev, time.Now())
			require.NoError(t, err)
			assert.Equal(t, step.raised, raised, "rev %d", step.rev)
		}
		_, rev, err = loader.LoadLiveText(ctx, post)
		require.NoError(t, err)
		assert.Equal(t, int64(9), rev)

		_, _, err = loader.LoadLiveText(ctx, 999999)
		assert.Equal(t, apperror.CodeNotFound, code(err))

		// A sequencer opening the post starts from the saved text and revision.
		seq := NewSequencer(NewMemory(), loader)
		st, err := seq.State(ctx, post)
		require.NoError(t, err)
		assert.Equal(t, State{Rev: 9, Text: "saved 😅"}, st)
		_, err = seq.State(ctx, 999999)
		assert.Equal(t, apperror.CodeNotFound, code(err), fmt.Sprint(err))
	})
}
