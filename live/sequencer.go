package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

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
	// retries counts submissions sent again because their session had
	// vanished (expired) after it was started: the backend's step is
	// atomic, so nothing else is ever retried.
	retries atomic.Int64

	snapMu   sync.Mutex
	snapping map[int64]bool // posts whose text is being stored
}

// NewSequencer runs on backend and starts sessions from loader.
func NewSequencer(backend Backend, loader Loader) *Sequencer {
	return &Sequencer{backend: backend, loader: loader, snapping: map[int64]bool{}}
}

// Retries is how many submissions were sent again (see the field).
func (s *Sequencer) Retries() int64 { return s.retries.Load() }

// Submit transforms sub.Op past every op sequenced after sub.Rev, appends it
// as the next revision and publishes it, in one step of the backend (one
// Redis round trip carrying the op). A resend of an already applied
// (ClientID, Seq) changes nothing and answers what the first one did.
func (s *Sequencer) Submit(ctx context.Context, postID int64, sub Submission) (Applied, error) {
	if err := validateSubmission(sub); err != nil {
		return Applied{}, err
	}
	for attempt := 1; attempt <= maxSubmitAttempts; attempt++ {
		res, err := s.backend.submit(ctx, postID, sub)
		switch {
		case errors.Is(err, errMissing):
			if attempt > 1 {
				s.retries.Add(1)
			}
			if err := s.start(ctx, postID); err != nil {
				return Applied{}, err
			}
			continue
		case errors.Is(err, errEnded):
			return Applied{}, sessionEnded()
		case errors.Is(err, errTooOld):
			return Applied{}, tooFarBehind(sub.Rev, res.Head)
		case errors.Is(err, errAhead):
			return Applied{}, aheadOfHead(sub.Rev, res.Head)
		case errors.Is(err, errNoFit):
			return Applied{}, apperror.Validation(map[string]string{
				"op": fmt.Sprintf("does not fit the text at revision %d: %v", sub.Rev, ot.ErrTooLong)})
		case errors.Is(err, errTooLongText):
			return Applied{}, apperror.Validation(map[string]string{
				"op": fmt.Sprintf("the text would be longer than %d characters", MaxTextChars)})
		case err != nil:
			return Applied{}, apperror.Unavailable("the live session cannot be reached", err)
		case res.Duplicate:
			return s.duplicate(ctx, postID, sub, res.Last)
		}
		if res.Unsnapshotted >= SnapshotEvery {
			s.storeTextSoon(postID)
		}
		if s.onApplied != nil {
			s.onApplied(postID, res.Entry.Rev)
		}
		return Applied{Rev: res.Entry.Rev, Op: res.Entry.Op}, nil
	}
	return Applied{}, &apperror.Error{Code: apperror.CodeUnavailable,
		Message: "the live session keeps expiring; send the op again"}
}

// storeTextSoon stores the post's head text in the backend in the
// background (one at a time per post), so state reads apply few ops and the
// log can be trimmed.
func (s *Sequencer) storeTextSoon(postID int64) {
	s.snapMu.Lock()
	if s.snapping[postID] {
		s.snapMu.Unlock()
		return
	}
	s.snapping[postID] = true
	s.snapMu.Unlock()
	go func() {
		defer func() {
			s.snapMu.Lock()
			delete(s.snapping, postID)
			s.snapMu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), saveTimeout)
		defer cancel()
		// A session that vanished meanwhile has nothing to store (and is
		// not started again from here).
		st, _, err := s.backend.state(ctx, postID)
		if err == nil {
			err = s.backend.snapshot(ctx, postID, st)
		}
		if err != nil && !errors.Is(err, errMissing) {
			slog.Default().Warn("live: storing the text failed", "post", postID, "err", err)
		}
	}()
}

// duplicate answers a resend: the entry the first submission made, found
// as the client's last one or further back in the op log.
func (s *Sequencer) duplicate(ctx context.Context, postID int64, sub Submission, last *Entry) (Applied, error) {
	if last != nil && last.Seq == sub.Seq {
		return Applied{Rev: last.Rev, Op: last.Op}, nil
	}
	head, err := s.read(ctx, postID, -1)
	if err != nil {
		return Applied{}, err
	}
	r, err := s.read(ctx, postID, head.Base)
	if err != nil && !errors.Is(err, errTooOld) { // trimmed again meanwhile: not found
		return Applied{}, err
	}
	for _, e := range r.Entries {
		if e.ClientID == sub.ClientID && e.Seq == sub.Seq {
			return Applied{Rev: e.Rev, Op: e.Op}, nil
		}
	}
	// fields.seq tells the client the op was applied (collab.js resync).
	return Applied{}, &apperror.Error{Code: apperror.CodeConflict, Fields: map[string]string{"seq": "applied long ago"},
		Message: "op " + strconv.FormatInt(sub.Seq, 10) + " of this client was applied long ago; reload the live state"}
}

// Since returns the ops after revision since (exclusive) and the head.
func (s *Sequencer) Since(ctx context.Context, postID, since int64) (int64, []Entry, error) {
	if since < 0 {
		return 0, nil, apperror.Validation(map[string]string{"since": "must be a revision (>= 0)"})
	}
	r, err := s.read(ctx, postID, since)
	if errors.Is(err, errTooOld) {
		return 0, nil, tooFarBehind(since, r.Head)
	}
	if err != nil {
		return 0, nil, err
	}
	if since > r.Head {
		return 0, nil, aheadOfHead(since, r.Head)
	}
	return r.Head, r.Entries, nil
}

// State returns the head revision and text. When the backend had to apply
// SnapshotEvery ops or more to its stored text, the result is stored.
func (s *Sequencer) State(ctx context.Context, postID int64) (State, error) {
	st, behind, err := s.backend.state(ctx, postID)
	if errors.Is(err, errMissing) {
		if err := s.start(ctx, postID); err != nil {
			return State{}, err
		}
		st, behind, err = s.backend.state(ctx, postID)
	}
	if err != nil {
		return State{}, apperror.Unavailable("the live session cannot be reached", err)
	}
	if behind >= SnapshotEvery {
		if err := s.backend.snapshot(ctx, postID, st); err != nil {
			return State{}, apperror.Unavailable("the live session cannot be reached", err)
		}
	}
	return st, nil
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
func (s *Sequencer) read(ctx context.Context, postID, since int64) (readResult, error) {
	r, err := s.backend.read(ctx, postID, since)
	if errors.Is(err, errMissing) {
		if err := s.start(ctx, postID); err != nil {
			return readResult{}, err
		}
		r, err = s.backend.read(ctx, postID, since)
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
	if err := s.backend.init(ctx, postID, State{Rev: rev, Text: text}); err != nil {
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

// NotDraftMessage is the answer to a live edit of a post that is not a
// draft: live co-editing is for drafts (docs/live.md, "Drafts only").
const NotDraftMessage = "live co-editing is for drafts: switch the post back to draft to co-edit, or edit it alone"

// NotDraft is the 409 for a post that is not a draft; fields.status tells
// the client why (the editor switches to editing alone).
func NotDraft() *apperror.Error {
	return &apperror.Error{Code: apperror.CodeConflict, Message: NotDraftMessage,
		Fields: map[string]string{"status": "not a draft"}}
}

// sessionEnded is NotDraft for an op refused by an ended session; it
// wraps errEnded, so Service can tell it from other conflicts.
func sessionEnded() error {
	e := NotDraft()
	e.Err = errEnded
	return e
}

func tooFarBehind(rev, head int64) error {
	return apperror.New(apperror.CodeConflict, fmt.Sprintf(
		"revision %d is too far behind the head %d; reload the live state", rev, head))
}

func aheadOfHead(rev, head int64) error {
	return apperror.New(apperror.CodeConflict, fmt.Sprintf(
		"revision %d is ahead of the head %d (the session restarted from the saved text); reload the live state", rev, head))
}
