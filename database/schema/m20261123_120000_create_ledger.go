package schema

import "strings"

// The kudos ledger (issue 8): double-entry accounts, transfers and entries.
//
//   - accounts: one per user (user_id unique) plus the system mint account
//     (user_id NULL, kind 'mint'), the source of every point. Only the mint
//     may go negative; its balance is minus the sum of all others, so the
//     books always sum to zero. The CHECK is the last line of defence behind
//     the ledger's conditional debit.
//   - transfers: one row per movement. The idempotency key is unique per
//     sending account, so a retried request cannot debit twice even when two
//     copies race (the loser's insert fails on ux_transfers_idempotency).
//   - entries: two per transfer (debit negative, credit positive), each with
//     the account's balance right after it; ix_entries_account (account_id,
//     id) serves a wallet's history newest first with keyset pagination.
//
// The mint is 16 shard accounts (kind 'mint', no owner), created here so
// they have the lowest ids: transfers lock accounts in ascending id order,
// so a points action always locks its mint shard first. Every publication
// and like mints points; with one mint row they would all queue on its lock
// until commit, so a user's points come from shard user_id mod 16
// (models.MintShards) and unrelated actions rarely wait for each other.
func init() {
	register(Migration{
		Name: "CreateLedger_20261123_120000",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE accounts (
					id {{pk}},
					user_id BIGINT NULL,
					kind VARCHAR(16) NOT NULL,
					balance BIGINT NOT NULL DEFAULT 0,
					created_at {{datetime}} NOT NULL,
					updated_at {{datetime}} NOT NULL,
					CONSTRAINT ck_accounts_kind CHECK (kind IN ('user', 'mint')),
					CONSTRAINT ck_accounts_balance CHECK (kind = 'mint' OR balance >= 0),
					CONSTRAINT ck_accounts_owner CHECK ((kind = 'mint') = (user_id IS NULL)),
					CONSTRAINT fk_accounts_user FOREIGN KEY (user_id) REFERENCES users (id)
				){{table}}`,
				`CREATE UNIQUE INDEX ux_accounts_user ON accounts (user_id)`,
				`CREATE TABLE transfers (
					id {{pk}},
					from_account_id BIGINT NOT NULL,
					to_account_id BIGINT NOT NULL,
					amount BIGINT NOT NULL,
					memo VARCHAR(280) NOT NULL DEFAULT '',
					kind VARCHAR(16) NOT NULL,
					idempotency_key VARCHAR(100) NULL,
					request_hash VARCHAR(64) NOT NULL DEFAULT '',
					sender_user_id BIGINT NULL,
					created_at {{datetime}} NOT NULL,
					CONSTRAINT ck_transfers_amount CHECK (amount > 0),
					CONSTRAINT ck_transfers_parties CHECK (from_account_id <> to_account_id),
					CONSTRAINT fk_transfers_from FOREIGN KEY (from_account_id) REFERENCES accounts (id),
					CONSTRAINT fk_transfers_to FOREIGN KEY (to_account_id) REFERENCES accounts (id)
				){{table}}`,
				`CREATE UNIQUE INDEX ux_transfers_idempotency ON transfers (from_account_id, idempotency_key)`,
				`CREATE INDEX ix_transfers_to ON transfers (to_account_id)`,
				`CREATE TABLE entries (
					id {{pk}},
					account_id BIGINT NOT NULL,
					transfer_id BIGINT NOT NULL,
					amount BIGINT NOT NULL,
					balance_after BIGINT NOT NULL,
					created_at {{datetime}} NOT NULL,
					CONSTRAINT fk_entries_account FOREIGN KEY (account_id) REFERENCES accounts (id),
					CONSTRAINT fk_entries_transfer FOREIGN KEY (transfer_id) REFERENCES transfers (id)
				){{table}}`,
				`CREATE INDEX ix_entries_account ON entries (account_id, id)`,
				`CREATE INDEX ix_entries_transfer ON entries (transfer_id)`,
				`INSERT INTO accounts (user_id, kind, balance, created_at, updated_at) VALUES ` + mintShardRows(16),
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE entries`, `DROP TABLE transfers`, `DROP TABLE accounts`}
		},
	})
}

// mintShardRows is the VALUES list of n empty mint accounts.
func mintShardRows(n int) string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = "(NULL, 'mint', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
	}
	return strings.Join(rows, ", ")
}
