package live

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/coder/websocket"

	"inkwell/apperror"
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
func (s *Service) Submit(ctx context.Context, postID, caller int64, sub Submission) (Applied, error) {
	if err := CheckEditor(ctx, s.DB, postID, caller); err != nil {
		return Applied{}, err
	}
	return s.Seq.Submit(ctx, postID, sub)
}

// Since answers the ops after since, for an editor of the post.
func (s *Service) Since(ctx context.Context, postID, caller, since int64) (int64, []Entry, error) {
	if err := CheckEditor(ctx, s.DB, postID, caller); err != nil {
		return 0, nil, err
	}
	return s.Seq.Since(ctx, postID, since)
}

// EditorState is the head and who the author invited (an extension of the
// contract's {rev, text}: the editor goes live when the list is not empty).
type EditorState struct {
	State
	Collaborators []int64 `json:"collaborators"`
}

// State answers the head, for an editor of the post.
func (s *Service) State(ctx context.Context, postID, caller int64) (EditorState, error) {
	ids, err := Collaborators(ctx, s.DB, postID, caller)
	if err != nil {
		return EditorState{}, err
	}
	st, err := s.Seq.State(ctx, postID)
	if ids == nil {
		ids = []int64{}
	}
	return EditorState{State: st, Collaborators: ids}, err
}

// IssueTicket gives an editor of the post a ticket for one WebSocket.
func (s *Service) IssueTicket(ctx context.Context, postID, caller int64) (Ticket, error) {
	if err := CheckEditor(ctx, s.DB, postID, caller); err != nil {
		return Ticket{}, err
	}
	return s.Tickets.Issue(ctx, caller, postID)
}

// RedeemTicket uses ticket for post postID and returns its user, who must
// still be allowed to edit (the author may have removed them since).
func (s *Service) RedeemTicket(ctx context.Context, postID int64, ticket string) (int64, error) {
	user, err := s.Tickets.Redeem(ctx, ticket, postID)
	if err != nil {
		return 0, err
	}
	if err := CheckEditor(ctx, s.DB, postID, user); err != nil {
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
func (s *Service) ReplaceLiveText(ctx context.Context, postID int64, body string) error {
	exists, err := s.Seq.backend.exists(ctx, postID)
	if err != nil {
		return apperror.Unavailable("the live session cannot be reached", err)
	}
	if !exists {
		return nil
	}
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
	if s.Persister == nil {
		return nil
	}
	return s.Persister.save(ctx, postID)
}
