package live

import (
	"context"
	"sync"
)

// Follower is a gapless, ordered stream of a post's entries after a
// revision: what a socket or a test client listens to.
type Follower struct {
	// C yields every entry after the starting revision, in revision order,
	// each once; it is closed when the context ends or on an error, or
	// after an Ended entry (the session ended: the post was published).
	C <-chan Entry

	mu  sync.Mutex
	err error
}

// Err is why C was closed: nil when the context ended, else the error (a
// conflict when the follower fell behind the op log; reload the state).
func (f *Follower) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// followBuffer is how many published entries wait for a slow follower
// before it stops taking them and catches up from the op log instead.
const followBuffer = 256

// Follow streams the post's entries after since. It subscribes first and
// then reads the log, so nothing between the two is lost; entries missed
// by pub/sub (a slow reader, a Redis reconnect) are read from the log when
// the next revision arrives out of order.
func (s *Sequencer) Follow(ctx context.Context, postID, since int64) (*Follower, error) {
	published := make(chan Entry, followBuffer)
	dropped := make(chan struct{}, 1)
	cancel, err := s.Subscribe(ctx, postID, func(e Entry) {
		select {
		case published <- e:
		default:
			select {
			case dropped <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		return nil, err
	}
	out := make(chan Entry, followBuffer)
	f := &Follower{C: out}
	last := since
	send := func(e Entry) bool {
		if e.Rev <= last && !e.Ended {
			return true
		}
		select {
		case out <- e:
			last = e.Rev
			return true
		case <-ctx.Done():
			return false
		}
	}
	catchUp := func() bool {
		_, entries, err := s.Since(ctx, postID, last)
		if err != nil {
			if ctx.Err() == nil {
				f.mu.Lock()
				f.err = err
				f.mu.Unlock()
			}
			return false
		}
		for _, e := range entries {
			if !send(e) {
				return false
			}
		}
		return true
	}
	go func() {
		defer close(out)
		defer cancel()
		if !catchUp() {
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-dropped:
				if !catchUp() {
					return
				}
			case e := <-published:
				ok := true
				switch {
				case e.Ended:
					// The session ended at e.Rev: every op up to it, then
					// the Ended entry, then nothing.
					if e.Rev > last && !catchUp() {
						return
					}
					send(e)
					return
				case e.Rev <= last:
				case e.Rev == last+1:
					ok = send(e)
				default:
					ok = catchUp()
				}
				if !ok {
					return
				}
			}
		}
	}()
	return f, nil
}
