package live

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/ot"
)

// failAfter bounds a wait for an event that must come; it is a hang guard,
// not a timing assertion.
const failAfter = 30 * time.Second

func TestFollow_ASlowReaderStillGetsEveryEntryInOrder(t *testing.T) {
	posts := newSavedPosts()
	eachBackend(t, posts, func(t *testing.T, r replicas) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f, err := r.b.Follow(ctx, 20, 0)
		require.NoError(t, err)
		// Far more than the follower buffers while nobody reads.
		const n = 3 * followBuffer
		for i := int64(1); i <= n; i++ {
			_, err := r.a.Submit(ctx, 20, Submission{Rev: i - 1, Op: ot.Op{ot.Insert("x")}, ClientID: "w", Seq: i})
			require.NoError(t, err)
		}
		for want := int64(1); want <= n; want++ {
			select {
			case e, ok := <-f.C:
				require.True(t, ok, "closed: %v", f.Err())
				require.Equal(t, want, e.Rev)
			case <-time.After(failAfter):
				t.Fatalf("entry %d never came", want)
			}
		}
		cancel()
		for range f.C {
		}
		assert.NoError(t, f.Err(), "ended by its context")
	})
}

func TestFollow_FromARevisionBeyondTheLogFails(t *testing.T) {
	posts := newSavedPosts()
	posts.rev[21] = 50
	eachBackend(t, posts, func(t *testing.T, r replicas) {
		f, err := r.a.Follow(context.Background(), 21, 10)
		require.NoError(t, err)
		_, open := <-f.C
		assert.False(t, open)
		assert.Equal(t, "conflict", code(f.Err()))
	})
}

func TestPersister_SavesEveryNOpsWhenIdleAndOnFlush(t *testing.T) {
	ctx := context.Background()
	posts := newSavedPosts()
	posts.saved = make(chan int64, 16)
	seq := NewSequencer(NewMemory(), posts)
	submit := func(post, rev int64) {
		_, err := seq.Submit(ctx, post, Submission{Rev: rev, Op: ot.Op{ot.Insert("a")}, ClientID: "c", Seq: rev + 1})
		require.NoError(t, err)
	}
	awaitSave := func() int64 {
		select {
		case rev := <-posts.saved:
			return rev
		case <-time.After(failAfter):
			t.Fatal("no save")
			return 0
		}
	}

	every3 := NewPersister(seq, posts, time.Hour, 3, nil)
	for rev := int64(0); rev < 3; rev++ {
		submit(30, rev)
	}
	assert.Equal(t, int64(3), awaitSave(), "the third op saves")
	submit(30, 3)
	require.NoError(t, every3.Flush(ctx))
	assert.Equal(t, int64(4), awaitSave())
	text, rev := posts.get(30)
	assert.Equal(t, "aaaa", text)
	assert.Equal(t, int64(4), rev)
	require.NoError(t, every3.Flush(ctx))
	assert.Empty(t, posts.saved, "nothing left to save")

	NewPersister(seq, posts, time.Millisecond, 1000, nil) // replaces every3 on seq
	submit(31, 0)
	assert.Equal(t, int64(1), awaitSave(), "saved once idle")
	text, _ = posts.get(31)
	assert.Equal(t, "a", text)
}

func TestPersister_AnotherReplicaAdoptsWhatADeadOneDidNotSave(t *testing.T) {
	eachBackend(t, newSavedPosts(), func(t *testing.T, r replicas) {
		ctx := context.Background()
		posts := newSavedPosts() // fresh per backend; the sequencers read it
		posts.text[32], posts.rev[32] = "saved", 4
		r.a.loader, r.b.loader = posts, posts
		NewPersister(r.a, posts, time.Hour, 1000, nil) // dies before it saves
		for rev := int64(4); rev < 7; rev++ {
			_, err := r.a.Submit(ctx, 32, Submission{Rev: rev, Op: ot.Op{ot.Insert("+")}, ClientID: "c", Seq: rev})
			require.NoError(t, err)
		}
		survivor := NewPersister(r.b, posts, time.Hour, 1000, nil)
		require.NoError(t, survivor.Flush(ctx))
		_, rev := posts.get(32)
		assert.Equal(t, int64(4), rev, "the survivor knew of nothing to save")

		require.NoError(t, survivor.Adopt(ctx, 32))
		require.NoError(t, survivor.Flush(ctx))
		text, rev := posts.get(32)
		assert.Equal(t, "+++saved", text)
		assert.Equal(t, int64(7), rev)
	})
}
