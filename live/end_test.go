package live

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
)

// Ending a session (a publication: live co-editing is for drafts) is one
// step of the backend: after it, no replica appends an op; followers get
// every op up to it and then the Ended entry; dropped, a new session starts
// from the saved text.
func TestEnd_RefusesLaterOpsOnEveryReplicaAndEndsTheFollowers(t *testing.T) {
	posts := newSavedPosts()
	eachBackend(t, posts, func(t *testing.T, r replicas) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		const post = 31
		posts.mu.Lock()
		posts.text[post], posts.rev[post] = "abc", 0
		posts.mu.Unlock()
		f, err := r.b.Follow(ctx, post, 0)
		require.NoError(t, err)
		_, err = r.a.Submit(ctx, post, Submission{Rev: 0, Op: op(t, `[3,"d"]`), ClientID: "x", Seq: 1})
		require.NoError(t, err)

		head, existed, err := r.a.backend.end(ctx, post)
		require.NoError(t, err)
		assert.True(t, existed)
		assert.Equal(t, int64(1), head)
		info, err := r.b.backend.info(ctx, post)
		require.NoError(t, err)
		assert.Equal(t, sessionInfo{Exists: true, Ended: true, Head: 1}, info)

		// The other replica refuses an op, with the drafts-only conflict.
		_, err = r.b.Submit(ctx, post, Submission{Rev: 1, Op: op(t, `[4,"e"]`), ClientID: "y", Seq: 1})
		require.Error(t, err)
		assert.True(t, errors.Is(err, errEnded))
		e, ok := apperror.As(err)
		require.True(t, ok)
		assert.Equal(t, apperror.CodeConflict, e.Code)
		assert.Equal(t, NotDraftMessage, e.Message)
		st, err := r.b.State(ctx, post)
		require.NoError(t, err)
		assert.Equal(t, State{Rev: 1, Text: "abcd"}, st, "the text at the end")

		var got []Entry
		for e := range f.C {
			got = append(got, e)
		}
		require.Len(t, got, 2)
		assert.Equal(t, int64(1), got[0].Rev)
		assert.True(t, got[1].Ended, "the stream ends with the Ended entry")
		assert.NoError(t, f.Err())

		// Resumed (a failed publication), ops go on.
		require.NoError(t, r.a.backend.resume(ctx, post))
		_, err = r.b.Submit(ctx, post, Submission{Rev: 1, Op: op(t, `[4,"e"]`), ClientID: "y", Seq: 1})
		require.NoError(t, err)

		// drop deletes only an ended session.
		require.NoError(t, r.a.backend.drop(ctx, post))
		info, err = r.a.backend.info(ctx, post)
		require.NoError(t, err)
		assert.True(t, info.Exists, "an open session is not dropped")
		_, _, err = r.a.backend.end(ctx, post)
		require.NoError(t, err)
		require.NoError(t, r.a.backend.drop(ctx, post))
		posts.mu.Lock()
		posts.text[post], posts.rev[post] = "saved", 7
		posts.mu.Unlock()
		st, err = r.b.State(ctx, post)
		require.NoError(t, err)
		assert.Equal(t, State{Rev: 7, Text: "saved"}, st, "a new session starts from the saved text")
	})
}
