// Package liveclient is an editor of a post's live socket, as the browser
// runs one (pwa/app/static/collab.js, the ot.js state machine): at most one
// op in flight, later edits composed into a buffer, incoming ops
// transformed past both, its own op coming back as the acknowledgement,
// and after a reconnect the op in flight sent again exactly as first sent.
// The multi-replica tests and bench/ drive it; it is not used by the app.
package liveclient

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"inkwell/ot"
)

// Dial opens a socket on the post starting after revision since (a ticket
// per call); the editor calls it again after a dropped connection.
type Dial func(ctx context.Context, since int64) (*websocket.Conn, error)

// Message is what the socket carries (docs/live.md, "The socket").
type Message struct {
	Type     string          `json:"type"`
	Rev      int64           `json:"rev"`
	Text     string          `json:"text,omitempty"`
	Op       json.RawMessage `json:"op,omitempty"`
	ClientID string          `json:"client_id,omitempty"`
	Seq      int64           `json:"seq,omitempty"`
	Code     string          `json:"code,omitempty"`
	Message  string          `json:"message,omitempty"`
	// RetryAfter comes with rate_limited, in seconds.
	RetryAfter int64 `json:"retry_after,omitempty"`
	// ReceivedAt is when the message was read off the socket (before
	// this client's own processing, which the measurements leave out).
	ReceivedAt time.Time `json:"-"`
}

// Editor is one editing session (one client_id).
type Editor struct {
	ID  string
	Rev int64
	Doc string

	nextSeq  int64
	inflight ot.Op
	inSeq    int64
	buffer   ot.Op
	sent     []byte // the in-flight op's message as first sent
	sentAt   time.Time

	conn *websocket.Conn
	// C yields the socket's messages; it is closed when the connection ends.
	C    <-chan Message
	dial Dial

	// Latencies are send → own op received back, per op (first send).
	Latencies []time.Duration
	// Reconnects, Resends count connection drops and ops sent again;
	// RateLimited the ops the server refused for the rate limit (each sent
	// again after its retry_after).
	Reconnects, Resends, RateLimited int
	// OnSend, when set, is told of each op's first send.
	OnSend func(id string, seq int64)
	// lastSeq is the last seq seen per client: each must come once, in order.
	lastSeq map[string]int64
}

// New makes an editor at rev with doc (from the live state).
func New(id string, rev int64, doc string, dial Dial) *Editor {
	return &Editor{ID: id, Rev: rev, Doc: doc, dial: dial, lastSeq: map[string]int64{}}
}

// Connect opens the socket from the editor's revision (retrying with a
// short backoff until ctx ends) and resends the op in flight.
func (e *Editor) Connect(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		conn, err := e.dial(ctx, e.Rev)
		if err == nil {
			conn.SetReadLimit(2 << 20)
			e.conn = conn
			ch := make(chan Message, 64)
			e.C = ch
			go read(ctx, conn, ch)
			if e.sent != nil {
				e.Resends++
				return e.write(ctx, e.sent)
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("liveclient %s: connect: %w", e.ID, err)
		}
		time.Sleep(time.Duration(min(attempt+1, 10)) * 20 * time.Millisecond)
	}
}

func read(ctx context.Context, conn *websocket.Conn, ch chan<- Message) {
	defer close(ch)
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		at := time.Now()
		var m Message
		if json.Unmarshal(data, &m) != nil {
			return
		}
		m.ReceivedAt = at
		ch <- m
	}
}

// Drop closes the connection abruptly, as a network failure would, and
// connects again.
func (e *Editor) Drop(ctx context.Context) error {
	_ = e.conn.CloseNow()
	for range e.C { // drain what was read before the drop
	}
	e.Reconnects++
	return e.Connect(ctx)
}

// Reconnect is Connect after C closed.
func (e *Editor) Reconnect(ctx context.Context) error {
	_ = e.conn.CloseNow()
	e.Reconnects++
	return e.Connect(ctx)
}

// Close closes the socket.
func (e *Editor) Close() {
	if e.conn != nil {
		_ = e.conn.Close(websocket.StatusNormalClosure, "")
	}
}

// Idle says whether everything typed here has been acknowledged.
func (e *Editor) Idle() bool { return e.inflight == nil && e.buffer == nil }

// Sent is how many ops this editor has sent (its last seq).
func (e *Editor) Sent() int64 { return e.nextSeq }

// Edit applies op locally and sends it, or buffers it behind the op in flight.
func (e *Editor) Edit(ctx context.Context, op ot.Op) error {
	doc, err := ot.Apply(e.Doc, op)
	if err != nil {
		return err
	}
	e.Doc = doc
	switch {
	case e.inflight == nil:
		e.inflight = op
		return e.sendInflight(ctx)
	case e.buffer == nil:
		e.buffer = op
	default:
		if e.buffer, err = ot.Compose(e.buffer, op); err != nil {
			return err
		}
	}
	return nil
}

func (e *Editor) sendInflight(ctx context.Context) error {
	e.nextSeq++
	e.inSeq = e.nextSeq
	b, err := json.Marshal(map[string]any{"type": "op", "rev": e.Rev, "op": e.inflight, "client_id": e.ID, "seq": e.inSeq})
	if err != nil {
		return err
	}
	e.sent, e.sentAt = b, time.Now()
	if e.OnSend != nil {
		e.OnSend(e.ID, e.inSeq)
	}
	return e.write(ctx, b)
}

// write sends b; a failed write is not an error: the connection's end
// shows on C, and the reconnect resends.
func (e *Editor) write(ctx context.Context, b []byte) error {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = e.conn.Write(wctx, websocket.MessageText, b)
	return nil
}

// Receive handles one message: an op is applied (or acknowledges ours),
// an error message is returned as an error.
func (e *Editor) Receive(ctx context.Context, m Message) error {
	switch m.Type {
	case "op":
	case "error":
		if m.Code == "rate_limited" && m.Seq == e.inSeq && e.sent != nil {
			// As the browser does: wait, then send the same op again.
			e.RateLimited++
			select {
			case <-time.After(time.Duration(max(m.RetryAfter, 1)) * time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
			return e.write(ctx, e.sent)
		}
		return fmt.Errorf("liveclient %s: server refused seq %d: %s: %s", e.ID, m.Seq, m.Code, m.Message)
	default:
		return nil // presence, state
	}
	if m.Rev != e.Rev+1 {
		return fmt.Errorf("liveclient %s: got rev %d after %d: not in order or a gap", e.ID, m.Rev, e.Rev)
	}
	if m.Seq != e.lastSeq[m.ClientID]+1 {
		return fmt.Errorf("liveclient %s: %s's seq %d after %d: an op lost or applied twice", e.ID, m.ClientID, m.Seq, e.lastSeq[m.ClientID])
	}
	e.lastSeq[m.ClientID] = m.Seq
	e.Rev = m.Rev
	if m.ClientID == e.ID {
		if m.Seq != e.inSeq || e.inflight == nil {
			return fmt.Errorf("liveclient %s: acknowledged seq %d, in flight %d", e.ID, m.Seq, e.inSeq)
		}
		at := m.ReceivedAt
		if at.IsZero() {
			at = time.Now()
		}
		e.Latencies = append(e.Latencies, at.Sub(e.sentAt))
		e.inflight, e.sent = nil, nil
		if e.buffer != nil {
			e.inflight, e.buffer = e.buffer, nil
			return e.sendInflight(ctx)
		}
		return nil
	}
	remote, err := ot.Parse(m.Op)
	if err != nil {
		return err
	}
	if e.inflight != nil {
		inflight := e.inflight
		if e.inflight, err = ot.Transform(inflight, remote, ot.Left); err != nil {
			return err
		}
		if remote, err = ot.Transform(remote, inflight, ot.Right); err != nil {
			return err
		}
	}
	if e.buffer != nil {
		buffer := e.buffer
		if e.buffer, err = ot.Transform(buffer, remote, ot.Left); err != nil {
			return err
		}
		if remote, err = ot.Transform(remote, buffer, ot.Right); err != nil {
			return err
		}
	}
	if e.Doc, err = ot.Apply(e.Doc, remote); err != nil {
		return fmt.Errorf("liveclient %s: apply rev %d: %w", e.ID, m.Rev, err)
	}
	return nil
}

var pieces = []string{"a", "b", " ", "\n", "e\u0301", "😅", "👩‍👩‍👧", "🇫🇷", "語"}

// RandomEdit is a small edit as typing makes them, on e's document.
func (e *Editor) RandomEdit(r *rand.Rand) ot.Op {
	n := utf8.RuneCountInString(e.Doc)
	pos := r.IntN(n + 1)
	op := ot.Op{ot.Retain(pos)}
	if del := r.IntN(min(n-pos, 3) + 1); del > 0 && r.IntN(3) == 0 {
		op = append(op, ot.Delete(del))
	}
	if r.IntN(4) != 0 || len(op) == 1 {
		var b strings.Builder
		for k := 1 + r.IntN(3); k > 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		op = append(op, ot.Insert(b.String()))
	}
	return ot.Normalize(op)
}
