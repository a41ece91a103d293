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
	// Ended marks the last message of a session ended by a publication
	// (Backend.end): no op follows it. It is published, never logged.
	Ended bool `json:"ended,omitempty"`
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
	// maxSubmitAttempts bounds how often Submit starts a session that
	// vanished (expired) between its start and the submission.
	maxSubmitAttempts = 3
)

// clientIDPattern bounds what a client may name its session.
var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Errors of the backends; Sequencer turns them into apperror answers.
var (
	// errMissing: the post has no live state (never opened or expired).
	errMissing = errors.New("live: no state")
	// errTooOld: the ops after the asked revision were trimmed from the log.
	errTooOld = errors.New("live: revision older than the op log")
	// errAhead: the asked revision is past the head (the session restarted
	// from the saved text).
	errAhead = errors.New("live: revision ahead of the head")
	// errNoFit: the op, transformed to the head, reaches past the text's end.
	errNoFit = errors.New("live: the op does not fit the text")
	// errTooLongText: the op would make the text longer than MaxTextChars.
	errTooLongText = errors.New("live: the text would be too long")
	// errEnded: the session was ended because the post was published
	// (End); it takes no more ops until it is dropped for a new draft
	// session.
	errEnded = errors.New("live: the session ended: the post is no longer a draft")
)

// sessionInfo says whether a post has a live state and whether it was ended
// (End), with its head revision.
type sessionInfo struct {
	Exists bool
	Ended  bool
	Head   int64
}

// SnapshotEvery is how many ops the Redis backend lets pass after its
// stored text before a replica stores the text again (off the submit path):
// reading the state applies at most about this many ops to that text.
const SnapshotEvery = 100

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

// readResult is one consistent read of a post's op log: the head, the
// revision the log starts after, and the entries after the asked revision.
type readResult struct {
	Head    int64
	Base    int64
	Entries []Entry
}

// submitResult says how a submission ended: applied as Entry, or a
// duplicate (the client's seq was already applied; Last is its latest
// entry). Unsnapshotted is how many ops the backend's stored text lags the
// head (0 for a backend that keeps the text current).
type submitResult struct {
	Entry         Entry
	Duplicate     bool
	Last          *Entry
	Unsnapshotted int64
	// Head is the head at the time of an errTooOld or errAhead answer.
	Head int64
}

// Backend is the shared storage the Sequencer runs on (Memory or Redis).
// Each submission is one atomic step of the backend: in Redis one script,
// one round trip carrying the op, never the text.
type Backend interface {
	// init stores st as the post's state unless one exists.
	init(ctx context.Context, postID int64, st State) error
	// info says whether the post has a live state (a session), whether
	// it was ended, and its head.
	info(ctx context.Context, postID int64) (sessionInfo, error)
	// end marks the post's session ended, atomically with respect to
	// submit (no op is appended after it), and publishes an Ended entry
	// at the head to its listeners on every replica; existed is false
	// when there was no session.
	end(ctx context.Context, postID int64) (head int64, existed bool, err error)
	// resume takes the ended mark off (a publication that failed after
	// end).
	resume(ctx context.Context, postID int64) error
	// drop deletes the post's session if it is ended, so the next one
	// starts from the saved post.
	drop(ctx context.Context, postID int64) error
	// submit transforms sub.Op past every entry after sub.Rev, checks it
	// fits the text and keeps it within MaxTextChars, and appends it as
	// the next revision, then publishes it; unless sub's client already
	// sent sub.Seq (Duplicate). Errors: errMissing, errEnded, errTooOld,
	// errAhead, errNoFit, errTooLongText.
	submit(ctx context.Context, postID int64, sub Submission) (submitResult, error)
	// read returns the head and the entries with rev > since (none for
	// since < 0); errTooOld (with Head and Base) when since < Base,
	// errMissing when there is no state.
	read(ctx context.Context, postID, since int64) (readResult, error)
	// state returns the head text: a stored text and the ops after it
	// applied; behind is how many ops were applied.
	state(ctx context.Context, postID int64) (st State, behind int64, err error)
	// snapshot stores st as the text to start state reads from, unless a
	// newer one is stored; the log may then be trimmed up to st.Rev.
	snapshot(ctx context.Context, postID int64, st State) error
	// subscribe delivers the post's entries, in order, to deliver until
	// the returned cancel runs; entries published after it returns reach
	// deliver. deliver must not block.
	subscribe(ctx context.Context, postID int64, deliver func(Entry)) (cancel func(), err error)
	// Close stops subscriptions.
	Close() error
}
