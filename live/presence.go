package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Presence across replicas. Each replica with editors on a post publishes
// its own list of them on the post's presence channel whenever it changes
// and every PresenceHeartbeat; every replica keeps the others' latest lists
// and forgets one that was not repeated within PresenceTTL, so the editors
// of a replica that died (kill -9: no goodbye) disappear by themselves. A
// replica that starts listening asks the others to publish at once. Without
// Redis there is one replica and nothing is published.

// Defaults of Service.PresenceHeartbeat and PresenceTTL.
const (
	DefaultPresenceHeartbeat = 5 * time.Second
	DefaultPresenceTTL       = 3 * DefaultPresenceHeartbeat
)

// presenceBus carries presence messages between replicas (Redis).
type presenceBus interface {
	publishPresence(ctx context.Context, postID int64, payload []byte) error
	subscribePresence(ctx context.Context, postID int64, deliver func([]byte)) (cancel func(), err error)
}

// presenceMessage is one replica's editors of a post.
type presenceMessage struct {
	Replica string   `json:"replica"`
	Editors []Editor `json:"editors"`
	// Ask: the sender just started listening; the others publish now.
	Ask bool `json:"ask,omitempty"`
}

// room is a post this replica has sockets on.
type room struct {
	sockets int
	remote  map[string]remoteEditors // by replica
	dirty   chan struct{}            // our list changed (size 1: changes coalesce)
	stop    chan struct{}
	done    chan struct{}
}

type remoteEditors struct {
	editors []Editor
	expires time.Time
}

func newReplicaID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// joinRoom counts a socket of postID in; the first one starts sharing the
// post's presence with the other replicas. socketsMu is held.
func (s *Service) joinRoom(postID int64) {
	if s.rooms == nil {
		s.rooms = map[int64]*room{}
	}
	rm := s.rooms[postID]
	if rm == nil {
		rm = &room{remote: map[string]remoteEditors{}, dirty: make(chan struct{}, 1),
			stop: make(chan struct{}), done: make(chan struct{})}
		s.rooms[postID] = rm
		if s.bus != nil {
			s.roomsWG.Add(1)
			go func() { defer s.roomsWG.Done(); s.shareRoom(postID, rm) }()
		} else {
			close(rm.done)
		}
	}
	rm.sockets++
}

// leaveRoom counts a socket out; after the last one the replica says
// goodbye (an empty list) and stops listening. socketsMu is held.
func (s *Service) leaveRoom(postID int64) {
	rm := s.rooms[postID]
	if rm == nil {
		return
	}
	rm.sockets--
	if rm.sockets == 0 {
		delete(s.rooms, postID)
		close(rm.stop)
	}
}

// shareRoom publishes this replica's editors of the post when they change
// and every heartbeat, and takes in the other replicas' until the room
// closes.
func (s *Service) shareRoom(postID int64, rm *room) {
	defer close(rm.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	unsubscribe, err := s.bus.subscribePresence(ctx, postID, func(payload []byte) { s.remotePresence(postID, rm, payload) })
	if err != nil {
		s.log().Warn("live: presence is per replica for now", "post", postID, "err", err)
		<-rm.stop
		return
	}
	defer unsubscribe()
	publish := func(ask bool, editors []Editor) {
		b, _ := json.Marshal(presenceMessage{Replica: s.replicaID, Editors: editors, Ask: ask})
		pctx, pcancel := context.WithTimeout(ctx, socketWriteTimeout)
		defer pcancel()
		if err := s.bus.publishPresence(pctx, postID, b); err != nil {
			s.log().Warn("live: publish presence", "post", postID, "err", err)
		}
	}
	publish(true, s.localEditors(postID))
	beat := time.NewTicker(s.presenceHeartbeat())
	defer beat.Stop()
	for {
		select {
		case <-rm.stop:
			publish(false, []Editor{}) // goodbye
			return
		case <-rm.dirty:
			publish(false, s.localEditors(postID))
		case <-beat.C:
			publish(false, s.localEditors(postID))
			s.expireRemote(postID, rm)
		}
	}
}

// remotePresence takes in another replica's list. It runs on the pub/sub
// reader: it must not block.
func (s *Service) remotePresence(postID int64, rm *room, payload []byte) {
	var m presenceMessage
	if json.Unmarshal(payload, &m) != nil || m.Replica == s.replicaID {
		return
	}
	s.socketsMu.Lock()
	if len(m.Editors) == 0 {
		delete(rm.remote, m.Replica)
	} else {
		rm.remote[m.Replica] = remoteEditors{editors: m.Editors, expires: time.Now().Add(s.presenceTTL())}
	}
	s.socketsMu.Unlock()
	if m.Ask {
		markDirty(rm)
	}
	s.notifyLocal(postID)
}

// expireRemote forgets the lists of replicas that went quiet.
func (s *Service) expireRemote(postID int64, rm *room) {
	now := time.Now()
	s.socketsMu.Lock()
	expired := false
	for id, r := range rm.remote {
		if now.After(r.expires) {
			delete(rm.remote, id)
			expired = true
		}
	}
	s.socketsMu.Unlock()
	if expired {
		s.notifyLocal(postID)
	}
}

func markDirty(rm *room) {
	select {
	case rm.dirty <- struct{}{}:
	default:
	}
}

func (s *Service) presenceHeartbeat() time.Duration {
	if s.PresenceHeartbeat > 0 {
		return s.PresenceHeartbeat
	}
	return DefaultPresenceHeartbeat
}

func (s *Service) presenceTTL() time.Duration {
	if s.PresenceTTL > 0 {
		return s.PresenceTTL
	}
	return DefaultPresenceTTL
}
