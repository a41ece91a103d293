package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/go-sql-driver/mysql"
)

// MaxAttempts bounds how often one transfer runs: the first try plus
// retries after the database aborted it to break a deadlock or a lock wait.
const MaxAttempts = 5

// Backoff before retry n is drawn uniformly from [0, baseBackoff·2ⁿ⁻¹],
// capped at maxBackoff: the jitter spreads out transactions that collided
// so they do not collide again in lockstep.
const (
	baseBackoff = 2 * time.Millisecond
	maxBackoff  = 50 * time.Millisecond
)

var retries, exhausted atomic.Int64

// Retries is how many times transfers were run again after a deadlock,
// lock-wait timeout or busy database since the process started.
func Retries() int64 { return retries.Load() }

// RetriesExhausted is how many transfers still failed after MaxAttempts.
func RetriesExhausted() int64 { return exhausted.Load() }

// isRetryable reports whether the database aborted the whole transaction
// in a way that running it again can fix: MySQL deadlock (1213) or lock
// wait timeout (1205), SQLite busy past its busy_timeout.
func isRetryable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	return err != nil && (strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked"))
}

// withRetry runs fn, again after a retryable failure, at most MaxAttempts times.
func withRetry(ctx context.Context, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !isRetryable(err) {
			return err
		}
		if attempt == MaxAttempts {
			exhausted.Add(1)
			return err
		}
		retries.Add(1)
		ceiling := min(baseBackoff<<(attempt-1), maxBackoff)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(rand.N(ceiling + 1)):
		}
	}
}

// InTx runs fn in one transaction on o and commits it, running it again
// (bounded, with jitter) when the database aborts it to break a deadlock or
// a lock wait. A failed commit is an error, never a silent success.
func InTx(ctx context.Context, o orm.Ormer, fn func(ctx context.Context, tx orm.TxOrmer) error) error {
	return withRetry(ctx, func() error {
		tx, err := o.BeginWithCtx(ctx)
		if err != nil {
			return fmt.Errorf("ledger: begin: %w", err)
		}
		if err := fn(ctx, tx); err != nil {
			if rbErr := tx.Rollback(); rbErr != nil {
				return errors.Join(err, fmt.Errorf("ledger: roll back: %w", rbErr))
			}
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("ledger: commit: %w", err)
		}
		return nil
	})
}
