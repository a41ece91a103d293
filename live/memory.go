package live

import (
	"context"
	"errors"
	"sync"
	"unicode/utf8"

	"inkwell/ot"
)

// Memory is the in-process backend: one replica only (a second process
// would sequence the same post separately), like the in-process cache.
// Posts stay in memory until Close; the saver persists their text.
type Memory struct {
	mu    sync.Mutex
	docs  map[int64]*memoryDoc
	subID int
}

type memoryDoc struct {
	state   State
	ended   bool
	base    int64
	log     []Entry
	clients map[string]Entry // each client's last entry
	subs    map[int]func(Entry)
}

// NewMemory returns an empty in-process backend.
func NewMemory() *Memory { return &Memory{docs: map[int64]*memoryDoc{}} }

func (m *Memory) doc(postID int64) *memoryDoc {
	d := m.docs[postID]
	if d == nil {
		d = &memoryDoc{state: State{Rev: -1}, clients: map[string]Entry{}, subs: map[int]func(Entry){}}
		m.docs[postID] = d
	}
	return d
}

func (m *Memory) init(_ context.Context, postID int64, st State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.doc(postID)
	if d.state.Rev < 0 {
		d.state, d.base = st, st.Rev
	}
	return nil
}

func (m *Memory) info(_ context.Context, postID int64) (sessionInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.docs[postID]
	if d == nil || d.state.Rev < 0 {
		return sessionInfo{}, nil
	}
	return sessionInfo{Exists: true, Ended: d.ended, Head: d.state.Rev}, nil
}

func (m *Memory) end(_ context.Context, postID int64) (int64, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.docs[postID]
	if d == nil || d.state.Rev < 0 {
		return 0, false, nil
	}
	d.ended = true
	for _, f := range d.subs {
		f(Entry{Rev: d.state.Rev, Ended: true})
	}
	return d.state.Rev, true, nil
}

func (m *Memory) resume(_ context.Context, postID int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := m.docs[postID]; d != nil {
		d.ended = false
	}
	return nil
}

func (m *Memory) drop(_ context.Context, postID int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := m.docs[postID]; d != nil && d.ended {
		// Listeners stay subscribed to the post (a new session's ops
		// reach them); the text, log and clients go.
		d.state, d.ended, d.base, d.log, d.clients = State{Rev: -1}, false, 0, nil, map[string]Entry{}
	}
	return nil
}

func (m *Memory) read(_ context.Context, postID, since int64) (readResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.doc(postID)
	if d.state.Rev < 0 {
		return readResult{}, errMissing
	}
	r := readResult{Head: d.state.Rev, Base: d.base}
	switch {
	case since < 0:
	case since < d.base:
		return r, errTooOld
	case since < d.state.Rev:
		r.Entries = append([]Entry(nil), d.log[since-d.base:]...)
	}
	return r, nil
}

func (m *Memory) state(_ context.Context, postID int64) (State, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.doc(postID)
	if d.state.Rev < 0 {
		return State{}, 0, errMissing
	}
	return d.state, 0, nil
}

// snapshot is a no-op: the in-process text is always the head's.
func (m *Memory) snapshot(context.Context, int64, State) error { return nil }

// submit is the Redis script's steps under the mutex.
func (m *Memory) submit(_ context.Context, postID int64, sub Submission) (submitResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.doc(postID)
	if d.state.Rev < 0 {
		return submitResult{}, errMissing
	}
	if last, ok := d.clients[sub.ClientID]; ok && sub.Seq <= last.Seq {
		return submitResult{Duplicate: true, Last: &last}, nil
	}
	if d.ended {
		return submitResult{Head: d.state.Rev}, errEnded
	}
	switch {
	case sub.Rev > d.state.Rev:
		return submitResult{Head: d.state.Rev}, errAhead
	case sub.Rev < d.base:
		return submitResult{Head: d.state.Rev}, errTooOld
	}
	op := sub.Op
	for _, e := range d.log[sub.Rev-d.base:] {
		// Ops already sequenced go right: a submission's insert goes
		// before theirs at one position, as ShareDB has it.
		var err error
		if op, err = ot.Transform(op, e.Op, ot.Left); err != nil {
			return submitResult{}, err
		}
	}
	text, err := ot.Apply(d.state.Text, op)
	if errors.Is(err, ot.ErrTooLong) {
		return submitResult{}, errNoFit
	} else if err != nil {
		return submitResult{}, err
	}
	if utf8.RuneCountInString(text) > MaxTextChars {
		return submitResult{}, errTooLongText
	}
	e := Entry{Rev: d.state.Rev + 1, Op: op, ClientID: sub.ClientID, Seq: sub.Seq}
	d.log = append(d.log, e)
	if over := len(d.log) - MaxLog; over > 0 {
		d.log = append([]Entry(nil), d.log[over:]...)
		d.base += int64(over)
	}
	d.state = State{Rev: e.Rev, Text: text}
	d.clients[e.ClientID] = e
	// Delivering under the lock keeps every listener's entries in revision
	// order; deliver functions do not block (Subscribe's contract).
	for _, f := range d.subs {
		f(e)
	}
	return submitResult{Entry: e}, nil
}

func (m *Memory) subscribe(_ context.Context, postID int64, deliver func(Entry)) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subID++
	id := m.subID
	m.doc(postID).subs[id] = deliver
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.doc(postID).subs, id)
	}, nil
}

// Close implements Backend.
func (m *Memory) Close() error { return nil }
