package live

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/coder/websocket"

	"inkwell/apperror"
	"inkwell/models"
)

// Limiter bounds how many live ops a user may send over sockets (API.md:
// live-editing ops are limited separately and more loosely than other
// writes). routers.New sets controllers.LiveOpLimiter, which spends from
// the same per-user budget as POST …/edits (RATE_LIMIT_LIVE_EDITS; that
// route is limited by the HTTP filter); nil means no limit.
type Limiter interface {
	// AllowOp answers nil, or the 429 rate_limited error (with its
	// RetryAfter) to send.
	AllowOp(ctx context.Context, userID int64) error
}

// Service is live co-editing as the HTTP layer sees it: every entry point
// checks who may edit, then reaches the sequencer, the tickets, the saver
// and the open sockets.
type Service struct {
	DB        orm.QueryExecutor
	Seq       *Sequencer
	Persister *Persister
	Tickets   *Tickets
	// Limiter bounds socket ops per user (nil: none).
	Limiter Limiter
	Log     *slog.Logger

	// PresenceHeartbeat and PresenceTTL: how often this replica repeats
	// its editors to the others, and how long it keeps theirs without a
	// repeat (zero: DefaultPresenceHeartbeat, DefaultPresenceTTL).
	PresenceHeartbeat, PresenceTTL time.Duration
	// bus shares presence between replicas (nil without Redis).
	bus       presenceBus
	replicaID string

	socketsMu sync.Mutex
	sockets   map[*socket]struct{}
	rooms     map[int64]*room
	roomsWG   sync.WaitGroup // shareRoom goroutines (their goodbyes)
	closing   bool
	serving   sync.WaitGroup // ServeSocket calls still running
}

// Submit applies caller's op to post postID (the HTTP door, whose rate
// limit the HTTP filter applies).
// Only a draft is co-edited live: another post answers 409 NotDraft.
func (s *Service) Submit(ctx context.Context, postID, caller int64, sub Submission) (Applied, error) {
	if err := CheckDraftEditor(ctx, s.DB, postID, caller); err != nil {
		return Applied{}, err
	}
	a, err := s.Seq.Submit(ctx, postID, sub)
	if errors.Is(err, errEnded) {
		// The session ended with a publication, and the post is a draft
		// again: a new session starts from the saved post.
		if err := s.reopen(ctx, postID); err != nil {
			return Applied{}, err
		}
		a, err = s.Seq.Submit(ctx, postID, sub)
	}
	return a, err
}

// Since answers the ops after since, for an editor of the post (a draft).
func (s *Service) Since(ctx context.Context, postID, caller, since int64) (int64, []Entry, error) {
	if err := CheckDraftEditor(ctx, s.DB, postID, caller); err != nil {
		return 0, nil, err
	}
	return s.Seq.Since(ctx, postID, since)
}

// reopen drops post postID's session if a publication ended it; the post
// is a draft again (the caller checked), so the next read or op starts a
// new session from the saved post. That one starts after the ended
// session's head (the saved revision is raised past it), so a client
// still holding the old session's revision reloads instead of applying
// its op to a text that may have changed while the post was published.
func (s *Service) reopen(ctx context.Context, postID int64) error {
	info, err := s.Seq.backend.info(ctx, postID)
	if err != nil {
		return apperror.Unavailable("the live session cannot be reached", err)
	}
	if !info.Ended {
		return nil
	}
	if _, err := models.RaiseLiveRevision(ctx, s.DB, postID, info.Head+1, time.Now()); err != nil {
		return err
	}
	if err := s.Seq.backend.drop(ctx, postID); err != nil {
		return apperror.Unavailable("the live session cannot be reached", err)
	}
	return nil
}

// EditorState is the head and who the author invited (extensions of the
// contract's {rev, text}: the editor goes live when the list is not empty
// and the status is draft).
type EditorState struct {
	State
	Collaborators []int64 `json:"collaborators"`
	// Status is the post's: live co-editing is for drafts.
	Status string `json:"status"`
}

// State answers the head, for an editor of the post. For a post that is
// not a draft it answers the saved body and revision and starts no
// session (live co-editing is for drafts).
func (s *Service) State(ctx context.Context, postID, caller int64) (EditorState, error) {
	a, err := editorAccess(ctx, s.DB, postID, caller)
	if err != nil {
		return EditorState{}, err
	}
	ids, err := models.PostCollaboratorIDs(ctx, s.DB, postID)
	if err != nil {
		return EditorState{}, err
	}
	if ids == nil {
		ids = []int64{}
	}
	out := EditorState{Collaborators: ids, Status: a.Status}
	if a.Status != models.PostDraft {
		text, rev, _, err := models.LiveText(ctx, s.DB, postID)
		if errors.Is(err, models.ErrNotFound) {
			return EditorState{}, apperror.NotFound("no such post")
		}
		out.State = State{Rev: rev, Text: text}
		return out, err
	}
	if err := s.reopen(ctx, postID); err != nil {
		return EditorState{}, err
	}
	out.State, err = s.Seq.State(ctx, postID)
	return out, err
}

// IssueTicket gives an editor of the post, a draft, a ticket for one
// WebSocket.
func (s *Service) IssueTicket(ctx context.Context, postID, caller int64) (Ticket, error) {
	if err := CheckDraftEditor(ctx, s.DB, postID, caller); err != nil {
		return Ticket{}, err
	}
	if err := s.reopen(ctx, postID); err != nil {
		return Ticket{}, err
	}
	return s.Tickets.Issue(ctx, caller, postID)
}

// RedeemTicket uses ticket for post postID and returns its user, who must
// still be allowed to edit (the author may have removed them since) a
// post still a draft.
func (s *Service) RedeemTicket(ctx context.Context, postID int64, ticket string) (int64, error) {
	user, err := s.Tickets.Redeem(ctx, ticket, postID)
	if err != nil {
		return 0, err
	}
	if err := CheckDraftEditor(ctx, s.DB, postID, user); err != nil {
		return 0, err
	}
	return user, nil
}

// AddCollaborator and RemoveCollaborator: see the functions of these names.
func (s *Service) AddCollaborator(ctx context.Context, postID, caller, userID int64) error {
	return AddCollaborator(ctx, s.DB, postID, caller, userID)
}

// RemoveCollaborator takes userID off the post.
func (s *Service) RemoveCollaborator(ctx context.Context, postID, caller, userID int64) error {
	return RemoveCollaborator(ctx, s.DB, postID, caller, userID)
}

// Shutdown closes every open socket with 1001 (going away), so clients
// reconnect to another replica at once; http.Server.Shutdown does not
// wait for or close hijacked connections. Sockets opened after it are
// refused. It waits for their handlers to end and for this replica's
// presence goodbyes to be published, then saves what this replica has not
// saved yet.
func (s *Service) Shutdown(ctx context.Context) error {
	s.socketsMu.Lock()
	s.closing = true
	open := make([]*socket, 0, len(s.sockets))
	for so := range s.sockets {
		open = append(open, so)
	}
	s.socketsMu.Unlock()
	var wg sync.WaitGroup
	for _, so := range open {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = so.conn.Close(websocket.StatusGoingAway, "server restarting; reconnect")
		}()
	}
	wg.Wait()
	served := make(chan struct{})
	go func() { s.serving.Wait(); s.roomsWG.Wait(); close(served) }()
	select {
	case <-served:
	case <-ctx.Done():
		return ctx.Err()
	}
	if s.Persister != nil {
		return s.Persister.Flush(ctx)
	}
	return nil
}

// ReplaceLiveText implements posts.LiveText: while post postID has a live
// session, a body written outside it (PATCH …/posts/{id}) becomes one op
// from the session's head text to body, sequenced like an editor's (ops
// made meanwhile are transformed and kept, and every editor sees the change
// in place), and the session's text is saved into the post at once, so the
// next live save cannot undo the edit. Without a session it does nothing.
//
// An ended session (the post was published) is left alone: it takes no
// ops, and a new one starts from the saved post when it is a draft again.
func (s *Service) ReplaceLiveText(ctx context.Context, postID int64, body string) error {
	info, err := s.Seq.backend.info(ctx, postID)
	if err != nil {
		return apperror.Unavailable("the live session cannot be reached", err)
	}
	if !info.Exists || info.Ended {
		return nil
	}
	if err := s.submitBody(ctx, postID, body); err != nil {
		if errors.Is(err, errEnded) { // a publication ended it meanwhile
			return nil
		}
		return err
	}
	if s.Persister == nil {
		return nil
	}
	return s.Persister.save(ctx, postID)
}

// submitBody makes the session's head text body by one op.
func (s *Service) submitBody(ctx context.Context, postID int64, body string) error {
	st, err := s.Seq.State(ctx, postID)
	if err != nil {
		return err
	}
	if op := DiffOp(st.Text, body); len(op) > 0 {
		sub := Submission{Rev: st.Rev, Op: op, ClientID: "body-" + newReplicaID(), Seq: 1}
		if _, err := s.Seq.Submit(ctx, postID, sub); err != nil {
			return err
		}
	}
	return nil
}

// EndLiveSession implements posts.LiveText for a publication: live
// co-editing is for drafts. With an open session, body (when not nil)
// first reaches it as an op, like ReplaceLiveText; then the session is
// marked ended in one backend step, after which every replica refuses its
// ops (409 NotDraft) and every socket gets the Ended entry, a last error
// message and a close; its text at that point is returned, for the
// publication to write. No op can land after that text. Without an open
// session ended is false.
func (s *Service) EndLiveSession(ctx context.Context, postID int64, body *string) (string, int64, bool, error) {
	info, err := s.Seq.backend.info(ctx, postID)
	if err != nil {
		return "", 0, false, apperror.Unavailable("the live session cannot be reached", err)
	}
	if !info.Exists || info.Ended {
		return "", 0, false, nil
	}
	if body != nil {
		if err := s.submitBody(ctx, postID, *body); err != nil && !errors.Is(err, errEnded) {
			return "", 0, false, err
		}
	}
	if _, existed, err := s.Seq.backend.end(ctx, postID); err != nil {
		return "", 0, false, apperror.Unavailable("the live session cannot be reached", err)
	} else if !existed { // expired meanwhile: the post holds the last save
		return "", 0, false, nil
	}
	st, _, err := s.Seq.backend.state(ctx, postID)
	if err != nil {
		_ = s.Seq.backend.resume(context.WithoutCancel(ctx), postID)
		return "", 0, false, apperror.Unavailable("the live session cannot be reached", err)
	}
	return st.Text, st.Rev, true, nil
}

// ResumeLiveSession implements posts.LiveText: the publication that ended
// the session failed, so it takes ops again.
func (s *Service) ResumeLiveSession(ctx context.Context, postID int64) error {
	if err := s.Seq.backend.resume(ctx, postID); err != nil {
		return apperror.Unavailable("the live session cannot be reached", err)
	}
	return nil
}
