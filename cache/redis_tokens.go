package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/rueidis"
)

// Version tokens held in a replica's memory, kept fresh by a write fence.
//
// Reading a post's token from Redis on every request costs one round trip,
// which is most of a cached read. A replica therefore keeps the tokens it
// reads. Redis's own client-side invalidation is not enough for them: it is
// pushed to the other replicas asynchronously, so a write could answer
// while another replica still had the old token in hand (the replica test
// caught exactly that). Instead the writer fences:
//
//  1. ReplaceToken sets the token and publishes the key on the invalidation
//     channel in one Lua call, which also tells it how many replicas are
//     subscribed (every replica, the writer included).
//  2. Each replica, on the message, drops its copy and acknowledges on the
//     writer's own channel.
//  3. The writer returns once every subscriber has acknowledged.
//
// A replica that cannot acknowledge (frozen, partitioned, its subscription
// silently dead) must not keep serving its copies either, so local copies
// are used only under a lease: every leaseRenewEvery a replica publishes the
// time on its own channel and, when that echo comes back through its
// subscription, may serve local tokens until that send time + leaseTTL.
// Redis delivers a connection's messages in publish order, so a replica
// that has not handled an invalidation has not handled any echo sent after
// it either: its lease ends within leaseTTL of the publish. A writer that
// is missing acknowledgements therefore waits out leaseTTL (plus a margin)
// from its publish and then answers. A broken subscription drops every
// local token at once; so does Close.
//
// Only tokens live here; the entries under a token never change once
// written and stay in rueidis's tracked client-side cache.

const (
	// leaseTTL is how long a replica may serve local tokens after the send
	// time of its last echo; it bounds a write's wait for a silent replica.
	leaseTTL = 500 * time.Millisecond
	// leaseRenewEvery is how often a replica sends its echo.
	leaseRenewEvery = 100 * time.Millisecond
	// fenceMargin covers clock-rate differences between replicas.
	fenceMargin = 50 * time.Millisecond
	// localTokens bounds how many tokens a replica holds (an LRU).
	localTokens = 100_000
)

// replaceTokenScript sets (or deletes) the token and announces it in one
// atomic step: an announcement without the write, or the reverse, cannot
// happen. It returns the number of replicas that received the announcement
// and the number registered as holding a lease (KEYS[2], see echoScript);
// more of the latter means some replica is not listening right now.
var replaceTokenScript = rueidis.NewLuaScript(`
if ARGV[2] == "" then
  redis.call("DEL", KEYS[1])
else
  redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
end
local n = redis.call("PUBLISH", ARGV[4], ARGV[1])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local reg = redis.call("HGETALL", KEYS[2])
local alive = 0
for i = 1, #reg, 2 do
  if tonumber(reg[i + 1]) > now then alive = alive + 1 else redis.call("HDEL", KEYS[2], reg[i]) end
end
return {n, alive}`)

// echoScript registers this replica as holding a lease until Redis's now +
// ARGV[3] ms (an upper bound of the lease it will take from this echo) and
// publishes the echo on its own channel.
var echoScript = rueidis.NewLuaScript(`
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call("HSET", KEYS[1], ARGV[1], now + tonumber(ARGV[3]))
redis.call("PEXPIRE", KEYS[1], 60000)
return redis.call("PUBLISH", ARGV[2], ARGV[4])`)

type localToken struct {
	value   string
	expires int64 // monotonic ns (see tokenFence.now)
}

// tokenFence holds a replica's local tokens, its lease and its pending
// write fences.
type tokenFence struct {
	client rueidis.Client
	// id names this replica's channel (own = replicas + id); inv is the
	// shared invalidation channel; registry the hash of replicas holding a
	// lease.
	id, inv, replicas, own, registry string
	base                             time.Time // monotonic origin of now()

	mu     sync.Mutex // orders stores against invalidations (with gen)
	gen    atomic.Uint64
	tokens *lru.Cache[string, localToken]
	lease  atomic.Int64 // now() until which local tokens may be served

	writeSeq atomic.Uint64
	fencesMu sync.Mutex
	fences   map[uint64]*fence

	acks chan string // "writerID seq" to acknowledge
	// waitedOut counts writes that had to wait out a silent replica's lease.
	waitedOut atomic.Int64
	// deaf, in tests, drops every message as a subscription that died
	// without the connection closing would.
	deaf   atomic.Bool
	cancel context.CancelFunc
	done   sync.WaitGroup
	log    *slog.Logger
}

type fence struct {
	acked  int64
	expect int64 // -1 until the publish has answered
	done   chan struct{}
}

func newTokenFence(client rueidis.Client, prefix string) *tokenFence {
	var b [8]byte
	_, _ = rand.Read(b[:])
	tokens, _ := lru.New[string, localToken](localTokens)
	f := &tokenFence{
		client: client,
		id:     hex.EncodeToString(b[:]),
		inv:    prefix + "cache:inv",
		base:   time.Now(),
		tokens: tokens,
		fences: map[uint64]*fence{},
		acks:   make(chan string, 4096),
		log:    slog.Default().With("component", "cache"),
	}
	f.replicas = prefix + "cache:replica:"
	f.own = f.replicas + f.id
	f.registry = prefix + "cache:replicas"
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.done.Add(3)
	go f.listen(ctx)
	go f.renew(ctx)
	go f.acknowledge(ctx)
	return f
}

func (f *tokenFence) now() int64 { return int64(time.Since(f.base)) }

func (f *tokenFence) close() {
	f.cancel()
	f.done.Wait()
	f.flush()
	// Writers need not wait for a replica that has gone.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = f.client.Do(ctx, f.client.B().Hdel().Key(f.registry).Field(f.id).Build()).Error()
}

// get returns the local token for key while the lease holds.
func (f *tokenFence) get(key string) (string, bool) {
	now := f.now()
	if now >= f.lease.Load() {
		return "", false
	}
	t, ok := f.tokens.Get(key)
	if !ok || now >= t.expires {
		return "", false
	}
	return t.value, true
}

// store keeps a token read from Redis, unless an invalidation (or a flush)
// happened since gen was taken before the read: that read may be older
// than the invalidation.
func (f *tokenFence) store(key, value string, gen uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gen.Load() != gen || f.now() >= f.lease.Load() {
		return
	}
	f.tokens.Add(key, localToken{value: value, expires: f.now() + int64(localTTL)})
}

func (f *tokenFence) invalidate(key string) {
	f.mu.Lock()
	f.gen.Add(1)
	f.tokens.Remove(key)
	f.mu.Unlock()
}

// dropHeld invalidates key only when this replica holds it as a token.
func (f *tokenFence) dropHeld(key string) {
	if f.tokens.Contains(key) {
		f.invalidate(key)
	}
}

// flush drops every local token and the lease: the subscription broke, so
// invalidations may have been missed.
func (f *tokenFence) flush() {
	f.mu.Lock()
	f.gen.Add(1)
	f.lease.Store(0)
	f.tokens.Purge()
	f.mu.Unlock()
}

// listen keeps the subscription to the invalidation channel and this
// replica's own channel (one SUBSCRIBE, so one connection and one order).
func (f *tokenFence) listen(ctx context.Context) {
	defer f.done.Done()
	for ctx.Err() == nil {
		err := f.client.Receive(ctx, f.client.B().Subscribe().Channel(f.inv, f.own).Build(), f.handle)
		f.flush()
		if ctx.Err() != nil {
			return
		}
		f.log.Warn("cache: invalidation subscription lost; local tokens dropped", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(leaseRenewEvery):
		}
	}
}

func (f *tokenFence) handle(m rueidis.PubSubMessage) {
	if f.deaf.Load() {
		return
	}
	if m.Channel == f.inv {
		// "writerID seq key"
		parts := strings.SplitN(m.Message, " ", 3)
		if len(parts) != 3 {
			return
		}
		f.invalidate(parts[2])
		select {
		case f.acks <- parts[0] + " " + parts[1]:
		default: // the writer waits out the lease instead
		}
		return
	}
	kind, arg, ok := strings.Cut(m.Message, " ")
	if !ok {
		return
	}
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return
	}
	switch kind {
	case "e": // our echo: the subscription delivers up to its send time
		until := n + int64(leaseTTL)
		for {
			cur := f.lease.Load()
			if until <= cur || f.lease.CompareAndSwap(cur, until) {
				break
			}
		}
	case "a": // a replica dropped its copy for our write n
		f.fencesMu.Lock()
		if w := f.fences[uint64(n)]; w != nil {
			w.acked++
			if w.expect >= 0 && w.acked >= w.expect {
				close(w.done)
				delete(f.fences, uint64(n))
			}
		}
		f.fencesMu.Unlock()
	}
}

// renew sends the echo that extends the lease.
func (f *tokenFence) renew(ctx context.Context) {
	defer f.done.Done()
	t := time.NewTicker(leaseRenewEvery)
	defer t.Stop()
	for {
		sent := f.now()
		_ = echoScript.Exec(ctx, f.client, []string{f.registry}, []string{
			f.id, f.own, strconv.FormatInt(leaseTTL.Milliseconds(), 10), "e " + strconv.FormatInt(sent, 10),
		}).Error()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// acknowledge answers invalidations off the subscription's goroutine
// (which must not wait on Redis itself).
func (f *tokenFence) acknowledge(ctx context.Context) {
	defer f.done.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-f.acks:
			writer, seq, _ := strings.Cut(a, " ")
			_ = f.client.Do(ctx, f.client.B().Publish().Channel(f.replicas+writer).Message("a "+seq).Build()).Error()
		}
	}
}

// replace writes the token (nil deletes), announces it and waits until
// every replica has dropped its copy or can no longer serve it.
func (f *tokenFence) replace(ctx context.Context, key string, token []byte, ttl time.Duration) error {
	f.invalidate(key)
	seq := f.writeSeq.Add(1)
	w := &fence{expect: -1, done: make(chan struct{})}
	f.fencesMu.Lock()
	f.fences[seq] = w
	f.fencesMu.Unlock()
	defer func() {
		f.fencesMu.Lock()
		delete(f.fences, seq)
		f.fencesMu.Unlock()
	}()

	msg := f.id + " " + strconv.FormatUint(seq, 10) + " " + key
	ms := ttl.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	counts, err := replaceTokenScript.Exec(ctx, f.client, []string{key, f.registry},
		[]string{msg, string(token), strconv.FormatInt(ms, 10), f.inv}).AsIntSlice()
	if err != nil {
		return err
	}
	if len(counts) != 2 {
		return errors.New("cache: unexpected answer from the token script")
	}
	published := time.Now()
	receivers, leased := counts[0], counts[1]
	f.fencesMu.Lock()
	w.expect = receivers
	if leased > receivers {
		// A replica with a lease is not subscribed (it is reconnecting, or
		// cut off without knowing it): only its lease running out makes
		// it safe, so wait for that whatever the acknowledgements say.
		w.expect = math.MaxInt64
	}
	if w.acked >= w.expect {
		close(w.done)
	}
	f.fencesMu.Unlock()

	wait := time.Until(published.Add(leaseTTL + fenceMargin))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-w.done:
		return nil
	case <-t.C:
		// Some replica did not answer: its lease has run out by now, so
		// it reads tokens from Redis again.
		f.fencesMu.Lock()
		missing := w.expect - w.acked
		f.fencesMu.Unlock()
		f.waitedOut.Add(1)
		f.log.Warn("cache: replicas did not acknowledge an invalidation; waited out their lease", "key", key, "missing", missing)
		return nil
	case <-ctx.Done():
		// The caller gave up; the write stands, and so does the fence for
		// anyone who reads after the lease.
		return errors.Join(errors.New("cache: waiting for replicas to drop an old token"), ctx.Err())
	}
}
