package live

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/ot"
)

// simClient is an editor as the browser runs one (the ot.js state machine
// pwa/app/static/collab.js implements): at most one op in flight, later
// local edits composed into a buffer, incoming ops transformed past both.
// Its own op coming back in the stream is its acknowledgement.
type simClient struct {
	t        *testing.T
	id       string
	seq      *Sequencer
	post     int64
	r        *rand.Rand
	rev      int64
	doc      string
	nextSeq  int64
	inflight ot.Op
	inSeq    int64
	inRev    int64
	buffer   ot.Op
	sent     Submission // the in-flight op as sent, for resends
	resends  int
	// reconnects counts simulated dropped connections.
	reconnects int
}

// send submits the in-flight op, or resends it exactly as first sent.
func (c *simClient) send(resend bool) {
	if !resend {
		c.sent = Submission{Rev: c.inRev, Op: c.inflight, ClientID: c.id, Seq: c.inSeq}
	}
	sub, seq := c.sent, c.seq
	go func() {
		// The answer is not needed: the op comes back in the stream. A
		// lost answer is simulated by sending again (below).
		_, err := seq.Submit(context.Background(), c.post, sub)
		assert.NoError(c.t, err, "client %s seq %d", c.id, sub.Seq)
	}()
}

func (c *simClient) edit() {
	op := randomEdit(c.r, utf8.RuneCountInString(c.doc))
	doc, err := ot.Apply(c.doc, op)
	require.NoError(c.t, err)
	c.doc = doc
	switch {
	case c.inflight == nil:
		c.nextSeq++
		c.inflight, c.inSeq, c.inRev = op, c.nextSeq, c.rev
		c.send(false)
	case c.buffer == nil:
		c.buffer = op
	default:
		c.buffer, err = ot.Compose(c.buffer, op)
		require.NoError(c.t, err)
	}
}

func (c *simClient) receive(e Entry) {
	require.Equal(c.t, c.rev+1, e.Rev, "client %s: entries in order without gaps", c.id)
	c.rev = e.Rev
	if e.ClientID == c.id {
		require.Equal(c.t, c.inSeq, e.Seq, "client %s acknowledged", c.id)
		c.inflight = nil
		if c.buffer != nil {
			c.nextSeq++
			c.inflight, c.inSeq, c.inRev, c.buffer = c.buffer, c.nextSeq, c.rev, nil
			c.send(false)
		}
		return
	}
	remote := e.Op
	var err error
	if c.inflight != nil {
		// The server transforms the in-flight op past this one as Left.
		inflight := c.inflight
		c.inflight, err = ot.Transform(inflight, remote, ot.Left)
		require.NoError(c.t, err)
		remote, err = ot.Transform(remote, inflight, ot.Right)
		require.NoError(c.t, err)
	}
	if c.buffer != nil {
		buffer := c.buffer
		c.buffer, err = ot.Transform(buffer, remote, ot.Left)
		require.NoError(c.t, err)
		remote, err = ot.Transform(remote, buffer, ot.Right)
		require.NoError(c.t, err)
	}
	c.doc, err = ot.Apply(c.doc, remote)
	require.NoError(c.t, err, "client %s: apply %s", c.id, remote)
}

var editPieces = []string{"a", "b", " ", "\n", "e\u0301", "😅", "👩‍👩‍👧", "🇫🇷", "語"}

// randomEdit is a small edit as typing makes them: an insert, a delete or
// a replacement somewhere in the document.
func randomEdit(r *rand.Rand, docLen int) ot.Op {
	pos := r.IntN(docLen + 1)
	var op ot.Op
	op = append(op, ot.Retain(pos))
	if del := r.IntN(min(docLen-pos, 3) + 1); del > 0 && r.IntN(3) == 0 {
		op = append(op, ot.Delete(del))
	}
	if r.IntN(4) != 0 || len(op) == 1 {
		var b strings.Builder
		for n := 1 + r.IntN(3); n > 0; n-- {
			b.WriteString(editPieces[r.IntN(len(editPieces))])
		}
		op = append(op, ot.Insert(b.String()))
	}
	return ot.Normalize(op)
}

// TestConvergence_ClientsOnTwoReplicas runs editors split between two
// sequencers, typing at random with random pauses and resending their
// in-flight op at random (a lost answer, a reconnect): afterwards every
// editor's text is the server's, and the saver holds it too. Connections
// drop at random: the editor moves to the other replica, listens again
// from its revision and resends.
func TestConvergence_ClientsOnTwoReplicas(t *testing.T) {
	const clients, opsEach = 6, 60
	posts := newSavedPosts()
	posts.text[10], posts.rev[10] = "Start 😅 e\u0301", 3
	eachBackend(t, posts, func(t *testing.T, r replicas) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		post := int64(10)
		// Each replica saves what it sequenced (the idle delay is long so
		// that saves come from the every-25-ops rule and Flush).
		persisters := []*Persister{NewPersister(r.a, posts, time.Hour, 25, nil), NewPersister(r.b, posts, time.Hour, 25, nil)}
		start, err := r.a.State(ctx, post)
		require.NoError(t, err)

		finalHead := make(chan int64, clients)
		var generated, finished sync.WaitGroup
		texts := make([]string, clients)
		sent := make([]int64, clients)
		for i := 0; i < clients; i++ {
			seq := r.a
			if i%2 == 1 {
				seq = r.b
			}
			c := &simClient{t: t, id: fmt.Sprintf("client-%d", i), seq: seq, post: post,
				r: rand.New(rand.NewPCG(uint64(i), 99)), rev: start.Rev, doc: start.Text}
			fctx, fcancel := context.WithCancel(ctx)
			f, err := seq.Follow(fctx, post, start.Rev)
			require.NoError(t, err)
			generated.Add(1)
			finished.Add(1)
			go func(i int) {
				defer finished.Done()
				defer fcancel()
				made, reported := 0, false
				defer func() {
					if !reported { // stuck: let the test end and report it
						generated.Done()
					}
				}()
				head := int64(-1)
				var heads <-chan int64
				for {
					if !reported && made == opsEach && c.inflight == nil && c.buffer == nil {
						reported = true
						heads = finalHead
						generated.Done()
					}
					if head >= 0 && c.rev == head {
						texts[i], sent[i] = c.doc, c.nextSeq
						return
					}
					var tick <-chan time.Time
					if made < opsEach {
						tick = time.After(time.Duration(c.r.IntN(2000)) * time.Microsecond)
					}
					select {
					case e, ok := <-f.C:
						if !ok {
							t.Errorf("client %d: stream closed: %v", i, f.Err())
							return
						}
						c.receive(e)
					case <-tick:
						c.edit()
						made++
						if c.inflight != nil && c.r.IntN(8) == 0 {
							c.resends++
							c.send(true)
						}
						if c.r.IntN(20) == 0 {
							// The connection drops and the editor lands on the
							// other replica (as after a replica's death): it
							// listens from its last revision and resends
							// what is in flight.
							fcancel()
							if c.seq == r.a {
								c.seq = r.b
							} else {
								c.seq = r.a
							}
							seq = c.seq
							fctx, fcancel = context.WithCancel(ctx)
							f, err = seq.Follow(fctx, post, c.rev)
							require.NoError(t, err)
							c.reconnects++
							if c.inflight != nil {
								c.send(true)
							}
						}
					case head = <-heads:
						heads = nil
					case <-time.After(failAfter): // a hang guard, not a timing assertion
						t.Errorf("client %d stuck at revision %d (made %d edits, in flight %v)", i, c.rev, made, c.inflight)
						return
					}
				}
			}(i)
		}
		generated.Wait()
		st, err := r.b.State(ctx, post)
		require.NoError(t, err)
		for i := 0; i < clients; i++ {
			finalHead <- st.Rev
		}
		finished.Wait()
		require.False(t, t.Failed())
		// Each client's ops are in the log once each, in order: none lost,
		// none doubled by the resends.
		_, entries, err := r.a.Since(ctx, post, start.Rev)
		require.NoError(t, err)
		seqs := map[string][]int64{}
		for _, e := range entries {
			seqs[e.ClientID] = append(seqs[e.ClientID], e.Seq)
		}
		for i := 0; i < clients; i++ {
			want := make([]int64, sent[i])
			for j := range want {
				want[j] = int64(j + 1)
			}
			assert.Equal(t, want, seqs[fmt.Sprintf("client-%d", i)], "client %d", i)
		}
		for i, text := range texts {
			assert.Equal(t, st.Text, text, "client %d", i)
		}
		for _, p := range persisters {
			require.NoError(t, p.Flush(ctx))
		}
		saved, rev := posts.get(post)
		assert.Equal(t, st.Text, saved)
		assert.Equal(t, st.Rev, rev)
		t.Logf("%s: %d clients × %d edits → head %d, %d retries on a, %d on b", r.name, clients, opsEach, st.Rev, r.a.Retries(), r.b.Retries())
	})
}
