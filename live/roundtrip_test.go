package live

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/cache/cachetest"
	"inkwell/ot"
)

// commandCounter is a go-redis hook that counts the round trips a client
// makes (a command, or a pipeline, is one): those of the submit script, and
// all others; and the largest submit request.
type commandCounter struct {
	submits, others atomic.Int64
	maxSubmitBytes  atomic.Int64
}

func (c *commandCounter) reset() {
	c.submits.Store(0)
	c.others.Store(0)
	c.maxSubmitBytes.Store(0)
}

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		args := cmd.Args()
		isSubmit := len(args) > 1 && fmt.Sprint(args[1]) == submitScript.Hash()
		if !isSubmit {
			c.others.Add(1)
			return next(ctx, cmd)
		}
		c.submits.Add(1)
		n := 0
		for _, a := range args[2:] {
			n += len(fmt.Sprint(a))
		}
		for {
			old := c.maxSubmitBytes.Load()
			if int64(n) <= old || c.maxSubmitBytes.CompareAndSwap(old, int64(n)) {
				break
			}
		}
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.others.Add(1)
		return next(ctx, cmds)
	}
}

// TestSubmit_OneRoundTripOfOpSizePerOp: 8 writers on two replicas submit
// concurrently into a 10,000-code-point post, each on the revision it last
// saw (so most submissions are behind the head and need transforming). Each
// submission must cost one round trip to Redis, and no request may carry
// the text: the design of docs/live.md ("One round trip per op").
func TestSubmit_OneRoundTripOfOpSizePerOp(t *testing.T) {
	url := cachetest.RedisURL(t)
	prefix := cachetest.Prefix()
	cachetest.DeleteAfter(t, url, prefix)
	posts := newSavedPosts()
	posts.text[9] = strings.Repeat("word 😅 ", 1250)
	var counters [2]*commandCounter
	var seqs [2]*Sequencer
	for i := range seqs {
		opts, err := redis.ParseURL(url)
		require.NoError(t, err)
		client := redis.NewClient(opts)
		t.Cleanup(func() { _ = client.Close() })
		counters[i] = &commandCounter{}
		client.AddHook(counters[i])
		r := NewRedis(client, prefix, nil)
		t.Cleanup(func() { _ = r.Close() })
		seqs[i] = NewSequencer(r, posts)
	}
	ctx := context.Background()
	// Warm up: start the session and load the scripts on both clients.
	for i, s := range seqs {
		_, err := s.Submit(ctx, 9, Submission{Rev: 0, Op: ot.Op{ot.Insert("w")}, ClientID: fmt.Sprintf("warm%d", i), Seq: 1})
		require.NoError(t, err)
	}
	for _, c := range counters {
		c.reset()
	}
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := seqs[w%2]
			rev := int64(0)
			for i := 1; i <= each; i++ {
				a, err := s.Submit(ctx, 9, Submission{Rev: rev, Op: ot.Op{ot.Retain(100*w + 1), ot.Insert("x")},
					ClientID: fmt.Sprintf("w%d", w), Seq: int64(i)})
				if !assert.NoError(t, err) {
					return
				}
				rev = a.Rev
			}
		}()
	}
	wg.Wait()
	submits := counters[0].submits.Load() + counters[1].submits.Load()
	others := counters[0].others.Load() + counters[1].others.Load()
	maxBytes := max(counters[0].maxSubmitBytes.Load(), counters[1].maxSubmitBytes.Load())
	t.Logf("%d ops: %d submit round trips, %d other round trips (storing the text every %d ops), %d retries, largest submit %d bytes",
		writers*each, submits, others, SnapshotEvery, seqs[0].Retries()+seqs[1].Retries(), maxBytes)
	assert.Equal(t, int64(writers*each), submits, "one round trip per op")
	// Off the submit path, in the background: every SnapshotEvery ops each
	// replica may read the state and store the text (the first use of each
	// script costs one more trip, NOSCRIPT then EVAL). Far fewer than one
	// per op; before this design there were about two per op.
	assert.LessOrEqual(t, others, int64(writers*each/5), "nothing else per op")
	assert.Less(t, maxBytes, int64(2048), "a submission carries the op, not the text")
	st, err := seqs[0].State(ctx, 9)
	require.NoError(t, err)
	assert.Equal(t, int64(2+writers*each), st.Rev)
}

// A session Redis holds in the previous layout (the head text whole in
// 'text', before the one-round-trip design) is taken over: the next
// submission converts it in place and its log and clients stay valid.
func TestRedis_TakesOverASessionOfThePreviousLayout(t *testing.T) {
	url := cachetest.RedisURL(t)
	prefix := cachetest.Prefix()
	cachetest.DeleteAfter(t, url, prefix)
	opts, err := redis.ParseURL(url)
	require.NoError(t, err)
	client := redis.NewClient(opts)
	defer func() { _ = client.Close() }()
	r := NewRedis(client, prefix, nil)
	defer func() { _ = r.Close() }()
	ctx := context.Background()
	keys := r.keys(4)
	// As the previous commit script left it: head 2 after "ab" at rev 0.
	require.NoError(t, client.HSet(ctx, keys[0], "rev", 2, "base", 0, "text", "x😅ab").Err())
	require.NoError(t, client.RPush(ctx, keys[1],
		`{"rev":1,"op":["😅"],"client_id":"old","seq":1}`, `{"rev":2,"op":["x"],"client_id":"old","seq":2}`).Err())
	require.NoError(t, client.HSet(ctx, keys[2], "s:old", 2, "e:old", `{"rev":2,"op":["x"],"client_id":"old","seq":2}`).Err())
	posts := newSavedPosts()
	posts.text[4] = "never loaded"
	seq := NewSequencer(r, posts)

	a, err := seq.Submit(ctx, 4, Submission{Rev: 1, Op: ot.Op{ot.Retain(3), ot.Insert("!")}, ClientID: "new", Seq: 1})
	require.NoError(t, err)
	assert.Equal(t, Applied{Rev: 3, Op: ot.Op{ot.Retain(4), ot.Insert("!")}}, a, "transformed past the old log")
	again, err := seq.Submit(ctx, 4, Submission{Rev: 1, Op: ot.Op{ot.Insert("x")}, ClientID: "old", Seq: 2})
	require.NoError(t, err)
	assert.Equal(t, int64(2), again.Rev, "the old clients' records still deduplicate")
	st, err := seq.State(ctx, 4)
	require.NoError(t, err)
	assert.Equal(t, State{Rev: 3, Text: "x😅ab!"}, st)
}
