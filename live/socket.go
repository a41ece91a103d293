package live

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"time"

	"github.com/coder/websocket"

	"inkwell/apperror"
	"inkwell/models"
	"inkwell/ot"
)

// The WebSocket carries JSON text messages (docs/live.md, "The socket").
//
// Client to server:
//   - {"type":"op","rev","op","client_id","seq"}: a submission, as POST
//     …/edits takes it ("type" may be left out). It is acknowledged by the
//     op coming back on the stream, not by a separate answer.
//   - {"type":"cursor","client_id","pos","end"}: where the editor's
//     selection is, in code points; shown to the others.
//
// Server to client:
//   - {"type":"state","rev","text"}: first, unless the socket was opened
//     with since=REV.
//   - {"type":"op","rev","op","client_id","seq"}: every op after that
//     revision, in order, each once, the client's own included.
//   - {"type":"presence","editors":[{"user_id","name","client_id","pos","end"}]}:
//     who has the post open on this replica, whenever it changes.
//   - {"type":"error","code","message","seq","retry_after"}: a submission
//     was refused (the socket stays open; retry_after, in seconds, with
//     rate_limited), or, before a close, why. A publication ends the
//     session: every socket gets {"type":"error","code":"conflict",
//     "fields":{"status":"not a draft"},"message"} and a normal close (1000).
type socketIn struct {
	Type     string          `json:"type"`
	Rev      int64           `json:"rev"`
	Op       json.RawMessage `json:"op"`
	ClientID string          `json:"client_id"`
	Seq      int64           `json:"seq"`
	Pos      int64           `json:"pos"`
	End      int64           `json:"end"`
}

type socketOp struct {
	Type string `json:"type"`
	Entry
}

type socketState struct {
	Type string `json:"type"`
	State
}

// Editor is one open socket in a presence message.
type Editor struct {
	UserID   int64  `json:"user_id"`
	Name     string `json:"name"`
	ClientID string `json:"client_id,omitempty"`
	Pos      int64  `json:"pos"`
	End      int64  `json:"end"`
}

type socketPresence struct {
	Type    string   `json:"type"`
	Editors []Editor `json:"editors"`
}

type socketError struct {
	Type    string            `json:"type"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Seq     int64             `json:"seq,omitempty"`
	// RetryAfter is, for rate_limited, the seconds to wait before sending
	// the op again (HTTP's Retry-After).
	RetryAfter int64 `json:"retry_after,omitempty"`
}

// Socket limits.
const (
	// maxSocketMessage bounds one client message: an op's 1 MiB of JSON
	// and its envelope.
	maxSocketMessage = ot.MaxOpBytes + 4096
	// socketPing keeps idle sockets alive through proxies and finds dead peers.
	socketPing = 25 * time.Second
	// socketRecheck is how often a socket's ops check again that its user
	// still edits the post: a removed collaborator's open socket is refused
	// within this long, without a database read per op.
	socketRecheck = 5 * time.Second
	// socketWriteTimeout drops a client that stops reading.
	socketWriteTimeout = 10 * time.Second
)

type socket struct {
	conn    *websocket.Conn
	postID  int64
	editor  Editor
	updated chan struct{} // presence changed (size 1: changes coalesce)
	// checkedAt is when the user was last found to be an editor (the
	// ticket's redemption, then every socketRecheck), read by the read loop only.
	checkedAt time.Time
}

// ServeSocket runs one editor's socket on post postID until either side
// closes it or ctx ends: since < 0 starts with the state, else with the
// ops after since. The caller has redeemed a ticket for user.
func (s *Service) ServeSocket(ctx context.Context, conn *websocket.Conn, postID, user, since int64) {
	conn.SetReadLimit(maxSocketMessage)
	defer func() { _ = conn.CloseNow() }() // a no-op after a close handshake
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	so := &socket{conn: conn, postID: postID, editor: Editor{UserID: user}, updated: make(chan struct{}, 1), checkedAt: time.Now()}
	if u, err := models.UserByID(ctx, s.DB, user); err == nil {
		so.editor.Name = u.Name
	}
	if !s.register(so) {
		_ = conn.Close(websocket.StatusGoingAway, "server restarting; reconnect")
		return
	}
	defer s.unregister(so)

	closeWith := func(err error) {
		e, ok := apperror.As(err)
		if !ok {
			s.log().Error("live: socket", "post", postID, "err", err)
			e = apperror.Unavailable("the live session cannot be reached", err)
		}
		writeJSON(ctx, conn, socketError{Type: "error", Code: e.Code, Message: e.Message})
		code := websocket.StatusTryAgainLater
		if e.Code == apperror.CodeConflict {
			code = websocket.StatusPolicyViolation
		}
		_ = conn.Close(code, e.Code)
	}
	if s.Persister != nil {
		if err := s.Persister.Adopt(ctx, postID); err != nil {
			closeWith(err)
			return
		}
	}
	if since < 0 {
		st, err := s.Seq.State(ctx, postID)
		if err != nil {
			closeWith(err)
			return
		}
		if !writeJSON(ctx, conn, socketState{Type: "state", State: st}) {
			return
		}
		since = st.Rev
	}
	follower, err := s.Seq.Follow(ctx, postID, since)
	if err != nil {
		closeWith(err)
		return
	}

	readDone := make(chan error, 1)
	go func() { readDone <- s.readLoop(ctx, so) }()
	ping := time.NewTicker(socketPing)
	defer ping.Stop()
	for {
		select {
		case e, ok := <-follower.C:
			if !ok {
				if err := follower.Err(); err != nil {
					closeWith(err)
				}
				return
			}
			if e.Ended {
				s.closeEnded(ctx, conn)
				return
			}
			if !writeJSON(ctx, conn, socketOp{Type: "op", Entry: e}) {
				return
			}
		case <-so.updated:
			if !writeJSON(ctx, conn, socketPresence{Type: "presence", Editors: s.presence(postID)}) {
				return
			}
		case <-ping.C:
			pctx, pcancel := context.WithTimeout(ctx, socketWriteTimeout)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil {
				return
			}
		case err := <-readDone:
			if errors.Is(err, errEnded) { // an op found the session ended
				s.closeEnded(ctx, conn)
				return
			}
			if err != nil && websocket.CloseStatus(err) == -1 && !errors.Is(err, context.Canceled) {
				_ = conn.Close(websocket.StatusInternalError, "")
			}
			return
		}
	}
}

// readLoop submits the client's ops and records its cursor until the
// socket closes. A refused op is answered with an error message; the
// socket stays open.
func (s *Service) readLoop(ctx context.Context, so *socket) error {
	for {
		typ, data, err := so.conn.Read(ctx)
		if err != nil {
			return err
		}
		var in socketIn
		if typ != websocket.MessageText || json.Unmarshal(data, &in) != nil {
			writeJSON(ctx, so.conn, socketError{Type: "error", Code: apperror.CodeBadRequest, Message: "send JSON text messages"})
			continue
		}
		switch in.Type {
		case "", "op":
			if err := s.submitFromSocket(ctx, so, in); err != nil {
				return err
			}
		case "cursor":
			s.setCursor(so, in)
		default:
			writeJSON(ctx, so.conn, socketError{Type: "error", Code: apperror.CodeBadRequest, Message: "type must be op or cursor"})
		}
	}
}

// closeEnded ends a socket whose session a publication ended: a last
// error message (409 conflict, fields.status) and a normal close. The
// client keeps its text and edits alone (live co-editing is for drafts).
func (s *Service) closeEnded(ctx context.Context, conn *websocket.Conn) {
	e := NotDraft()
	writeJSON(ctx, conn, socketError{Type: "error", Code: e.Code, Message: e.Message, Fields: e.Fields})
	_ = conn.Close(websocket.StatusNormalClosure, "not a draft")
}

// submitFromSocket submits one op; a refusal is sent to the client. It
// answers errEnded when the session was ended (a publication), which
// closes the socket.
func (s *Service) submitFromSocket(ctx context.Context, so *socket, in socketIn) error {
	refuse := func(err error) {
		e, ok := apperror.As(err)
		if !ok {
			s.log().Error("live: socket submit", "post", so.postID, "err", err)
			e = apperror.Unavailable("the live session cannot be reached", err)
		}
		writeJSON(ctx, so.conn, socketError{Type: "error", Code: e.Code, Message: e.Message, Fields: e.Fields, Seq: in.Seq,
			RetryAfter: int64((e.RetryAfter + time.Second - 1) / time.Second)})
	}
	op, err := ot.Parse(in.Op)
	if err != nil {
		refuse(apperror.Validation(map[string]string{"op": err.Error()}))
		return nil
	}
	if time.Since(so.checkedAt) > socketRecheck {
		if err := CheckEditor(ctx, s.DB, so.postID, so.editor.UserID); err != nil {
			refuse(err)
			return nil
		}
		so.checkedAt = time.Now()
	}
	if s.Limiter != nil {
		if err := s.Limiter.AllowOp(ctx, so.editor.UserID); err != nil {
			refuse(err)
			return nil
		}
	}
	_, err = s.Seq.Submit(ctx, so.postID, Submission{Rev: in.Rev, Op: op, ClientID: in.ClientID, Seq: in.Seq})
	if errors.Is(err, errEnded) {
		return errEnded
	}
	if err != nil {
		refuse(err)
	}
	return nil
}

func (s *Service) setCursor(so *socket, in socketIn) {
	if !clientIDPattern.MatchString(in.ClientID) || in.Pos < 0 || in.End < 0 || in.Pos > MaxTextChars || in.End > MaxTextChars {
		return
	}
	s.socketsMu.Lock()
	so.editor.ClientID, so.editor.Pos, so.editor.End = in.ClientID, in.Pos, in.End
	s.socketsMu.Unlock()
	s.presenceChanged(so.postID)
}

func (s *Service) register(so *socket) bool {
	s.socketsMu.Lock()
	if s.closing {
		s.socketsMu.Unlock()
		return false
	}
	if s.sockets == nil {
		s.sockets = map[*socket]struct{}{}
	}
	s.sockets[so] = struct{}{}
	s.joinRoom(so.postID)
	s.serving.Add(1)
	s.socketsMu.Unlock()
	s.presenceChanged(so.postID)
	return true
}

func (s *Service) unregister(so *socket) {
	s.socketsMu.Lock()
	delete(s.sockets, so)
	s.leaveRoom(so.postID)
	s.socketsMu.Unlock()
	s.serving.Done()
	s.presenceChanged(so.postID)
}

// presenceChanged tells every socket of the post on this replica to send
// the editors again, and the other replicas this replica's editors.
func (s *Service) presenceChanged(postID int64) {
	s.socketsMu.Lock()
	if rm := s.rooms[postID]; rm != nil {
		markDirty(rm)
	}
	s.socketsMu.Unlock()
	s.notifyLocal(postID)
}

// notifyLocal tells every socket of the post on this replica to send the
// editors again.
func (s *Service) notifyLocal(postID int64) {
	s.socketsMu.Lock()
	defer s.socketsMu.Unlock()
	for so := range s.sockets {
		if so.postID == postID {
			select {
			case so.updated <- struct{}{}:
			default:
			}
		}
	}
}

// localEditors lists the post's open sockets on this replica.
func (s *Service) localEditors(postID int64) []Editor {
	s.socketsMu.Lock()
	defer s.socketsMu.Unlock()
	out := []Editor{}
	for so := range s.sockets {
		if so.postID == postID {
			out = append(out, so.editor)
		}
	}
	return out
}

// presence lists the post's editors: this replica's sockets and the other
// replicas' (presence.go), by user.
func (s *Service) presence(postID int64) []Editor {
	out := s.localEditors(postID)
	s.socketsMu.Lock()
	if rm := s.rooms[postID]; rm != nil {
		now := time.Now()
		for _, r := range rm.remote {
			if now.Before(r.expires) {
				out = append(out, r.editors...)
			}
		}
	}
	s.socketsMu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].UserID != out[j].UserID {
			return out[i].UserID < out[j].UserID
		}
		return out[i].ClientID < out[j].ClientID
	})
	return out
}

// OpenSockets is how many sockets this replica holds.
func (s *Service) OpenSockets() int {
	s.socketsMu.Lock()
	defer s.socketsMu.Unlock()
	return len(s.sockets)
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// writeJSON sends v, reporting whether the socket is still usable.
func writeJSON(ctx context.Context, conn *websocket.Conn, v any) bool {
	b, err := json.Marshal(v)
	if err != nil {
		return false
	}
	wctx, cancel := context.WithTimeout(ctx, socketWriteTimeout)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, b) == nil
}
