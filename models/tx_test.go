package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"

	"inkwell/models"
)

// The retry policy itself, given the errors MySQL reports; the deadlock
// tests against MariaDB show that ordered locking leaves nothing to retry.
func TestRetry_RetriesOnlyWhatRunningAgainCanFix(t *testing.T) {
	deadlock := &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}
	lockWait := &mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}
	duplicate := &mysql.MySQLError{Number: 1062, Message: "Duplicate entry"}
	cases := []struct {
		name      string
		failures  []error
		wantCalls int
		wantErr   error
		retried   int64
	}{
		{"deadlock then success", []error{deadlock}, 2, nil, 1},
		{"lock wait then deadlock then success", []error{lockWait, deadlock}, 3, nil, 2},
		{"not retryable", []error{duplicate}, 1, duplicate, 0},
		{"gives up after MaxTxAttempts", []error{deadlock, deadlock, deadlock, deadlock, deadlock, deadlock}, models.MaxTxAttempts, deadlock, models.MaxTxAttempts - 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, exhaustedBefore := models.TxRetries(), models.TxRetriesExhausted()
			calls := 0
			err := models.Retry(context.Background(), func() error {
				calls++
				if calls <= len(tc.failures) {
					return tc.failures[calls-1]
				}
				return nil
			})
			assert.Equal(t, tc.wantCalls, calls)
			if tc.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.True(t, errors.Is(err, tc.wantErr), "%v", err)
			}
			assert.Equal(t, tc.retried, models.TxRetries()-before)
			gaveUp := int64(0)
			if tc.wantCalls == models.MaxTxAttempts && tc.wantErr != nil {
				gaveUp = 1
			}
			assert.Equal(t, gaveUp, models.TxRetriesExhausted()-exhaustedBefore)
		})
	}
}
