// Package idempotency is the one rule for retried creates (docs/api.md,
// "Idempotency"): a client sends the Idempotency-Key header with a create;
// a repeat with the same key by the same user creates nothing and answers
// exactly as the first request did, plus the Idempotent-Replayed header.
package idempotency

import (
	"fmt"

	"inkwell/apperror"
)

// Header names.
const (
	KeyHeader      = "Idempotency-Key"
	ReplayedHeader = "Idempotent-Replayed"
)

// MaxKeyLen bounds a key.
const MaxKeyLen = 100

// ValidKey reports whether key is 1-100 visible ASCII characters.
func ValidKey(key string) bool {
	if key == "" || len(key) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] >= 0x7f {
			return false
		}
	}
	return true
}

// KeyRule describes ValidKey for error messages.
var KeyRule = fmt.Sprintf("1-%d visible ASCII characters", MaxKeyLen)

// CheckHeader refuses a malformed Idempotency-Key header ("" means none).
func CheckHeader(key string) error {
	if key != "" && !ValidKey(key) {
		return apperror.New(apperror.CodeBadRequest, "the Idempotency-Key header must be "+KeyRule)
	}
	return nil
}
