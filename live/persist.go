package live

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Persister writes each post's live text into the post (through Saver) once
// its edits pause for Idle, or every EveryOps ops while they keep coming, so
// a session restarts from recent text and the public page follows.
type Persister struct {
	seq      *Sequencer
	saver    Saver
	idle     time.Duration
	everyOps int
	log      *slog.Logger

	mu      sync.Mutex
	pending map[int64]*pendingSave
	wg      sync.WaitGroup
}

type pendingSave struct {
	ops    int
	timer  *time.Timer
	saving bool
	again  bool // ops arrived during a save: save once more after it
}

// Defaults of NewPersister's idle and everyOps.
const (
	DefaultSaveIdle     = 2 * time.Second
	DefaultSaveEveryOps = 100
)

// saveTimeout bounds one save.
const saveTimeout = 30 * time.Second

// NewPersister saves the ops seq applies on this replica (each replica
// saves what it sequenced; Saver keeps the highest revision).
func NewPersister(seq *Sequencer, saver Saver, idle time.Duration, everyOps int, log *slog.Logger) *Persister {
	if log == nil {
		log = slog.Default()
	}
	p := &Persister{seq: seq, saver: saver, idle: idle, everyOps: everyOps, log: log, pending: map[int64]*pendingSave{}}
	seq.onApplied = p.applied
	return p
}

func (p *Persister) applied(postID, _ int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ps := p.pending[postID]
	if ps == nil {
		ps = &pendingSave{}
		p.pending[postID] = ps
	}
	ps.ops++
	if ps.saving {
		ps.again = true
		return
	}
	if ps.ops >= p.everyOps {
		p.startSave(postID, ps)
		return
	}
	if ps.timer == nil {
		ps.timer = time.AfterFunc(p.idle, func() { p.idleSave(postID) })
	} else {
		ps.timer.Reset(p.idle)
	}
}

func (p *Persister) idleSave(postID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ps := p.pending[postID]; ps != nil && !ps.saving {
		p.startSave(postID, ps)
	}
}

// startSave runs one save of postID in the background; p.mu is held.
func (p *Persister) startSave(postID int64, ps *pendingSave) {
	if ps.timer != nil {
		ps.timer.Stop()
		ps.timer = nil
	}
	ps.saving, ps.ops, ps.again = true, 0, false
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), saveTimeout)
		err := p.save(ctx, postID)
		cancel()
		p.mu.Lock()
		defer p.mu.Unlock()
		ps.saving = false
		switch {
		case err != nil:
			p.log.Error("live: save failed; retrying after the idle delay", "post", postID, "err", err)
			ps.ops++
			ps.timer = time.AfterFunc(p.idle, func() { p.idleSave(postID) })
		case ps.again:
			p.startSave(postID, ps)
		default:
			delete(p.pending, postID)
		}
	}()
}

func (p *Persister) save(ctx context.Context, postID int64) error {
	st, err := p.seq.State(ctx, postID)
	if err != nil {
		return err
	}
	return p.saver.SaveLiveText(ctx, postID, st.Text, st.Rev)
}

// Adopt makes this replica responsible for saving postID when its live
// head is past the saved revision: call it when an editor connects. A
// replica that dies takes its pending saves along; its editors reconnect to
// another replica, whose Adopt then saves what the dead one had not.
func (p *Persister) Adopt(ctx context.Context, postID int64) error {
	st, err := p.seq.State(ctx, postID)
	if err != nil {
		return err
	}
	_, saved, err := p.seq.loader.LoadLiveText(ctx, postID)
	if err != nil {
		return err
	}
	if st.Rev > saved {
		p.applied(postID, st.Rev)
	}
	return nil
}

// Flush saves every post with unsaved ops now and waits for all saves,
// for shutdown.
func (p *Persister) Flush(ctx context.Context) error {
	p.mu.Lock()
	var due []int64
	for id, ps := range p.pending {
		if ps.timer != nil {
			ps.timer.Stop()
			ps.timer = nil
		}
		if !ps.saving {
			due = append(due, id)
		}
	}
	p.mu.Unlock()
	var errs []error
	for _, id := range due {
		if err := p.save(ctx, id); err != nil {
			errs = append(errs, err)
			continue
		}
		p.mu.Lock()
		if ps := p.pending[id]; ps != nil && !ps.saving {
			delete(p.pending, id)
		}
		p.mu.Unlock()
	}
	p.wg.Wait()
	return errors.Join(errs...)
}
