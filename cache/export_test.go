package cache

import "time"

// SetClock replaces the clock a Memory cache expires entries by.
func SetClock(m *Memory, now func() time.Time) { m.now = now }

// Bytes is how many bytes of keys and values m holds.
func Bytes(m *Memory) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}
