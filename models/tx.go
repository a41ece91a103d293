package models

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// MaxTxAttempts bounds how often one transaction runs: the first try plus
// retries after the database aborted it to break a deadlock or a lock wait.
const MaxTxAttempts = 5

// Backoff before retry n is drawn uniformly from [0, baseBackoff·2ⁿ⁻¹],
// capped at maxBackoff: the jitter spreads out transactions that collided
// so they do not collide again in lockstep.
const (
	baseBackoff = 2 * time.Millisecond
	maxBackoff  = 50 * time.Millisecond
)

var retries, exhausted atomic.Int64

// TxRetries is how many times work was run again after a deadlock,
// lock-wait timeout or busy database since the process started.
func TxRetries() int64 { return retries.Load() }

// TxRetriesExhausted is how often work still failed after MaxTxAttempts.
func TxRetriesExhausted() int64 { return exhausted.Load() }

// Retry runs fn, again after a retryable failure (IsRetryable), at most
// MaxTxAttempts times, with jittered backoff.
func Retry(ctx context.Context, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !IsRetryable(err) {
			return err
		}
		if attempt == MaxTxAttempts {
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
// (Retry) when the database aborts it to break a deadlock or a lock wait.
// Beego's DoTx only logs a failed commit and reports success; here a failed
// commit is an error, so nothing is reported done that was not.
func InTx(ctx context.Context, o orm.Ormer, fn func(ctx context.Context, tx orm.TxOrmer) error) error {
	return Retry(ctx, func() error {
		tx, err := o.BeginWithCtx(ctx)
		if err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		defer func() {
			// A panic must not leave the transaction (and its locks) open.
			if p := recover(); p != nil {
				_ = tx.Rollback()
				panic(p)
			}
		}()
		if err := fn(ctx, tx); err != nil {
			if rbErr := tx.Rollback(); rbErr != nil {
				return errors.Join(err, fmt.Errorf("roll back: %w", rbErr))
			}
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit transaction: %w", err)
		}
		return nil
	})
}
