// Package live is the server side of live co-editing (API.md "Live
// co-editing"): a sequencer that orders the ot-text-unicode ops (package ot)
// clients send for a post, the op log and head state they read, the fan-out
// of every applied op to the listeners on each replica, the debounced save
// of the text into the post, collaborators and the rule of who may edit, and
// the single-use tickets that authorize a WebSocket.
//
// Without Redis one process sequences everything (Memory, one replica only,
// like the in-process cache). With Redis (RedisBackend) any number of
// replicas share one head per post: a Lua script compares the revision,
// appends to the op log and publishes in one step, so two replicas can never
// both append at one revision.
package live

import (
	"context"
	"errors"
	"regexp"

	"inkwell/ot"
)

// Entry is one applied op: the revision it made and who sent it.
type Entry struct {
	Rev      int64  `json:"rev"`
	Op       ot.Op  `json:"op"`
	ClientID string `json:"client_id"`
	Seq      int64  `json:"seq"`
}

// State is a post's live text at revision Rev.
type State struct {
	Rev  int64  `json:"rev"`
	Text string `json:"text"`
}

// Submission is an op a client made on revision Rev, the Seq-th op of the
// editor session ClientID (numbered from 1, each sent after the previous one
// was acknowledged; a resend repeats Seq).
type Submission struct {
	Rev      int64
	Op       ot.Op
	ClientID string
	Seq      int64
}

// Applied is the answer to a submission: the revision its op made (the new
// head when it was applied) and the op as applied, transformed past every op
// sequenced after the submission's Rev.
type Applied struct {
	Rev int64 `json:"rev"`
	Op  ot.Op `json:"op"`
}

// Limits.
const (
	// MaxTextChars is the longest live text, in code points: the post body limit.
	MaxTextChars = 200_000
	// MaxLog is how many ops each post keeps for clients catching up; one
	// further behind reloads the state.
	MaxLog = 1000
	// maxCommitAttempts bounds how often Submit retries after other
	// replicas moved the head between its read and its append.
	maxCommitAttempts = 50
)

// clientIDPattern bounds what a client may name its session.
var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Errors of the backends; Sequencer turns them into apperror answers.
var (
	// errConflict: the head moved since the submission was read.
	errConflict = errors.New("live: head moved")
	// errMissing: the post has no live state (never opened or expired).
	errMissing = errors.New("live: no state")
	// errTooOld: the ops after the asked revision were trimmed from the log.
	errTooOld = errors.New("live: revision older than the op log")
)

// Loader gives the text a live session starts from: the post's saved
// body_markdown and the revision it was saved at (0 before any live save).
type Loader interface {
	LoadLiveText(ctx context.Context, postID int64) (text string, rev int64, err error)
}

// Saver writes the live text into the post through the normal update path
// (validation, rendering, cache invalidation). Saves of one post may arrive
// from several replicas and out of order: an implementation must store rev
// with the text in one transaction and ignore a save whose rev is not above
// the stored one (models.RaiseLiveRevision does that compare-and-set).
type Saver interface {
	SaveLiveText(ctx context.Context, postID int64, text string, rev int64) error
}

// readResult is one consistent read of a post: the head state (Text only
// when asked), the entries after the asked revision, and what the log
// holds about the asking client (its last Seq and that entry).
type readResult struct {
	State State
	// Base is the revision the op log starts after.
	Base       int64
	Entries    []Entry
	ClientSeq  int64
	ClientLast *Entry
}

// commitResult says how an append ended: done, a duplicate (the client's
// seq was already applied; Last is its latest entry), or a conflict.
type commitResult struct {
	Duplicate bool
	Last      *Entry
}

// Backend is the shared storage the Sequencer runs on (Memory or Redis).
type Backend interface {
	// init stores st as the post's state unless one exists, and returns
	// the state that is there.
	init(ctx context.Context, postID int64, st State) (State, error)
	// read returns the head state and the entries with rev > since: none
	// for since < 0, errTooOld (with State and Base) when since < Base,
	// errMissing when there is no state; text says whether State.Text is
	// wanted, clientID whose last op to report.
	read(ctx context.Context, postID, since int64, clientID string, text bool) (readResult, error)
	// commit appends e (e.Rev = base+1) and sets the text, if the head is
	// still base and e's client has not sent e.Seq yet, then publishes e.
	commit(ctx context.Context, postID, base int64, e Entry, text string) (commitResult, error)
	// subscribe delivers the post's entries, in order, to deliver until
	// the returned cancel runs; entries published after it returns reach
	// deliver. deliver must not block.
	subscribe(ctx context.Context, postID int64, deliver func(Entry)) (cancel func(), err error)
	// Close stops subscriptions.
	Close() error
}
