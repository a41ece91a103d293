package live

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/cache"
	"inkwell/cache/cachetest"
)

func eachCache(t *testing.T, fn func(t *testing.T, c cache.Cache)) {
	t.Run("memory", func(t *testing.T) { fn(t, cache.NewMemory(1<<20)) })
	t.Run("redis", func(t *testing.T) { fn(t, cachetest.Redis(t)) })
}

func TestTickets_WorkOnceForTheirPost(t *testing.T) {
	eachCache(t, func(t *testing.T, c cache.Cache) {
		ctx := context.Background()
		tickets := NewTickets(c)
		tk, err := tickets.Issue(ctx, 7, 42)
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now().Add(TicketTTL), tk.ExpiresAt, 2*time.Second)

		_, err = tickets.Redeem(ctx, tk.Ticket, 43)
		assert.Equal(t, apperror.CodeUnauthorized, code(err), "another post")
		user, err := tickets.Redeem(ctx, tk.Ticket, 42)
		require.NoError(t, err)
		assert.Equal(t, int64(7), user)
		_, err = tickets.Redeem(ctx, tk.Ticket, 42)
		assert.Equal(t, apperror.CodeUnauthorized, code(err), "used")
		_, err = tickets.Redeem(ctx, "made-up", 42)
		assert.Equal(t, apperror.CodeUnauthorized, code(err))
	})
}

func TestTickets_ConcurrentRedeemsLetOneThrough(t *testing.T) {
	eachCache(t, func(t *testing.T, c cache.Cache) {
		ctx := context.Background()
		tickets := NewTickets(c)
		tk, err := tickets.Issue(ctx, 7, 42)
		require.NoError(t, err)
		var ok atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := tickets.Redeem(ctx, tk.Ticket, 42); err == nil {
					ok.Add(1)
				} else {
					assert.Equal(t, apperror.CodeUnauthorized, code(err))
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int64(1), ok.Load())
	})
}

func TestTickets_ExpireAfterTheirTTL(t *testing.T) {
	eachCache(t, func(t *testing.T, c cache.Cache) {
		ctx := context.Background()
		tickets := NewTickets(c)
		now := time.Now()
		tickets.now = func() time.Time { return now }
		tk, err := tickets.Issue(ctx, 7, 42)
		require.NoError(t, err)
		tickets.now = func() time.Time { return now.Add(TicketTTL) }
		_, err = tickets.Redeem(ctx, tk.Ticket, 42)
		assert.Equal(t, apperror.CodeUnauthorized, code(err))
		tickets.now = func() time.Time { return now.Add(TicketTTL - time.Millisecond) }
		_, err = tickets.Redeem(ctx, tk.Ticket, 42)
		assert.NoError(t, err, "still valid just before")
	})
}
