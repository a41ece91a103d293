package ledger_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/database/dbtest"
	"inkwell/ledger"
)

// The tallies behind the ledger metrics count each Send by outcome. Not
// parallel: the tallies are the process's, and parallel tests start only
// after this one has finished.
func TestSend_TalliesOutcomes(t *testing.T) {
	db := dbtest.Open(t, "sqlite", true)
	o := db.Orm()
	ctx := context.Background()
	alice, aliceAcct := newUserWithWallet(t, o)
	bob, _ := newUserWithWallet(t, o)
	mint(t, o, aliceAcct, 10)

	before := map[string]int64{}
	for _, r := range ledger.TransferResults {
		before[r] = ledger.Transfers(r)
	}
	for _, r := range ledger.RefusalReasons {
		before[r] = ledger.Refusals(r)
	}

	send := func(r ledger.SendRequest) {
		_, _, _ = ledger.Send(ctx, o, r)
	}
	send(ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 3, IdempotencyKey: "k1"})
	send(ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 3, IdempotencyKey: "k1"}) // replay
	send(ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 4, IdempotencyKey: "k1"}) // key reused: conflict
	send(ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 1})
	send(ledger.SendRequest{FromUserID: alice, ToUserID: bob, Amount: 100}) // balance too low
	send(ledger.SendRequest{FromUserID: alice, ToUserID: alice, Amount: 1}) // invalid
	send(ledger.SendRequest{FromUserID: alice, ToUserID: bob + 1000, Amount: 1})

	delta := func(got int64, key string) int64 { return got - before[key] }
	assert.EqualValues(t, 2, delta(ledger.Transfers("made"), "made"))
	assert.EqualValues(t, 1, delta(ledger.Transfers("replayed"), "replayed"))
	for reason, want := range map[string]int64{apperror.CodeConflict: 1, apperror.CodeInsufficientFunds: 1,
		apperror.CodeValidation: 1, apperror.CodeNotFound: 1} {
		assert.EqualValues(t, want, delta(ledger.Refusals(reason), reason), reason)
	}
	require.Len(t, ledger.RefusalReasons, 4)
}
