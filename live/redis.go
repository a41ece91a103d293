package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"inkwell/ot"
)

// IdleTTL is how long Redis keeps a post's live state after its last op;
// the saver has long written the text into the post by then, and the next
// session starts from there.
const IdleTTL = 24 * time.Hour

// Redis is the backend shared by every replica on one Redis: per post a
// hash with the head (rev, its length, base: the revision the log starts
// after, and a stored text with its revision), the op log (a list of the
// last MaxLog entries at least) and each client's last entry, all under one
// hash tag so the scripts also run on a cluster.
type Redis struct {
	client *redis.Client
	prefix string
	log    *slog.Logger

	mu        sync.Mutex
	pubsub    *redis.PubSub
	listeners map[string]map[int]listener // by channel
	waiting   map[string][]chan struct{}  // subscribe confirmations
	nextID    int
	done      chan struct{}
}

// NewRedis runs on client with keys and channels under prefix (one prefix
// per deployment, or per test).
func NewRedis(client *redis.Client, prefix string, log *slog.Logger) *Redis {
	if log == nil {
		log = slog.Default()
	}
	return &Redis{client: client, prefix: prefix, log: log,
		listeners: map[string]map[int]listener{}, waiting: map[string][]chan struct{}{}}
}

func (r *Redis) keys(postID int64) []string {
	tag := r.prefix + "live:{" + strconv.FormatInt(postID, 10) + "}:"
	return []string{tag + "state", tag + "log", tag + "clients"}
}

func (r *Redis) channel(postID int64) string {
	return r.prefix + "live:{" + strconv.FormatInt(postID, 10) + "}"
}

// The state hash holds rev (the head), base (the revision the log starts
// after), len (the head text's length in code points) and a stored text,
// snaptext at snaprev (snaprev >= base: the log keeps every op after it).

// initScript creates the state unless there is one, dropping what an
// expired session may have left of its log.
//
// A state of the previous layout (the whole head text in 'text', kept by
// the compare-and-set design before 2026-11-29) is converted in place: its
// text becomes the stored text at its head, so its log and clients stay
// valid. The scripts below answer "missing" for such a state, which makes
// the Sequencer call init.
var initScript = redis.NewScript(luaOT + `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'base', ARGV[1], 'len', ARGV[3], 'snaprev', ARGV[1], 'snaptext', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
elseif redis.call('HEXISTS', KEYS[1], 'snaprev') == 0 then
  local old = redis.call('HMGET', KEYS[1], 'rev', 'text')
  local text = old[2] or ''
  redis.call('HSET', KEYS[1], 'snaprev', old[1], 'snaptext', text, 'len', string.format('%d', cplen(text)))
  redis.call('HDEL', KEYS[1], 'text')
end
return 1
`)

func (r *Redis) init(ctx context.Context, postID int64, st State) error {
	err := initScript.Run(ctx, r.client, r.keys(postID), st.Rev, st.Text, utf8.RuneCountInString(st.Text), IdleTTL.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("live: init post %d: %w", postID, err)
	}
	return nil
}

func (r *Redis) info(ctx context.Context, postID int64) (sessionInfo, error) {
	v, err := r.client.HMGet(ctx, r.keys(postID)[0], "rev", "ended").Result()
	if err != nil {
		return sessionInfo{}, fmt.Errorf("live: post %d: %w", postID, err)
	}
	if v[0] == nil {
		return sessionInfo{}, nil
	}
	head, _ := strconv.ParseInt(asString(v[0]), 10, 64)
	return sessionInfo{Exists: true, Ended: v[1] != nil, Head: head}, nil
}

// endScript marks the session ended (submitScript refuses ops from then
// on: one step, so no op lands after it) and publishes the Ended entry.
var endScript = redis.NewScript(`
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return {'missing'} end
redis.call('HSET', KEYS[1], 'ended', '1')
redis.call('PUBLISH', ARGV[1], '{"rev":' .. rev .. ',"op":[],"client_id":"","seq":0,"ended":true}')
return {'ok', rev}
`)

func (r *Redis) end(ctx context.Context, postID int64) (int64, bool, error) {
	res, err := endScript.Run(ctx, r.client, r.keys(postID)[:1], r.channel(postID)).Slice()
	if err != nil {
		return 0, false, fmt.Errorf("live: end post %d: %w", postID, err)
	}
	if asString(res[0]) == "missing" {
		return 0, false, nil
	}
	head, _ := strconv.ParseInt(asString(res[1]), 10, 64)
	return head, true, nil
}

func (r *Redis) resume(ctx context.Context, postID int64) error {
	if err := r.client.HDel(ctx, r.keys(postID)[0], "ended").Err(); err != nil {
		return fmt.Errorf("live: resume post %d: %w", postID, err)
	}
	return nil
}

// dropScript deletes an ended session (and nothing else: a new session
// another replica started meanwhile stays).
var dropScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], 'ended') == 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1
`)

func (r *Redis) drop(ctx context.Context, postID int64) error {
	if err := dropScript.Run(ctx, r.client, r.keys(postID)).Err(); err != nil {
		return fmt.Errorf("live: drop post %d: %w", postID, err)
	}
	return nil
}

// readScript reads the head and the log after ARGV[1] in one consistent step.
var readScript = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'rev', 'base')
if not st[1] then return {'missing'} end
local rev, base, since = tonumber(st[1]), tonumber(st[2]), tonumber(ARGV[1])
local entries = {}
if since >= 0 then
  if since < base then return {'tooold', st[1], st[2]} end
  if since < rev then entries = redis.call('LRANGE', KEYS[2], since - base, -1) end
end
return {'ok', st[1], st[2], entries}
`)

func (r *Redis) read(ctx context.Context, postID, since int64) (readResult, error) {
	res, err := readScript.Run(ctx, r.client, r.keys(postID)[:2], since).Slice()
	if err != nil {
		return readResult{}, fmt.Errorf("live: read post %d: %w", postID, err)
	}
	if asString(res[0]) == "missing" {
		return readResult{}, errMissing
	}
	var out readResult
	out.Head, _ = strconv.ParseInt(asString(res[1]), 10, 64)
	out.Base, _ = strconv.ParseInt(asString(res[2]), 10, 64)
	if asString(res[0]) == "tooold" {
		return out, errTooOld
	}
	out.Entries, err = decodeEntries(res[3])
	if err != nil {
		return readResult{}, fmt.Errorf("live: read post %d: %w", postID, err)
	}
	return out, nil
}

// stateScript reads the stored text and the ops after it.
var stateScript = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'rev', 'base', 'snaprev', 'snaptext')
if not st[1] or not st[3] then return {'missing'} end
local rev, base, snaprev = tonumber(st[1]), tonumber(st[2]), tonumber(st[3])
local entries = {}
if snaprev < rev then entries = redis.call('LRANGE', KEYS[2], snaprev - base, -1) end
return {'ok', st[3], st[4], entries}
`)

func (r *Redis) state(ctx context.Context, postID int64) (State, int64, error) {
	res, err := stateScript.Run(ctx, r.client, r.keys(postID)[:2]).Slice()
	if err != nil {
		return State{}, 0, fmt.Errorf("live: state of post %d: %w", postID, err)
	}
	if asString(res[0]) == "missing" {
		return State{}, 0, errMissing
	}
	st := State{Text: asString(res[2])}
	st.Rev, _ = strconv.ParseInt(asString(res[1]), 10, 64)
	entries, err := decodeEntries(res[3])
	if err != nil {
		return State{}, 0, fmt.Errorf("live: state of post %d: %w", postID, err)
	}
	for _, e := range entries {
		if e.Rev != st.Rev+1 {
			return State{}, 0, fmt.Errorf("live: state of post %d: entry %d after stored text %d", postID, e.Rev, st.Rev)
		}
		if st.Text, err = ot.Apply(st.Text, e.Op); err != nil {
			return State{}, 0, fmt.Errorf("live: state of post %d: apply rev %d: %w", postID, e.Rev, err)
		}
		st.Rev = e.Rev
	}
	return st, int64(len(entries)), nil
}

// snapshotScript stores a newer text, and trims the log to what the
// newer text allows (MaxLog entries, and none before the stored text).
var snapshotScript = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'rev', 'base', 'snaprev')
if not st[1] or not st[3] then return 0 end
local rev, base, snaprev, at = tonumber(st[1]), tonumber(st[2]), tonumber(st[3]), tonumber(ARGV[1])
if at <= snaprev or at > rev then return 0 end
redis.call('HSET', KEYS[1], 'snaprev', ARGV[1], 'snaptext', ARGV[2])
local drop = math.min(rev - base - tonumber(ARGV[3]), at - base)
if drop > 0 then
  redis.call('LTRIM', KEYS[2], drop, -1)
  redis.call('HSET', KEYS[1], 'base', string.format('%d', base + drop))
end
return 1
`)

func (r *Redis) snapshot(ctx context.Context, postID int64, st State) error {
	if err := snapshotScript.Run(ctx, r.client, r.keys(postID)[:2], st.Rev, st.Text, MaxLog).Err(); err != nil {
		return fmt.Errorf("live: store the text of post %d: %w", postID, err)
	}
	return nil
}

// submitScript is ShareDB's submit (submit-request.js and submit.lua) in
// one step no other replica can interleave with, so it never has to be
// retried: a client's op already applied answers "duplicate"; an ended
// session (endScript: the post was published) answers "ended"; else the op
// is transformed past the log after its revision (luaOT), checked against
// the head text's length, appended with the client's last entry, the log
// trimmed (keeping MaxLog entries and everything after the stored text),
// and the entry published. It answers the entry and how many ops the
// stored text lags, so the caller can store a newer one off this path.
var submitScript = redis.NewScript(luaOT + `
local st = redis.call('HMGET', KEYS[1], 'rev', 'base', 'len', 'snaprev', 'ended')
if not st[1] or not st[4] then return {'missing'} end
local head, base, len, snaprev = tonumber(st[1]), tonumber(st[2]), tonumber(st[3]), tonumber(st[4])
local since, client, seq = tonumber(ARGV[1]), ARGV[3], tonumber(ARGV[4])
local c = redis.call('HMGET', KEYS[3], 's:' .. client, 'e:' .. client)
if c[1] and seq <= tonumber(c[1]) then return {'duplicate', c[2]} end
if st[5] then return {'ended', st[1]} end
if since > head then return {'ahead', st[1]} end
if since < base then return {'tooold', st[1]} end
local op = parse(cjson.decode(ARGV[2]))
if since < head then
  for _, raw in ipairs(redis.call('LRANGE', KEYS[2], since - base, -1)) do
    op = transform(op, parse(cjson.decode(raw).op), true)
  end
end
local need, newlen = 0, len
for _, p in ipairs(op) do
  if p.k == 'i' then newlen = newlen + p.n
  else
    need = need + p.n
    if p.k == 'd' then newlen = newlen - p.n end
  end
end
if need > len then return {'nofit', st[1]} end
if newlen > tonumber(ARGV[5]) then return {'toolong', st[1]} end
local rev = string.format('%d', head + 1)
local entry = '{"rev":' .. rev .. ',"op":' .. encode(op) .. ',"client_id":' .. cjson.encode(client) .. ',"seq":' .. string.format('%d', seq) .. '}'
local n = redis.call('RPUSH', KEYS[2], entry)
redis.call('HSET', KEYS[1], 'rev', rev, 'len', string.format('%d', newlen))
local drop = math.min(n - tonumber(ARGV[6]), snaprev - base)
if drop > 0 then
  redis.call('LTRIM', KEYS[2], drop, -1)
  redis.call('HSET', KEYS[1], 'base', string.format('%d', base + drop))
end
redis.call('HSET', KEYS[3], 's:' .. client, ARGV[4], 'e:' .. client, entry)
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[7]) end
redis.call('PUBLISH', ARGV[8], entry)
return {'ok', entry, string.format('%d', head + 1 - snaprev)}
`)

func (r *Redis) submit(ctx context.Context, postID int64, sub Submission) (submitResult, error) {
	op, err := json.Marshal(sub.Op)
	if err != nil {
		return submitResult{}, fmt.Errorf("live: encode op: %w", err)
	}
	res, err := submitScript.Run(ctx, r.client, r.keys(postID),
		sub.Rev, op, sub.ClientID, sub.Seq, MaxTextChars, MaxLog, IdleTTL.Milliseconds(), r.channel(postID)).Slice()
	if err != nil {
		return submitResult{}, fmt.Errorf("live: submit to post %d: %w", postID, err)
	}
	var out submitResult
	switch asString(res[0]) {
	case "ok":
		if out.Entry, err = decodeEntry(asString(res[1])); err != nil {
			return submitResult{}, fmt.Errorf("live: submit to post %d: %w", postID, err)
		}
		out.Unsnapshotted, _ = strconv.ParseInt(asString(res[2]), 10, 64)
		return out, nil
	case "duplicate":
		out.Duplicate = true
		if last, err := decodeEntry(asString(res[1])); err == nil {
			out.Last = &last
		}
		return out, nil
	case "missing":
		return out, errMissing
	}
	out.Head, _ = strconv.ParseInt(asString(res[1]), 10, 64)
	switch asString(res[0]) {
	case "ahead":
		return out, errAhead
	case "tooold":
		return out, errTooOld
	case "nofit":
		return out, errNoFit
	case "toolong":
		return out, errTooLongText
	case "ended":
		return out, errEnded
	}
	return submitResult{}, fmt.Errorf("live: submit to post %d: unexpected answer %v", postID, res)
}

func decodeEntries(v any) ([]Entry, error) {
	list, _ := v.([]any)
	out := make([]Entry, 0, len(list))
	for _, raw := range list {
		e, err := decodeEntry(asString(raw))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func decodeEntry(s string) (Entry, error) {
	var e Entry
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		return Entry{}, fmt.Errorf("decode entry: %w", err)
	}
	return e, nil
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// listener is one subscriber of a channel: an op log's (entry) or a
// presence channel's (raw).
type listener struct {
	entry func(Entry)
	raw   func(string)
}

// subscribe shares one pub/sub connection among the replica's listeners
// and returns once Redis confirmed the channel, so nothing published after
// it returns is missed.
func (r *Redis) subscribe(ctx context.Context, postID int64, deliver func(Entry)) (func(), error) {
	return r.listen(ctx, r.channel(postID), listener{entry: deliver})
}

// presenceChannel carries the post's presence messages (presence.go).
func (r *Redis) presenceChannel(postID int64) string {
	return r.channel(postID) + ":presence"
}

func (r *Redis) publishPresence(ctx context.Context, postID int64, payload []byte) error {
	if err := r.client.Publish(ctx, r.presenceChannel(postID), payload).Err(); err != nil {
		return fmt.Errorf("live: publish presence of post %d: %w", postID, err)
	}
	return nil
}

func (r *Redis) subscribePresence(ctx context.Context, postID int64, deliver func([]byte)) (func(), error) {
	return r.listen(ctx, r.presenceChannel(postID), listener{raw: func(s string) { deliver([]byte(s)) }})
}

func (r *Redis) listen(ctx context.Context, channel string, l listener) (func(), error) {
	r.mu.Lock()
	if r.pubsub == nil {
		r.pubsub = r.client.Subscribe(context.Background())
		r.done = make(chan struct{})
		go r.fanOut(r.pubsub.ChannelWithSubscriptions(redis.WithChannelSize(1024)), r.done)
	}
	r.nextID++
	id := r.nextID
	first := len(r.listeners[channel]) == 0
	if first {
		r.listeners[channel] = map[int]listener{}
	}
	r.listeners[channel][id] = l
	var confirmed chan struct{}
	if first {
		confirmed = make(chan struct{})
		r.waiting[channel] = append(r.waiting[channel], confirmed)
	}
	ps := r.pubsub
	r.mu.Unlock()
	cancel := func() { r.unsubscribe(channel, id) }
	if first {
		if err := ps.Subscribe(ctx, channel); err != nil {
			cancel()
			return nil, fmt.Errorf("live: subscribe %s: %w", channel, err)
		}
		select {
		case <-confirmed:
		case <-ctx.Done():
			cancel()
			return nil, fmt.Errorf("live: subscribe %s: %w", channel, ctx.Err())
		}
	}
	return cancel, nil
}

func (r *Redis) unsubscribe(channel string, id int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.listeners[channel], id)
	if len(r.listeners[channel]) == 0 {
		delete(r.listeners, channel)
		if r.pubsub != nil {
			_ = r.pubsub.Unsubscribe(context.Background(), channel)
		}
	}
}

// fanOut hands each published message to the replica's listeners of its
// channel, an op log entry decoded once for all of them.
func (r *Redis) fanOut(ch <-chan any, done chan struct{}) {
	defer close(done)
	for msg := range ch {
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			r.mu.Lock()
			for _, c := range r.waiting[m.Channel] {
				close(c)
			}
			delete(r.waiting, m.Channel)
			r.mu.Unlock()
		case *redis.Message:
			r.mu.Lock()
			var e Entry
			decoded := false
			for _, l := range r.listeners[m.Channel] {
				if l.raw != nil {
					l.raw(m.Payload)
					continue
				}
				if !decoded {
					var err error
					if e, err = decodeEntry(m.Payload); err != nil {
						r.log.Warn("live: undecodable entry on "+m.Channel, "err", err)
						break
					}
					decoded = true
				}
				l.entry(e)
			}
			r.mu.Unlock()
		}
	}
}

// Close stops the replica's subscriptions (not the Redis client, which the
// caller owns).
func (r *Redis) Close() error {
	r.mu.Lock()
	ps, done := r.pubsub, r.done
	r.pubsub = nil
	r.mu.Unlock()
	if ps == nil {
		return nil
	}
	err := ps.Close()
	<-done
	if err != nil && !errors.Is(err, redis.ErrClosed) && !strings.Contains(err.Error(), "closed") {
		return fmt.Errorf("live: close pub/sub: %w", err)
	}
	return nil
}
