package live

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/ot"
)

func op(t *testing.T, s string) ot.Op {
	t.Helper()
	o, err := ot.Parse([]byte(s))
	require.NoError(t, err)
	return o
}

func code(err error) string {
	if e, ok := apperror.As(err); ok {
		return e.Code
	}
	return ""
}

func TestSubmit_StartsFromTheSavedTextAndTransformsPastConcurrentOps(t *testing.T) {
	posts := newSavedPosts()
	posts.text[1], posts.rev[1] = "a😅c", 7
	eachBackend(t, posts, func(t *testing.T, r replicas) {
		ctx := context.Background()
		st, err := r.a.State(ctx, 1)
		require.NoError(t, err)
		assert.Equal(t, State{Rev: 7, Text: "a😅c"}, st)

		first, err := r.a.Submit(ctx, 1, Submission{Rev: 7, Op: op(t, `[2,"X"]`), ClientID: "one", Seq: 1})
		require.NoError(t, err)
		assert.Equal(t, Applied{Rev: 8, Op: op(t, `[2,"X"]`)}, first)
		// Made on rev 7 too, sent to the other replica: transformed past
		// the first; at one position the later submission's insert goes first.
		second, err := r.b.Submit(ctx, 1, Submission{Rev: 7, Op: op(t, `[2,"Y",{"d":1}]`), ClientID: "two", Seq: 1})
		require.NoError(t, err)
		assert.Equal(t, Applied{Rev: 9, Op: op(t, `[2,"Y",1,{"d":1}]`)}, second)

		st, err = r.b.State(ctx, 1)
		require.NoError(t, err)
		assert.Equal(t, State{Rev: 9, Text: "a😅YX"}, st)

		head, entries, err := r.a.Since(ctx, 1, 7)
		require.NoError(t, err)
		assert.Equal(t, int64(9), head)
		assert.Equal(t, []Entry{
			{Rev: 8, Op: op(t, `[2,"X"]`), ClientID: "one", Seq: 1},
			{Rev: 9, Op: op(t, `[2,"Y",1,{"d":1}]`), ClientID: "two", Seq: 1},
		}, entries)
		_, entries, err = r.a.Since(ctx, 1, 9)
		require.NoError(t, err)
		assert.Empty(t, entries, "since is exclusive")
	})
}

func TestSubmit_ResendIsAppliedOnceAndAnsweredAsTheFirst(t *testing.T) {
	posts := newSavedPosts()
	posts.text[2] = "base"
	eachBackend(t, posts, func(t *testing.T, r replicas) {
		ctx := context.Background()
		sub := Submission{Rev: 0, Op: op(t, `["hi "]`), ClientID: "c1", Seq: 1}
		first, err := r.a.Submit(ctx, 2, sub)
		require.NoError(t, err)
		_, err = r.a.Submit(ctx, 2, Submission{Rev: 1, Op: op(t, `[{"d":1}]`), ClientID: "c2", Seq: 1})
		require.NoError(t, err)

		// The answer was lost; the client resends on the other replica.
		again, err := r.b.Submit(ctx, 2, sub)
		require.NoError(t, err)
		assert.Equal(t, first, again)

		// Its next op, then a late resend of the first again: still once.
		_, err = r.b.Submit(ctx, 2, Submission{Rev: 2, Op: op(t, `[2,"!"]`), ClientID: "c1", Seq: 2})
		require.NoError(t, err)
		late, err := r.a.Submit(ctx, 2, sub)
		require.NoError(t, err)
		assert.Equal(t, first, late)

		st, err := r.a.State(ctx, 2)
		require.NoError(t, err)
		assert.Equal(t, State{Rev: 3, Text: "i !base"}, st)
	})
}

func TestSubmit_ConcurrentResendsApplyOnce(t *testing.T) {
	posts := newSavedPosts()
	eachBackend(t, posts, func(t *testing.T, r replicas) {
		ctx := context.Background()
		post := int64(3)
		var wg sync.WaitGroup
		answers := make([]Applied, 8)
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				seq := r.a
				if i%2 == 1 {
					seq = r.b
				}
				var err error
				answers[i], err = seq.Submit(ctx, post, Submission{Rev: 0, Op: op(t, `["once"]`), ClientID: "dup", Seq: 1})
				assert.NoError(t, err)
			}()
		}
		wg.Wait()
		for _, a := range answers {
			assert.Equal(t, Applied{Rev: 1, Op: op(t, `["once"]`)}, a)
		}
		st, err := r.b.State(ctx, post)
		require.NoError(t, err)
		assert.Equal(t, State{Rev: 1, Text: "once"}, st)
	})
}

func TestSubmit_RefusesWhatCannotApply(t *testing.T) {
	posts := newSavedPosts()
	posts.text[4] = "abc"
	eachBackend(t, posts, func(t *testing.T, r replicas) {
		ctx := context.Background()
		cases := []struct {
			sub   Submission
			code  string
			field string
		}{
			{Submission{Rev: 0, Op: op(t, `[4,"x"]`), ClientID: "c", Seq: 1}, apperror.CodeValidation, "op"},
			{Submission{Rev: 0, Op: op(t, `["x"]`), ClientID: "bad id!", Seq: 1}, apperror.CodeValidation, "client_id"},
			{Submission{Rev: 0, Op: op(t, `["x"]`), ClientID: "c", Seq: 0}, apperror.CodeValidation, "seq"},
			{Submission{Rev: -1, Op: op(t, `["x"]`), ClientID: "c", Seq: 1}, apperror.CodeValidation, "rev"},
			{Submission{Rev: 0, Op: ot.Op{ot.Retain(1)}, ClientID: "c", Seq: 1}, apperror.CodeValidation, "op"},
			{Submission{Rev: 0, Op: ot.Op{ot.Insert(strings.Repeat("é", MaxTextChars))}, ClientID: "c", Seq: 1}, apperror.CodeValidation, "op"},
			{Submission{Rev: 5, Op: op(t, `["x"]`), ClientID: "c", Seq: 1}, apperror.CodeConflict, ""},
		}
		for _, c := range cases {
			_, err := r.a.Submit(ctx, 4, c.sub)
			require.Error(t, err)
			assert.Equal(t, c.code, code(err), "%+v: %v", c.sub, err)
			if c.field != "" {
				e, _ := apperror.As(err)
				assert.Contains(t, e.Fields, c.field)
			}
		}
		st, err := r.a.State(ctx, 4)
		require.NoError(t, err)
		assert.Equal(t, State{Rev: 0, Text: "abc"}, st)
	})
}

func TestSince_ClientsBeyondTheLogReload(t *testing.T) {
	posts := newSavedPosts()
	eachBackend(t, posts, func(t *testing.T, r replicas) {
		ctx := context.Background()
		for i := int64(1); i <= MaxLog+5; i++ {
			_, err := r.a.Submit(ctx, 5, Submission{Rev: i - 1, Op: op(t, `["x"]`), ClientID: "w", Seq: i})
			require.NoError(t, err)
		}
		_, _, err := r.b.Since(ctx, 5, 4)
		assert.Equal(t, apperror.CodeConflict, code(err))
		head, entries, err := r.b.Since(ctx, 5, 5)
		require.NoError(t, err)
		assert.Equal(t, int64(MaxLog+5), head)
		assert.Len(t, entries, MaxLog)
		assert.Equal(t, int64(6), entries[0].Rev)
		_, _, err = r.b.Since(ctx, 5, MaxLog+6)
		assert.Equal(t, apperror.CodeConflict, code(err), "ahead of the head")
		// An op made on a trimmed revision cannot be transformed: reload.
		_, err = r.b.Submit(ctx, 5, Submission{Rev: 1, Op: op(t, `["y"]`), ClientID: "late", Seq: 1})
		assert.Equal(t, apperror.CodeConflict, code(err))
		// A resend of an op still in the log is answered from it.
		again, err := r.b.Submit(ctx, 5, Submission{Rev: 9, Op: op(t, `["x"]`), ClientID: "w", Seq: 10})
		require.NoError(t, err)
		assert.Equal(t, int64(10), again.Rev)
		// The text is whole: on Redis, a stored text plus the ops after it.
		st, err := r.b.State(ctx, 5)
		require.NoError(t, err)
		assert.Equal(t, State{Rev: MaxLog + 5, Text: strings.Repeat("x", MaxLog+5)}, st)
	})
}

func TestSubmit_ConcurrentOpsOnOneRevisionAllLandOnce(t *testing.T) {
	posts := newSavedPosts()
	eachBackend(t, posts, func(t *testing.T, r replicas) {
		ctx := context.Background()
		const writers = 12
		var wg sync.WaitGroup
		revs := make([]int64, writers)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				seq := []*Sequencer{r.a, r.b}[i%2]
				a, err := seq.Submit(ctx, 6, Submission{Rev: 0, Op: ot.Op{ot.Insert(string(rune('a' + i)))},
					ClientID: "w" + string(rune('a'+i)), Seq: 1})
				assert.NoError(t, err)
				revs[i] = a.Rev
			}()
		}
		wg.Wait()
		seen := map[int64]bool{}
		for _, rev := range revs {
			assert.False(t, seen[rev], "revision %d given twice", rev)
			seen[rev] = true
		}
		st, err := r.a.State(ctx, 6)
		require.NoError(t, err)
		assert.Equal(t, int64(writers), st.Rev)
		assert.Len(t, st.Text, writers)
		for i := 0; i < writers; i++ {
			assert.Contains(t, st.Text, string(rune('a'+i)))
		}
	})
}
