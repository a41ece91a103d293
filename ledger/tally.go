package ledger

import (
	"sync/atomic"

	"inkwell/apperror"
)

// Transfer outcomes counted since the process started, read by the
// metrics registry at each scrape (inkwell_ledger_transfers_total and
// inkwell_ledger_transfers_refused_total) as models.TxRetries is: the
// ledger itself knows nothing of Prometheus.

// TransferResults are the outcomes Transfers counts: a transfer made, or
// a request answered with an earlier transfer (same idempotency key).
var TransferResults = []string{"made", "replayed"}

// RefusalReasons are the error codes Refusals counts: the refusals a
// sender can cause (the rest are failures, visible as 5xx).
var RefusalReasons = []string{apperror.CodeInsufficientFunds, apperror.CodeValidation, apperror.CodeNotFound, apperror.CodeConflict}

var (
	made, replayed atomic.Int64
	refused        [4]atomic.Int64 // by RefusalReasons' index
)

// Transfers returns how many user transfers ended with result.
func Transfers(result string) int64 {
	switch result {
	case "made":
		return made.Load()
	case "replayed":
		return replayed.Load()
	}
	return 0
}

// Refusals returns how many user transfers were refused with reason (an
// apperror code from RefusalReasons).
func Refusals(reason string) int64 {
	for i, r := range RefusalReasons {
		if r == reason {
			return refused[i].Load()
		}
	}
	return 0
}

// countSend tallies the outcome of one Send.
func countSend(replay bool, err error) {
	switch {
	case err == nil && replay:
		replayed.Add(1)
	case err == nil:
		made.Add(1)
	default:
		if e, ok := apperror.As(err); ok {
			for i, r := range RefusalReasons {
				if r == e.Code {
					refused[i].Add(1)
				}
			}
		}
	}
}
