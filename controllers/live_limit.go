package controllers

import (
	"context"

	"inkwell/live"
	"inkwell/ratelimit"
)

// liveOpLimiter spends one event of the live-edits limit per op a user
// sends over a live socket: the same bucket (user key and limit) the
// filter spends for POST …/edits, so both doors share one budget.
type liveOpLimiter struct {
	lim *ratelimit.Limiter
	l   ratelimit.Limit
}

// LiveOpLimiter is live.Service's Limiter for the socket's ops (nil when
// l is off).
func LiveOpLimiter(lim *ratelimit.Limiter, l ratelimit.Limit) live.Limiter {
	if lim == nil || l.Off() {
		return nil
	}
	return liveOpLimiter{lim: lim, l: l}
}

func (o liveOpLimiter) AllowOp(ctx context.Context, userID int64) error {
	if r := o.lim.Allow(ctx, ratelimit.UserKey(userID), o.l); !r.Allowed {
		return RateLimited(o.l, r)
	}
	return nil
}
