package cache

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Memory is an in-process cache bounded by the bytes of its keys and
// values; the least recently used entries go first. Each process has its
// own, so with more than one replica an invalidation on one would not reach
// the others: use Redis (REDIS_URL) as soon as there are two.
type Memory struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	order    *list.List // front = most recently used
	entries  map[string]*list.Element
	now      func() time.Time
}

type memoryEntry struct {
	key     string
	value   []byte
	expires time.Time
}

// NewMemory returns an empty in-process cache holding at most maxBytes.
func NewMemory(maxBytes int) *Memory {
	return &Memory{maxBytes: maxBytes, order: list.New(), entries: map[string]*list.Element{}, now: time.Now}
}

// Get implements Cache.
func (m *Memory) Get(_ context.Context, keys ...string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for i, k := range keys {
		out[i] = m.get(k, now)
	}
	return out, nil
}

// GetStable implements Cache: in one process it is Get.
func (m *Memory) GetStable(ctx context.Context, keys ...string) ([][]byte, error) {
	return m.Get(ctx, keys...)
}

// GetVersioned implements Cache.
func (m *Memory) GetVersioned(_ context.Context, versionKey, prefix string, suffixes ...string) (string, [][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	token := m.get(versionKey, now)
	if token == nil {
		return "", nil, nil
	}
	out := make([][]byte, len(suffixes))
	for i, suffix := range suffixes {
		out[i] = m.get(prefix+string(token)+suffix, now)
	}
	return string(token), out, nil
}

// get returns key's live value (nil when absent or expired); m.mu is held.
func (m *Memory) get(key string, now time.Time) []byte {
	el, ok := m.entries[key]
	if !ok {
		return nil
	}
	e := el.Value.(*memoryEntry)
	if !now.Before(e.expires) {
		m.remove(el)
		return nil
	}
	m.order.MoveToFront(el)
	return e.value
}

// Set implements Cache.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.set(key, value, ttl)
	return nil
}

// ReplaceToken implements Cache: one process has no other copies to drop.
func (m *Memory) ReplaceToken(ctx context.Context, versionKey string, token []byte, ttl time.Duration) error {
	if token == nil {
		return m.Delete(ctx, versionKey)
	}
	return m.Set(ctx, versionKey, token, ttl)
}

// Add implements Cache.
func (m *Memory) Add(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.entries[key]; ok && m.now().Before(el.Value.(*memoryEntry).expires) {
		return false, nil
	}
	m.set(key, value, ttl)
	return true, nil
}

// Delete implements Cache.
func (m *Memory) Delete(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if el, ok := m.entries[k]; ok {
			m.remove(el)
		}
	}
	return nil
}

// Close implements Cache.
func (m *Memory) Close() error { return nil }

// Len is the number of entries held (expired ones included until touched).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

func (m *Memory) set(key string, value []byte, ttl time.Duration) {
	if el, ok := m.entries[key]; ok {
		m.remove(el)
	}
	size := len(key) + len(value)
	if size > m.maxBytes {
		return
	}
	for m.bytes+size > m.maxBytes {
		m.remove(m.order.Back())
	}
	// The caller may reuse its slice; the cache keeps its own copy.
	e := &memoryEntry{key: key, value: append([]byte(nil), value...), expires: m.now().Add(ttl)}
	m.entries[key] = m.order.PushFront(e)
	m.bytes += size
}

func (m *Memory) remove(el *list.Element) {
	e := el.Value.(*memoryEntry)
	m.order.Remove(el)
	delete(m.entries, e.key)
	m.bytes -= len(e.key) + len(e.value)
}
