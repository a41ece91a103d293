package live

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"inkwell/apperror"
	"inkwell/cache"
)

// TicketTTL is how long a ticket may wait before it is used.
const TicketTTL = 60 * time.Second

// Ticket authorizes one WebSocket upgrade for one user on one post
// (browsers cannot send a bearer token with a WebSocket).
type Ticket struct {
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Tickets issues and redeems tickets through the shared cache, so a ticket
// issued by one replica is redeemed on any.
type Tickets struct {
	cache cache.Cache
	now   func() time.Time
}

// NewTickets keeps tickets in c.
func NewTickets(c cache.Cache) *Tickets {
	return &Tickets{cache: c, now: time.Now}
}

type ticketGrant struct {
	UserID    int64 `json:"user_id"`
	PostID    int64 `json:"post_id"`
	ExpiresMS int64 `json:"expires_ms"`
}

// Only a hash of the ticket is stored, so the cache's content cannot be
// replayed as tickets.
func ticketKey(ticket string) string {
	sum := sha256.Sum256([]byte(ticket))
	return "live:ticket:" + hex.EncodeToString(sum[:])
}

// Issue makes a ticket for userID on postID (the caller has checked that
// the user may edit the post).
func (t *Tickets) Issue(ctx context.Context, userID, postID int64) (Ticket, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Ticket{}, fmt.Errorf("live: ticket: %w", err)
	}
	ticket := base64.RawURLEncoding.EncodeToString(raw[:])
	expires := t.now().Add(TicketTTL)
	grant, _ := json.Marshal(ticketGrant{UserID: userID, PostID: postID, ExpiresMS: expires.UnixMilli()})
	if err := t.cache.Set(ctx, ticketKey(ticket), grant, TicketTTL); err != nil {
		return Ticket{}, apperror.Unavailable("tickets cannot be stored", err)
	}
	return Ticket{Ticket: ticket, ExpiresAt: expires.UTC().Truncate(time.Second)}, nil
}

// Redeem uses ticket for postID and returns its user. A ticket works once,
// within TicketTTL, for the post it was issued for: two concurrent redeems
// of one ticket, on any replicas, let exactly one through.
func (t *Tickets) Redeem(ctx context.Context, ticket string, postID int64) (int64, error) {
	invalid := apperror.New(apperror.CodeUnauthorized, "the ticket is invalid, used or expired; ask for a new one")
	if ticket == "" || len(ticket) > 128 {
		return 0, invalid
	}
	key := ticketKey(ticket)
	vals, err := t.cache.Get(ctx, key)
	if err != nil {
		return 0, apperror.Unavailable("tickets cannot be read", err)
	}
	var g ticketGrant
	if vals[0] == nil || json.Unmarshal(vals[0], &g) != nil {
		return 0, invalid
	}
	if g.PostID != postID || t.now().UnixMilli() >= g.ExpiresMS {
		return 0, invalid
	}
	// The first to add the "used" mark wins; the mark outlives the ticket.
	first, err := t.cache.Add(ctx, key+":used", []byte("1"), 2*TicketTTL)
	if err != nil {
		return 0, apperror.Unavailable("tickets cannot be stored", err)
	}
	if !first {
		return 0, invalid
	}
	_ = t.cache.Delete(ctx, key)
	return g.UserID, nil
}
