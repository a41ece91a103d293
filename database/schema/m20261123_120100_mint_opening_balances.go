package schema

// Migrate step of the points → ledger move (expand: CreateLedger; contract:
// DropUserPoints): every user gets a wallet, and their phase-1 users.points
// become an "opening" transfer from the mint, with its two entries, so the
// books balance from the first day. Pure SQL, so `bee migrate` and
// `inkwell migrate` do the same thing.
//
// All opening points come from the first mint shard. The opening transfers carry the idempotency key opening:<user id> under the
// mint, so applying this twice fails on the unique key instead of paying twice.
// Entries are written before the balances move, from the balances as they
// were; the mint's entries keep a running balance in transfer order.
//
// Down takes the opening points back. It refuses (the balance CHECK fails and
// nothing changes) once someone has spent them; wallets it opened stay, empty.
func init() {
	register(Migration{
		Name: "MintOpeningBalances_20261123_120100",
		Data: true,
		Up: func(d Dialect) []string {
			key := "'opening:' || u.id"
			if d == MySQL {
				key = "CONCAT('opening:', u.id)"
			}
			return []string{
				`INSERT INTO accounts (user_id, kind, balance, created_at, updated_at)
					SELECT u.id, 'user', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM users u
					WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.user_id = u.id)
					ORDER BY u.id`,
				`INSERT INTO transfers (from_account_id, to_account_id, amount, memo, kind, idempotency_key, request_hash, sender_user_id, created_at)
					SELECT m.id, a.id, u.points, 'opening balance: points earned before the ledger', 'opening', ` + key + `, '', NULL, CURRENT_TIMESTAMP
					FROM users u JOIN accounts a ON a.user_id = u.id
					JOIN accounts m ON m.id = (SELECT MIN(id) FROM accounts WHERE kind = 'mint')
					WHERE u.points > 0
					ORDER BY u.id`,
				`INSERT INTO entries (account_id, transfer_id, amount, balance_after, created_at)
					SELECT t.to_account_id, t.id, t.amount, a.balance + t.amount, t.created_at
					FROM transfers t JOIN accounts a ON a.id = t.to_account_id
					WHERE t.kind = 'opening'
					ORDER BY t.id`,
				`INSERT INTO entries (account_id, transfer_id, amount, balance_after, created_at)
					SELECT t.from_account_id, t.id, -t.amount, m.balance - SUM(t.amount) OVER (ORDER BY t.id), t.created_at
					FROM transfers t JOIN accounts m ON m.id = t.from_account_id
					WHERE t.kind = 'opening'
					ORDER BY t.id`,
				`UPDATE accounts SET balance = balance + (SELECT t.amount FROM transfers t WHERE t.to_account_id = accounts.id AND t.kind = 'opening')
					WHERE kind = 'user' AND EXISTS (SELECT 1 FROM transfers t WHERE t.to_account_id = accounts.id AND t.kind = 'opening')`,
				`UPDATE accounts SET balance = balance - (SELECT SUM(t.amount) FROM transfers t WHERE t.from_account_id = accounts.id AND t.kind = 'opening')
					WHERE kind = 'mint' AND EXISTS (SELECT 1 FROM transfers t WHERE t.from_account_id = accounts.id AND t.kind = 'opening')`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{
				// First, so a refusal (opening points already spent) changes nothing.
				`UPDATE accounts SET balance = balance - (SELECT t.amount FROM transfers t WHERE t.to_account_id = accounts.id AND t.kind = 'opening')
					WHERE kind = 'user' AND EXISTS (SELECT 1 FROM transfers t WHERE t.to_account_id = accounts.id AND t.kind = 'opening')`,
				`UPDATE accounts SET balance = balance + (SELECT SUM(t.amount) FROM transfers t WHERE t.from_account_id = accounts.id AND t.kind = 'opening')
					WHERE kind = 'mint' AND EXISTS (SELECT 1 FROM transfers t WHERE t.from_account_id = accounts.id AND t.kind = 'opening')`,
				`DELETE FROM entries WHERE transfer_id IN (SELECT t.id FROM transfers t WHERE t.kind = 'opening')`,
				`DELETE FROM transfers WHERE kind = 'opening'`,
			}
		},
	})
}
