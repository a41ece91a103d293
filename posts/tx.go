package posts

import (
	"context"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/models"
)

// maxTxAttempts bounds how often a transaction the database aborted to
// break a deadlock is run again.
const maxTxAttempts = 3

// inTx runs fn in one transaction on o, again when the database chose it as
// a deadlock victim (rare: writers of one post queue on its row lock).
func inTx(ctx context.Context, o orm.Ormer, fn func(ctx context.Context, tx orm.TxOrmer) error) error {
	for attempt := 1; ; attempt++ {
		err := o.DoTxWithCtx(ctx, fn)
		if err == nil || attempt == maxTxAttempts || !models.IsRetryable(err) {
			return err
		}
	}
}
