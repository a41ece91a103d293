package live

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"inkwell/cache/cachetest"
	"inkwell/ot"
)

// BenchmarkSubmit is one editor typing into a 10,000-code-point post, one
// op per keystroke, each acknowledged before the next (no contention): the
// cost of a submit's round trips and of moving the text.
func BenchmarkSubmit(b *testing.B) {
	posts := newSavedPosts()
	posts.text[1] = strings.Repeat("word 😅 ", 1250)
	run := func(b *testing.B, seq *Sequencer) {
		ctx := context.Background()
		st, err := seq.State(ctx, 1)
		require.NoError(b, err)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_, err := seq.Submit(ctx, 1, Submission{Rev: st.Rev + int64(i),
				Op: ot.Op{ot.Retain(5000 + i), ot.Insert("x")}, ClientID: "bench", Seq: int64(i + 1)})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("memory", func(b *testing.B) { run(b, NewSequencer(NewMemory(), posts)) })
	b.Run("redis", func(b *testing.B) {
		url := cachetest.RedisURL(b)
		prefix := cachetest.Prefix()
		cachetest.DeleteAfter(b, url, prefix)
		opts, err := redis.ParseURL(url)
		require.NoError(b, err)
		client := redis.NewClient(opts)
		defer func() { _ = client.Close() }()
		run(b, NewSequencer(NewRedis(client, prefix, nil), posts))
	})
}
