package live

import (
	"context"
	"sync"
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

func (m *Memory) init(_ context.Context, postID int64, st State) (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.doc(postID)
	if d.state.Rev < 0 {
		d.state, d.base = st, st.Rev
	}
	return d.state, nil
}

func (m *Memory) read(_ context.Context, postID, since int64, clientID string, text bool) (readResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.doc(postID)
	if d.state.Rev < 0 {
		return readResult{}, errMissing
	}
	r := readResult{State: State{Rev: d.state.Rev}, Base: d.base}
	if text {
		r.State.Text = d.state.Text
	}
	if last, ok := d.clients[clientID]; ok && clientID != "" {
		r.ClientSeq, r.ClientLast = last.Seq, &last
	}
	switch {
	case since < 0:
	case since < d.base:
		return r, errTooOld
	case since < d.state.Rev:
		r.Entries = append([]Entry(nil), d.log[since-d.base:]...)
	}
	return r, nil
}

func (m *Memory) commit(_ context.Context, postID, base int64, e Entry, text string) (commitResult, error) {
	m.mu.Lock()
	d := m.doc(postID)
	if d.state.Rev < 0 {
		m.mu.Unlock()
		return commitResult{}, errMissing
	}
	if last, ok := d.clients[e.ClientID]; ok && e.Seq <= last.Seq {
		m.mu.Unlock()
		return commitResult{Duplicate: true, Last: &last}, nil
	}
	if d.state.Rev != base {
		m.mu.Unlock()
		return commitResult{}, errConflict
	}
	d.log = append(d.log, e)
	if over := len(d.log) - MaxLog; over > 0 {
		d.log = append([]Entry(nil), d.log[over:]...)
		d.base += int64(over)
	}
	d.state = State{Rev: e.Rev, Text: text}
	d.clients[e.ClientID] = e
	subs := make([]func(Entry), 0, len(d.subs))
	for _, f := range d.subs {
		subs = append(subs, f)
	}
	// Delivering under the lock keeps every listener's entries in revision
	// order; deliver functions do not block (Subscribe's contract).
	for _, f := range subs {
		f(e)
	}
	m.mu.Unlock()
	return commitResult{}, nil
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
