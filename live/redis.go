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

	"github.com/redis/go-redis/v9"
)

// IdleTTL is how long Redis keeps a post's live state after its last op;
// the saver has long written the text into the post by then, and the next
// session starts from there.
const IdleTTL = 24 * time.Hour

// Redis is the backend shared by every replica on one Redis: per post a
// hash with the head (rev, text, and base, the revision the log starts
// after), the op log (a list of the last MaxLog entries) and each client's
// last entry, all under one hash tag so the scripts also run on a cluster.
type Redis struct {
	client *redis.Client
	prefix string
	log    *slog.Logger

	mu        sync.Mutex
	pubsub    *redis.PubSub
	listeners map[string]map[int]func(Entry) // by channel
	waiting   map[string][]chan struct{}     // subscribe confirmations
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
		listeners: map[string]map[int]func(Entry){}, waiting: map[string][]chan struct{}{}}
}

func (r *Redis) keys(postID int64) []string {
	tag := r.prefix + "live:{" + strconv.FormatInt(postID, 10) + "}:"
	return []string{tag + "state", tag + "log", tag + "clients"}
}

func (r *Redis) channel(postID int64) string {
	return r.prefix + "live:{" + strconv.FormatInt(postID, 10) + "}"
}

// initScript creates the state unless there is one, dropping what an
// expired session may have left of its log.
var initScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'base', ARGV[1], 'text', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return redis.call('HMGET', KEYS[1], 'rev', 'text')
`)

func (r *Redis) init(ctx context.Context, postID int64, st State) (State, error) {
	res, err := initScript.Run(ctx, r.client, r.keys(postID), st.Rev, st.Text, IdleTTL.Milliseconds()).Slice()
	if err != nil {
		return State{}, fmt.Errorf("live: init post %d: %w", postID, err)
	}
	rev, _ := strconv.ParseInt(asString(res[0]), 10, 64)
	return State{Rev: rev, Text: asString(res[1])}, nil
}

// readScript reads the head, the log after ARGV[1] and the client's last
// op in one consistent step.
var readScript = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'rev', 'base', 'text')
if not st[1] then return {'missing'} end
local rev, base, since = tonumber(st[1]), tonumber(st[2]), tonumber(ARGV[1])
local text = false
if ARGV[3] == '1' then text = st[3] end
local entries, tooOld = {}, '0'
if since >= 0 then
  if since < base then tooOld = '1'
  elseif since < rev then entries = redis.call('LRANGE', KEYS[2], since - base, -1) end
end
local c = {false, false}
if ARGV[2] ~= '' then c = redis.call('HMGET', KEYS[3], 's:' .. ARGV[2], 'e:' .. ARGV[2]) end
return {'ok', st[1], st[2], text, entries, c[1], c[2], tooOld}
`)

func (r *Redis) read(ctx context.Context, postID, since int64, clientID string, text bool) (readResult, error) {
	wantText := "0"
	if text {
		wantText = "1"
	}
	res, err := readScript.Run(ctx, r.client, r.keys(postID), since, clientID, wantText).Slice()
	if err != nil {
		return readResult{}, fmt.Errorf("live: read post %d: %w", postID, err)
	}
	if asString(res[0]) == "missing" {
		return readResult{}, errMissing
	}
	var out readResult
	out.State.Rev, _ = strconv.ParseInt(asString(res[1]), 10, 64)
	out.Base, _ = strconv.ParseInt(asString(res[2]), 10, 64)
	out.State.Text = asString(res[3])
	if list, ok := res[4].([]any); ok {
		out.Entries = make([]Entry, 0, len(list))
		for _, raw := range list {
			e, err := decodeEntry(asString(raw))
			if err != nil {
				return readResult{}, fmt.Errorf("live: read post %d: %w", postID, err)
			}
			out.Entries = append(out.Entries, e)
		}
	}
	if seq := asString(res[5]); seq != "" {
		out.ClientSeq, _ = strconv.ParseInt(seq, 10, 64)
		if last, err := decodeEntry(asString(res[6])); err == nil {
			out.ClientLast = &last
		}
	}
	if asString(res[7]) == "1" {
		return out, errTooOld
	}
	return out, nil
}

// commitScript is the compare-and-set of ShareDB's submit.lua: a client's
// op already applied answers "duplicate"; a head other than the one the op
// was transformed to answers "conflict"; else the entry is appended (the log
// trimmed to ARGV[7]), the head and the client's last op set, and the entry
// published, all in one step no other replica can interleave with.
var commitScript = redis.NewScript(`
local head = redis.call('HGET', KEYS[1], 'rev')
if not head then return {'missing'} end
local c = redis.call('HMGET', KEYS[3], 's:' .. ARGV[5], 'e:' .. ARGV[5])
if c[1] and tonumber(ARGV[6]) <= tonumber(c[1]) then return {'duplicate', c[2]} end
if tonumber(head) ~= tonumber(ARGV[1]) then return {'conflict', head} end
local n = redis.call('RPUSH', KEYS[2], ARGV[3])
local max = tonumber(ARGV[7])
if n > max then
  redis.call('LTRIM', KEYS[2], n - max, -1)
  redis.call('HINCRBY', KEYS[1], 'base', n - max)
end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'text', ARGV[4])
redis.call('HSET', KEYS[3], 's:' .. ARGV[5], ARGV[6], 'e:' .. ARGV[5], ARGV[3])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[8]) end
redis.call('PUBLISH', ARGV[9], ARGV[3])
return {'ok'}
`)

func (r *Redis) commit(ctx context.Context, postID, base int64, e Entry, text string) (commitResult, error) {
	entry, err := json.Marshal(e)
	if err != nil {
		return commitResult{}, fmt.Errorf("live: encode entry: %w", err)
	}
	res, err := commitScript.Run(ctx, r.client, r.keys(postID),
		base, e.Rev, entry, text, e.ClientID, e.Seq, MaxLog, IdleTTL.Milliseconds(), r.channel(postID)).Slice()
	if err != nil {
		return commitResult{}, fmt.Errorf("live: commit post %d rev %d: %w", postID, e.Rev, err)
	}
	switch asString(res[0]) {
	case "ok":
		return commitResult{}, nil
	case "missing":
		return commitResult{}, errMissing
	case "conflict":
		return commitResult{}, errConflict
	case "duplicate":
		out := commitResult{Duplicate: true}
		if last, err := decodeEntry(asString(res[1])); err == nil {
			out.Last = &last
		}
		return out, nil
	}
	return commitResult{}, fmt.Errorf("live: commit post %d: unexpected answer %v", postID, res)
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

// subscribe shares one pub/sub connection among the replica's listeners
// and returns once Redis confirmed the channel, so nothing published after
// it returns is missed.
func (r *Redis) subscribe(ctx context.Context, postID int64, deliver func(Entry)) (func(), error) {
	channel := r.channel(postID)
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
		r.listeners[channel] = map[int]func(Entry){}
	}
	r.listeners[channel][id] = deliver
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
			return nil, fmt.Errorf("live: subscribe post %d: %w", postID, err)
		}
		select {
		case <-confirmed:
		case <-ctx.Done():
			cancel()
			return nil, fmt.Errorf("live: subscribe post %d: %w", postID, ctx.Err())
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

// fanOut hands each published entry to the replica's listeners of its post.
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
			e, err := decodeEntry(m.Payload)
			if err != nil {
				r.log.Warn("live: undecodable entry on "+m.Channel, "err", err)
				continue
			}
			r.mu.Lock()
			for _, deliver := range r.listeners[m.Channel] {
				deliver(e)
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
