package live

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"inkwell/apperror"
	"inkwell/ot"
)

// Sequencer orders the ops of every post: the one place both doors (HTTP
// edits and the WebSocket) submit to and read from.
type Sequencer struct {
	backend Backend
	loader  Loader
	// onApplied is told of every op this replica applied (the saver's
	// debounce); nil for none.
	onApplied func(postID int64, rev int64)
	retries   atomic.Int64

	turnsMu sync.Mutex
	turns   map[int64]*postTurn
}

// postTurn lets one Submit of a post at a time run on this replica. Without
// it a replica's own concurrent submissions race each other to the
// compare-and-set, and every loser reads the text again and retries: with
// 20 editors on one post that was 4 retries per op and seconds of p99 (see
// docs/live.md, "Figures"). Waiting here is cheaper; the compare-and-set
// still decides between replicas.
type postTurn struct {
	ch      chan struct{}
	waiters int
}

// takeTurn waits for post's turn on this replica; release gives it back.
func (s *Sequencer) takeTurn(ctx context.Context, postID int64) (release func(), err error) {
	s.turnsMu.Lock()
	if s.turns == nil {
		s.turns = map[int64]*postTurn{}
	}
	t := s.turns[postID]
	if t == nil {
		t = &postTurn{ch: make(chan struct{}, 1)}
		s.turns[postID] = t
	}
	t.waiters++
	s.turnsMu.Unlock()
	done := func() {
		s.turnsMu.Lock()
		t.waiters--
		if t.waiters == 0 {
			delete(s.turns, postID)
		}
		s.turnsMu.Unlock()
	}
	select {
	case t.ch <- struct{}{}:
		return func() { <-t.ch; done() }, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
}

// NewSequencer runs on backend and starts sessions from loader.
func NewSequencer(backend Backend, loader Loader) *Sequencer {
	return &Sequencer{backend: backend, loader: loader}
}

// Retries is how many appends were tried again because another submission
// (on any replica) moved the head first.
func (s *Sequencer) Retries() int64 { return s.retries.Load() }

// Submit transforms sub.Op past every op sequenced after sub.Rev, appends it
// as the next revision and publishes it. A resend of an already applied
// (ClientID, Seq) changes nothing and answers what the first one did.
func (s *Sequencer) Submit(ctx context.Context, postID int64, sub Submission) (Applied, error) {
	if err := validateSubmission(sub); err != nil {
		return Applied{}, err
	}
	release, err := s.takeTurn(ctx, postID)
	if err != nil {
		return Applied{}, apperror.Unavailable("the request ended while waiting for its turn", err)
	}
	defer release()
	for attempt := 1; attempt <= maxCommitAttempts; attempt++ {
		r, err := s.read(ctx, postID, sub.Rev, sub.ClientID, true)
		if err != nil && !errors.Is(err, errTooOld) {
			return Applied{}, err
		}
		if sub.Seq <= r.ClientSeq {
			return s.duplicate(ctx, postID, sub, r.ClientLast)
		}
		if err != nil { // too old, and not a resend
			return Applied{}, tooFarBehind(sub.Rev, r.State.Rev)
		}
		if sub.Rev > r.State.Rev {
			return Applied{}, aheadOfHead(sub.Rev, r.State.Rev)
		}
		op := sub.Op
		for _, e := range r.Entries {
			// Ops already sequenced go right: a submission's insert goes
			// before theirs at one position, as ShareDB has it.
			if op, err = ot.Transform(op, e.Op, ot.Left); err != nil {
				return Applied{}, fmt.Errorf("live: post %d: transform past rev %d: %w", postID, e.Rev, err)
			}
		}
		text, err := ot.Apply(r.State.Text, op)
		if err != nil {
			return Applied{}, apperror.Validation(map[string]string{
				"op": fmt.Sprintf("does not fit the text at revision %d: %v", sub.Rev, err)})
		}
		if utf8.RuneCountInString(text) > MaxTextChars {
			return Applied{}, apperror.Validation(map[string]string{
				"op": fmt.Sprintf("the text would be longer than %d characters", MaxTextChars)})
		}
		e := Entry{Rev: r.State.Rev + 1, Op: op, ClientID: sub.ClientID, Seq: sub.Seq}
		res, err := s.backend.commit(ctx, postID, r.State.Rev, e, text)
		switch {
		case errors.Is(err, errConflict), errors.Is(err, errMissing):
			s.retries.Add(1)
			continue
		case err != nil:
			return Applied{}, apperror.Unavailable("the live session cannot be reached", err)
		case res.Duplicate:
			return s.duplicate(ctx, postID, sub, res.Last)
		}
		if s.onApplied != nil {
			s.onApplied(postID, e.Rev)
		}
		return Applied{Rev: e.Rev, Op: op}, nil
	}
	return Applied{}, &apperror.Error{Code: apperror.CodeUnavailable,
		Message: "the post is too busy; send the op again"}
}

// duplicate answers a resend: the entry the first submission made, found
// as the client's last one or further back in the op log.
func (s *Sequencer) duplicate(ctx context.Context, postID int64, sub Submission, last *Entry) (Applied, error) {
	if last != nil && last.Seq == sub.Seq {
		return Applied{Rev: last.Rev, Op: last.Op}, nil
	}
	head, err := s.read(ctx, postID, -1, "", false)
	if err != nil {
		return Applied{}, err
	}
	r, err := s.read(ctx, postID, head.Base, "", false)
	if err != nil && !errors.Is(err, errTooOld) { // trimmed again meanwhile: not found
		return Applied{}, err
	}
	for _, e := range r.Entries {
		if e.ClientID == sub.ClientID && e.Seq == sub.Seq {
			return Applied{Rev: e.Rev, Op: e.Op}, nil
		}
	}
	return Applied{}, apperror.New(apperror.CodeConflict,
		"op "+strconv.FormatInt(sub.Seq, 10)+" of this client was applied long ago; reload the live state")
}

// Since returns the ops after revision since (exclusive) and the head.
func (s *Sequencer) Since(ctx context.Context, postID, since int64) (int64, []Entry, error) {
	if since < 0 {
		return 0, nil, apperror.Validation(map[string]string{"since": "must be a revision (>= 0)"})
	}
	r, err := s.read(ctx, postID, since, "", false)
	if errors.Is(err, errTooOld) {
		return 0, nil, tooFarBehind(since, r.State.Rev)
	}
	if err != nil {
		return 0, nil, err
	}
	if since > r.State.Rev {
		return 0, nil, aheadOfHead(since, r.State.Rev)
	}
	return r.State.Rev, r.Entries, nil
}

// State returns the head revision and text.
func (s *Sequencer) State(ctx context.Context, postID int64) (State, error) {
	r, err := s.read(ctx, postID, -1, "", true)
	if err != nil && !errors.Is(err, errTooOld) {
		return State{}, err
	}
	return r.State, nil
}

// Subscribe delivers every op applied to the post from now on, on any
// replica, in revision order, until cancel. deliver must not block (hand
// the entry to a buffered channel). Entries may be missed if deliver is
// slow or Redis reconnects; Follow fills such gaps.
func (s *Sequencer) Subscribe(ctx context.Context, postID int64, deliver func(Entry)) (cancel func(), err error) {
	cancel, err = s.backend.subscribe(ctx, postID, deliver)
	if err != nil {
		return nil, apperror.Unavailable("the live session cannot be reached", err)
	}
	return cancel, nil
}

// read is backend.read that starts the session from the loader when the
// post has no live state yet.
func (s *Sequencer) read(ctx context.Context, postID, since int64, clientID string, text bool) (readResult, error) {
	r, err := s.backend.read(ctx, postID, since, clientID, text)
	if errors.Is(err, errMissing) {
		if err := s.start(ctx, postID); err != nil {
			return readResult{}, err
		}
		r, err = s.backend.read(ctx, postID, since, clientID, text)
	}
	if err != nil && !errors.Is(err, errTooOld) {
		return readResult{}, apperror.Unavailable("the live session cannot be reached", err)
	}
	return r, err
}

func (s *Sequencer) start(ctx context.Context, postID int64) error {
	text, rev, err := s.loader.LoadLiveText(ctx, postID)
	if err != nil {
		return fmt.Errorf("live: start post %d: %w", postID, err)
	}
	if _, err := s.backend.init(ctx, postID, State{Rev: rev, Text: text}); err != nil {
		return apperror.Unavailable("the live session cannot be reached", err)
	}
	return nil
}

func validateSubmission(sub Submission) error {
	fields := map[string]string{}
	if sub.Rev < 0 {
		fields["rev"] = "must be a revision (>= 0)"
	}
	if !clientIDPattern.MatchString(sub.ClientID) {
		fields["client_id"] = "must be 1 to 64 letters, digits, '-' or '_'"
	}
	if sub.Seq < 1 {
		fields["seq"] = "must be >= 1"
	}
	if err := ot.Check(sub.Op); err != nil {
		fields["op"] = err.Error()
	}
	if len(fields) > 0 {
		return apperror.Validation(fields)
	}
	return nil
}

func tooFarBehind(rev, head int64) error {
	return apperror.New(apperror.CodeConflict, fmt.Sprintf(
		"revision %d is too far behind the head %d; reload the live state", rev, head))
}

func aheadOfHead(rev, head int64) error {
	return apperror.New(apperror.CodeConflict, fmt.Sprintf(
		"revision %d is ahead of the head %d (the session restarted from the saved text); reload the live state", rev, head))
}
