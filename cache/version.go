package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Versioned entries (the post, comment and media caches): entries live under
// a random token stored at a version key; a write, once committed, replaces
// the token (Retire), so every later reader on every replica misses and
// reloads, and a late store by a reader that loaded the old row lands under
// the dead token, where nobody looks.

// NewToken is a fresh random version token.
func NewToken() []byte {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return []byte(hex.EncodeToString(b[:]))
}

// Token returns the token at versionKey, creating one (kept for ttl) when
// there is none; Add makes concurrent readers agree on a single new token.
func Token(ctx context.Context, c Cache, versionKey string, ttl time.Duration) (string, error) {
	for range 3 {
		vals, err := c.Get(ctx, versionKey)
		if err != nil {
			return "", err
		}
		if vals[0] != nil {
			return string(vals[0]), nil
		}
		tok := NewToken()
		added, err := c.Add(ctx, versionKey, tok, ttl)
		if err != nil {
			return "", err
		}
		if added {
			return string(tok), nil
		}
	}
	return "", fmt.Errorf("cache: version token %s keeps changing", versionKey)
}

// Retire replaces the token at versionKey, retiring every entry stored
// under the old one; call it after the write has committed.
func Retire(ctx context.Context, c Cache, versionKey string, ttl time.Duration) error {
	return c.ReplaceToken(ctx, versionKey, NewToken(), ttl)
}
