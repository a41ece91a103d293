package server

import (
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Stopping without losing a request (issue 14: SIGTERM with the default
// drain delay of 0 s reset 1 of 57 in-flight connections). Two things lose
// requests when http.Server.Shutdown is called straight away:
//
//   - closing the listening socket resets every connection the kernel has
//     accepted into its queue but the server has not taken yet: clients
//     that connected a moment before SIGTERM, their requests already sent;
//   - once Shutdown has begun, net/http closes, without an answer, any
//     connection whose request it reads from then on: a connection accepted
//     a moment before whose request was not read yet is dropped.
//
// So the server stops in steps (ServeListener): keep-alives off (answers
// say Connection: close, idle connections close); the queue drained
// (drainListener keeps accepting until nothing has arrived for acceptQuiet,
// at most acceptDrainMax); every connection accepted has its request read
// (connTracker, at most newConnWait for a client that connected and sends
// nothing); only then Shutdown, which waits for the requests in progress.
const (
	acceptQuiet    = 20 * time.Millisecond
	acceptDrainMax = 500 * time.Millisecond
	newConnWait    = time.Second
)

// drainListener is a TCP listener that can empty its accept queue before
// it closes.
type drainListener struct {
	*net.TCPListener
	// accepting is closed when the server first asks for a connection.
	accepting     chan struct{}
	acceptingOnce sync.Once
	draining      atomic.Bool
	// stopBy is when draining ends however busy the queue (Unix nanoseconds).
	stopBy atomic.Int64
	// closed is closed with the socket.
	closed    chan struct{}
	closeOnce sync.Once
}

func newDrainListener(ln *net.TCPListener) *drainListener {
	return &drainListener{TCPListener: ln, accepting: make(chan struct{}), closed: make(chan struct{})}
}

// Accept returns the next connection; once draining, the next ones still
// queued, then net.ErrClosed when the queue stays empty.
func (l *drainListener) Accept() (net.Conn, error) {
	l.acceptingOnce.Do(func() { close(l.accepting) })
	c, err := l.TCPListener.Accept()
	if !l.draining.Load() {
		return c, err
	}
	if err == nil {
		_ = l.SetDeadline(l.nextDeadline())
		return c, nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		_ = l.Close()
		return nil, net.ErrClosed
	}
	return nil, err
}

func (l *drainListener) nextDeadline() time.Time {
	return time.Unix(0, min(time.Now().Add(acceptQuiet).UnixNano(), l.stopBy.Load()))
}

// drain makes Accept take what is queued and then close the socket;
// the returned channel is closed when it has.
func (l *drainListener) drain() <-chan struct{} {
	if l.draining.CompareAndSwap(false, true) {
		l.shrinkBacklog()
		l.stopBy.Store(time.Now().Add(acceptDrainMax).UnixNano())
		// Wakes an Accept blocked on an empty queue when nothing arrives.
		_ = l.SetDeadline(l.nextDeadline())
	}
	return l.closed
}

// shrinkBacklog makes the kernel queue at most one connection from now on
// (listen(2) again with a backlog of 0; Linux changes the backlog of a
// listening socket in place). Connections arriving while the queue is
// drained then mostly wait in SYN retransmission and are refused once the
// socket closes, instead of completing a handshake into a queue that the
// close will reset.
func (l *drainListener) shrinkBacklog() {
	raw, err := l.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) { _ = syscall.Listen(int(fd), 0) })
}

// Close closes the socket (once).
func (l *drainListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		err = l.TCPListener.Close()
		close(l.closed)
	})
	return err
}

// connTracker knows which connections have not had a request read yet
// (http.StateNew), through http.Server.ConnState.
type connTracker struct {
	mu    sync.Mutex
	fresh map[net.Conn]struct{}
	// changed is closed and replaced whenever a connection leaves fresh.
	changed chan struct{}
}

func newConnTracker() *connTracker {
	return &connTracker{fresh: map[net.Conn]struct{}{}, changed: make(chan struct{})}
}

func (t *connTracker) hook(c net.Conn, state http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if state == http.StateNew {
		t.fresh[c] = struct{}{}
		return
	}
	if _, ok := t.fresh[c]; ok {
		delete(t.fresh, c)
		close(t.changed)
		t.changed = make(chan struct{})
	}
}

// waitRead waits until every connection has had its first request read
// (or closed), or until timeout.
func (t *connTracker) waitRead(timeout time.Duration) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		t.mu.Lock()
		n, changed := len(t.fresh), t.changed
		t.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			return
		}
	}
}
