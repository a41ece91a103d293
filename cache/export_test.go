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

// Deafen makes r drop every invalidation and echo it receives, as a
// replica whose subscription died without its connection closing.
func Deafen(r *Redis, deaf bool) { r.fence.deaf.Store(deaf) }

// WaitedOut is how many of r's token replacements waited out a silent
// replica's lease instead of its acknowledgement.
func WaitedOut(r *Redis) int64 { return r.fence.waitedOut.Load() }

// LeaseTTL is how long a replica serves local tokens after its last echo.
const LeaseTTL = leaseTTL
