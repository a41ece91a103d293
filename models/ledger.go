package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// Account kinds: a user's wallet, or the system mint every point comes from.
const (
	AccountUser = "user"
	AccountMint = "mint"
)

// Account is a ledger account. UserID is nil for the mint.
type Account struct {
	ID        int64     `orm:"column(id)"`
	UserID    *int64    `orm:"column(user_id)"`
	Kind      string    `orm:"column(kind)"`
	Balance   int64     `orm:"column(balance)"`
	CreatedAt time.Time `orm:"column(created_at)"`
}

// Transfer is one movement of points between two accounts.
type Transfer struct {
	ID            int64  `orm:"column(id)"`
	FromAccountID int64  `orm:"column(from_account_id)"`
	ToAccountID   int64  `orm:"column(to_account_id)"`
	FromUserID    *int64 `orm:"column(from_user_id)"` // the accounts' owners, nil for the mint
	ToUserID      *int64 `orm:"column(to_user_id)"`
	Amount        int64  `orm:"column(amount)"`
	Memo          string `orm:"column(memo)"`
	Kind          string `orm:"column(kind)"`
	// IdempotencyKey is nil for transfers sent without one.
	IdempotencyKey *string   `orm:"column(idempotency_key)"`
	RequestHash    string    `orm:"column(request_hash)"`
	SenderUserID   *int64    `orm:"column(sender_user_id)"`
	CreatedAt      time.Time `orm:"column(created_at)"`
}

// Entry is one side of a transfer on one account, with the account's
// balance right after it and, for history, the other side's owner.
type Entry struct {
	ID            int64     `orm:"column(id)"`
	AccountID     int64     `orm:"column(account_id)"`
	TransferID    int64     `orm:"column(transfer_id)"`
	Amount        int64     `orm:"column(amount)"`
	BalanceAfter  int64     `orm:"column(balance_after)"`
	CreatedAt     time.Time `orm:"column(created_at)"`
	Memo          string    `orm:"column(memo)"`
	TransferKind  string    `orm:"column(transfer_kind)"`
	OtherAccount  int64     `orm:"column(other_account_id)"`
	OtherUserID   *int64    `orm:"column(other_user_id)"`
	OtherUserName string    `orm:"column(other_user_name)"`
}

// ledgerTime renders t the way both drivers store DATETIME columns.
func ledgerTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000") }

// nullable turns a nil pointer into SQL NULL (Beego's argument flattening
// cannot take typed nil pointers) and any other into its value.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// forUpdate is the row-lock clause: MySQL needs it; SQLite's immediate write
// transaction already holds the database's only write lock, so it has none.
func forUpdate(q orm.QueryExecutor) string {
	if q.Driver().Type() == orm.DRMySQL {
		return " FOR UPDATE"
	}
	return ""
}

// MintShards is how many mint accounts the ledger migration creates.
const MintShards = 16

// MintAccountID finds the mint shard that pays userID's points (user_id mod
// MintShards; any user id works, 0 names the first shard). The shards are
// the first accounts by id, so the scan stops within MintShards rows.
func MintAccountID(ctx context.Context, q orm.QueryExecutor, userID int64) (int64, error) {
	var id int64
	err := q.RawWithCtx(ctx, "SELECT id FROM accounts WHERE kind = ? ORDER BY id LIMIT 1 OFFSET ?",
		AccountMint, userID%MintShards).QueryRow(&id)
	if errors.Is(err, orm.ErrNoRows) {
		return 0, fmt.Errorf("ledger: the mint account is missing (was the ledger migration applied?): %w", ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("ledger: find the mint account: %w", err)
	}
	return id, nil
}

// AccountByUser loads the wallet of userID, or ErrNotFound.
func AccountByUser(ctx context.Context, q orm.QueryExecutor, userID int64) (*Account, error) {
	a, err := scanAccount(q.RawWithCtx(ctx,
		"SELECT id, user_id, kind, balance, created_at FROM accounts WHERE user_id = ?", userID))
	if err != nil {
		return nil, fmt.Errorf("ledger: load account of user %d: %w", userID, err)
	}
	return a, nil
}

func scanAccount(rs orm.RawSeter) (*Account, error) {
	var a Account
	if err := rs.QueryRow(&a); errors.Is(err, orm.ErrNoRows) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, err
	}
	return &a, nil
}

// InsertUserAccount opens userID's wallet with a zero balance. The unique
// user_id index makes a concurrent second insert fail (IsDuplicate).
func InsertUserAccount(ctx context.Context, q orm.QueryExecutor, userID int64, at time.Time) (int64, error) {
	res, err := q.RawWithCtx(ctx,
		"INSERT INTO accounts (user_id, kind, balance, created_at, updated_at) VALUES (?, ?, 0, ?, ?)",
		userID, AccountUser, ledgerTime(at), ledgerTime(at)).Exec()
	if err != nil {
		return 0, fmt.Errorf("ledger: open account of user %d: %w", userID, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("ledger: id of user %d's new account: %w", userID, err)
	}
	return id, nil
}

// LockAccount takes account id's row lock for the rest of the transaction
// and returns its balance, which no one else can change until then.
func LockAccount(ctx context.Context, q orm.QueryExecutor, id int64) (int64, error) {
	var balance int64
	err := q.RawWithCtx(ctx, "SELECT balance FROM accounts WHERE id = ?"+forUpdate(q), id).QueryRow(&balance)
	if errors.Is(err, orm.ErrNoRows) {
		return 0, fmt.Errorf("ledger: lock account %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("ledger: lock account %d: %w", id, err)
	}
	return balance, nil
}

// DebitAccount takes amount from account id only if that leaves it
// non-negative (the mint excepted) — one atomic conditional update, never
// read-modify-write. It reports whether the debit happened.
func DebitAccount(ctx context.Context, q orm.QueryExecutor, id, amount int64, at time.Time) (bool, error) {
	res, err := q.RawWithCtx(ctx,
		"UPDATE accounts SET balance = balance - ?, updated_at = ? WHERE id = ? AND (kind = ? OR balance >= ?)",
		amount, ledgerTime(at), id, AccountMint, amount).Exec()
	if err != nil {
		return false, fmt.Errorf("ledger: debit %d from account %d: %w", amount, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("ledger: debit %d from account %d: rows affected: %w", amount, id, err)
	}
	return n == 1, nil
}

// CreditAccount adds amount to account id.
func CreditAccount(ctx context.Context, q orm.QueryExecutor, id, amount int64, at time.Time) error {
	res, err := q.RawWithCtx(ctx, "UPDATE accounts SET balance = balance + ?, updated_at = ? WHERE id = ?",
		amount, ledgerTime(at), id).Exec()
	if err != nil {
		return fmt.Errorf("ledger: credit %d to account %d: %w", amount, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("ledger: credit %d to account %d: %w", amount, id, err)
	}
	if n != 1 {
		return fmt.Errorf("ledger: credit %d to account %d: %d rows changed: %w", amount, id, n, ErrNotFound)
	}
	return nil
}

// InsertTransfer stores t and sets its id. A second transfer with the same
// sending account and idempotency key fails with a duplicate error.
func InsertTransfer(ctx context.Context, q orm.QueryExecutor, t *Transfer) error {
	res, err := q.RawWithCtx(ctx, `INSERT INTO transfers (from_account_id, to_account_id, amount, memo, kind,
		idempotency_key, request_hash, sender_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.FromAccountID, t.ToAccountID, t.Amount, t.Memo, t.Kind, nullable(t.IdempotencyKey), t.RequestHash,
		nullable(t.SenderUserID), ledgerTime(t.CreatedAt)).Exec()
	if err != nil {
		return fmt.Errorf("ledger: insert transfer %d→%d: %w", t.FromAccountID, t.ToAccountID, err)
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("ledger: id of transfer %d→%d: %w", t.FromAccountID, t.ToAccountID, err)
	}
	return nil
}

// InsertEntries stores a transfer's debit and credit entries in one statement.
func InsertEntries(ctx context.Context, q orm.QueryExecutor, transferID int64, debit, credit Entry, at time.Time) error {
	ts := ledgerTime(at)
	_, err := q.RawWithCtx(ctx, `INSERT INTO entries (account_id, transfer_id, amount, balance_after, created_at)
		VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)`,
		debit.AccountID, transferID, debit.Amount, debit.BalanceAfter, ts,
		credit.AccountID, transferID, credit.Amount, credit.BalanceAfter, ts).Exec()
	if err != nil {
		return fmt.Errorf("ledger: insert entries of transfer %d: %w", transferID, err)
	}
	return nil
}

const transferColumns = `t.id, t.from_account_id, t.to_account_id, fa.user_id AS from_user_id, ta.user_id AS to_user_id, t.amount, t.memo, t.kind,
	t.idempotency_key, t.request_hash, t.sender_user_id, t.created_at`

const transferFrom = ` FROM transfers t JOIN accounts fa ON fa.id = t.from_account_id JOIN accounts ta ON ta.id = t.to_account_id`

func scanTransfer(rs orm.RawSeter) (*Transfer, error) {
	var t Transfer
	if err := rs.QueryRow(&t); errors.Is(err, orm.ErrNoRows) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, err
	}
	return &t, nil
}

// TransferByID loads one transfer with its parties' owners, or ErrNotFound.
func TransferByID(ctx context.Context, q orm.QueryExecutor, id int64) (*Transfer, error) {
	t, err := scanTransfer(q.RawWithCtx(ctx, "SELECT "+transferColumns+transferFrom+" WHERE t.id = ?", id))
	if err != nil {
		return nil, fmt.Errorf("ledger: load transfer %d: %w", id, err)
	}
	return t, nil
}

// TransferByKey finds the transfer fromAccount sent under an idempotency
// key, or ErrNotFound.
func TransferByKey(ctx context.Context, q orm.QueryExecutor, fromAccount int64, key string) (*Transfer, error) {
	t, err := scanTransfer(q.RawWithCtx(ctx, "SELECT "+transferColumns+transferFrom+
		" WHERE t.from_account_id = ? AND t.idempotency_key = ?", fromAccount, key))
	if err != nil {
		return nil, fmt.Errorf("ledger: find transfer of account %d with key %q: %w", fromAccount, key, err)
	}
	return t, nil
}

// EntriesPage lists account's entries newest first, those with an id below
// beforeID (0: from the newest), at most limit of them: a keyset range scan
// of ix_entries_account.
func EntriesPage(ctx context.Context, q orm.QueryExecutor, account, beforeID int64, limit int) ([]Entry, error) {
	query := `SELECT e.id, e.account_id, e.transfer_id, e.amount, e.balance_after, e.created_at, t.memo,
			t.kind AS transfer_kind, oa.id AS other_account_id, oa.user_id AS other_user_id,
			COALESCE(u.name, '') AS other_user_name
		FROM entries e
		JOIN transfers t ON t.id = e.transfer_id
		JOIN accounts oa ON oa.id = CASE WHEN t.from_account_id = e.account_id THEN t.to_account_id ELSE t.from_account_id END
		LEFT JOIN users u ON u.id = oa.user_id
		WHERE e.account_id = ?`
	args := []any{account}
	if beforeID > 0 {
		query += " AND e.id < ?"
		args = append(args, beforeID)
	}
	query += " ORDER BY e.id DESC LIMIT ?"
	args = append(args, limit)

	var out []Entry
	if _, err := q.RawWithCtx(ctx, query, args...).QueryRows(&out); err != nil {
		return nil, fmt.Errorf("ledger: entries of account %d before %d: %w", account, beforeID, err)
	}
	return out, nil
}

// LockAccountOfUser takes the row lock of userID's account and returns its
// id, reading the latest committed row whatever the transaction's snapshot.
func LockAccountOfUser(ctx context.Context, q orm.QueryExecutor, userID int64) (int64, error) {
	var id int64
	err := q.RawWithCtx(ctx, "SELECT id FROM accounts WHERE user_id = ?"+forUpdate(q), userID).QueryRow(&id)
	if errors.Is(err, orm.ErrNoRows) {
		return 0, fmt.Errorf("ledger: lock account of user %d: %w", userID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("ledger: lock account of user %d: %w", userID, err)
	}
	return id, nil
}

// BalanceOfUser is userID's balance, 0 when they have no account yet.
func BalanceOfUser(ctx context.Context, q orm.QueryExecutor, userID int64) (int64, error) {
	var b int64
	err := q.RawWithCtx(ctx, "SELECT balance FROM accounts WHERE user_id = ?", userID).QueryRow(&b)
	if errors.Is(err, orm.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("ledger: balance of user %d: %w", userID, err)
	}
	return b, nil
}
