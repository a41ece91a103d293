// Command ledger measures transfers per second on MariaDB/MySQL: the ledger
// package (Beego ORM, retries, idempotency-ready code path) next to the same
// transaction's raw SQL driven by a bare database/sql loop, in one run, on
// one fresh database, with the same clients and accounts.
//
//	MYSQL_HOST=127.0.0.1 MYSQL_USER=inkwell MYSQL_PASSWORD=inkwell \
//	  go run ./bench/ledger -duration 10s -clients 32 -accounts 10,10000
//
// Scenarios: "hot" (few accounts, every transfer contends) and "cold"
// (many accounts, little contention). -naive adds a bare loop that locks
// the sender first instead of the lower id, to show the deadlocks ordered
// locking avoids; -points measures minting (publish/like points), which
// serialises on the one mint account. Figures go into docs/ledger.md, never into assertions.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	mrand "math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/go-sql-driver/mysql"

	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/models"
)

// startBalance is large enough that no transfer of 1 ever lacks funds, so
// both loops do the same full transaction every time.
const startBalance = 1_000_000_000

func main() {
	duration := flag.Duration("duration", 10*time.Second, "how long each loop runs")
	clients := flag.Int("clients", 32, "concurrent clients")
	sizes := flag.String("accounts", "10,10000", "comma-separated account counts, one scenario each")
	naive := flag.Bool("naive", false, "also run a bare loop that locks the sender first (deadlock-prone)")
	rounds := flag.Int("rounds", 5, "slices each loop's time is split into, alternating bare and ledger")
	points := flag.Bool("points", false, "also run points actions' minting (ledger.Earn), which all lock the one mint account")
	flag.Parse()

	ctx := context.Background()
	db, drop, err := freshDatabase(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer drop()

	fmt.Printf("machine: %s/%s, %d CPUs; clients %d; %s per loop\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), *clients, *duration)
	var version string
	_ = db.SQL.QueryRow("SELECT VERSION()").Scan(&version)
	fmt.Printf("database: %s\n\n", version)
	fmt.Printf("%-8s %-26s %10s %12s %9s %7s\n", "accounts", "loop", "transfers", "transfers/s", "retried", "failed")
	fmt.Println("(retried: transactions run again after a deadlock or lock-wait timeout; failed: errors a client would see)")

	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 2 {
			panic(fmt.Sprintf("bad -accounts entry %q", s)) // not log.Fatal: the deferred drop must run
		}
		ids, users, err := openAccounts(ctx, db, n)
		if err != nil {
			panic(err) // not log.Fatal: the deferred drop must run
		}
		// The loops take turns in short slices, so background load on a
		// shared machine falls on both alike rather than on whichever ran second.
		var bare, led result
		retriesBefore := models.TxRetries()
		o := db.Orm()
		slice := *duration / time.Duration(*rounds)
		for range *rounds {
			bare.add(run(*clients, slice, func(rng *mrand.Rand) (int, error) {
				from, to := pick(rng, ids)
				return bareTransfer(ctx, db.SQL, from, to, true)
			}))
			led.add(run(*clients, slice, func(rng *mrand.Rand) (int, error) {
				from, to := pick(rng, ids)
				_, _, err := ledger.Move(ctx, o, ledger.Movement{FromAccountID: from, ToAccountID: to, Amount: 1, Kind: ledger.KindTransfer})
				return 0, err
			}))
		}
		fmt.Printf("%-8d %-26s %10d %12.0f %9d %7d\n", n, "bare database/sql", bare.done, bare.rate(), bare.retried, bare.failed)
		fmt.Printf("%-8d %-26s %10d %12.0f %9d %7d   ratio %.0f%%\n", n, "ledger.Move (Beego ORM)", led.done, led.rate(),
			models.TxRetries()-retriesBefore, led.failed, 100*led.rate()/bare.rate())
		if led.failed > 0 || bare.failed > 0 {
			fmt.Printf("%-8d FAILED transfers: ledger %d, bare %d (first: %v / %v)\n", n, led.failed, bare.failed, led.firstErr, bare.firstErr)
		}
		if *points {
			pr := run(*clients, *duration, func(rng *mrand.Rand) (int, error) {
				user := users[ids[rng.IntN(len(ids))]]
				return 0, models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
					return ledger.Earn(ctx, tx, user, 1, "bench")
				})
			})
			fmt.Printf("%-8d %-26s %10d %12.0f %9s %7d\n", n, "ledger.Earn (mint → user)", pr.done, pr.rate(), "-", pr.failed)
		}
		if *naive {
			nv := run(*clients, *duration, func(rng *mrand.Rand) (int, error) {
				from, to := pick(rng, ids)
				return bareTransfer(ctx, db.SQL, from, to, false)
			})
			fmt.Printf("%-8d %-26s %10d %12.0f %9d %7d\n", n, "bare, sender locked first", nv.done, nv.rate(), nv.retried, nv.failed)
		}
	}
}

func pick(rng *mrand.Rand, ids []int64) (int64, int64) {
	from := ids[rng.IntN(len(ids))]
	to := ids[rng.IntN(len(ids))]
	for to == from {
		to = ids[rng.IntN(len(ids))]
	}
	return from, to
}

type result struct {
	done, failed, retried int64
	elapsed               time.Duration
	firstErr              error
}

func (r result) rate() float64 { return float64(r.done) / r.elapsed.Seconds() }

func (r *result) add(o result) {
	r.done += o.done
	r.failed += o.failed
	r.retried += o.retried
	r.elapsed += o.elapsed
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
}

// run drives fn from clients goroutines for d. fn reports how many
// deadlocks it retried through and whether the transfer finally failed.
func run(clients int, d time.Duration, fn func(*mrand.Rand) (int, error)) result {
	var (
		done, failed, deadlocks atomic.Int64
		firstErr                atomic.Value
		wg                      sync.WaitGroup
	)
	stop := time.Now().Add(d)
	start := time.Now()
	for c := range clients {
		rng := mrand.New(mrand.NewPCG(uint64(c), uint64(start.UnixNano())))
		wg.Go(func() {
			for time.Now().Before(stop) {
				dl, err := fn(rng)
				deadlocks.Add(int64(dl))
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	r := result{done: done.Load(), failed: failed.Load(), retried: deadlocks.Load(), elapsed: time.Since(start)}
	if e, ok := firstErr.Load().(error); ok {
		r.firstErr = e
	}
	return r
}

// bareTransfer is the ledger's transaction as plain SQL: lock both rows
// (lower id first when ordered, else sender first), conditional debit,
// credit, transfer row, two entries. A deadlock is retried until it
// succeeds; the count of deadlocks is returned.
func bareTransfer(ctx context.Context, db *sql.DB, from, to int64, ordered bool) (int, error) {
	deadlocks := 0
	for {
		err := bareOnce(ctx, db, from, to, ordered)
		var me *mysql.MySQLError
		if errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205) {
			deadlocks++
			continue
		}
		return deadlocks, err
	}
}

func bareOnce(ctx context.Context, db *sql.DB, from, to int64, ordered bool) error {
	const amount = 1
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // after a commit this is a no-op
	first, second := from, to
	if ordered && second < first {
		first, second = second, first
	}
	bal := map[int64]int64{}
	for _, id := range []int64{first, second} {
		var b int64
		if err := tx.QueryRowContext(ctx, "SELECT balance FROM accounts WHERE id = ? FOR UPDATE", id).Scan(&b); err != nil {
			return err
		}
		bal[id] = b
	}
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000000")
	res, err := tx.ExecContext(ctx, "UPDATE accounts SET balance = balance - ?, updated_at = ? WHERE id = ? AND (kind = ? OR balance >= ?)",
		amount, now, from, models.AccountMint, amount)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errors.New("insufficient funds")
	}
	if _, err := tx.ExecContext(ctx, "UPDATE accounts SET balance = balance + ?, updated_at = ? WHERE id = ?", amount, now, to); err != nil {
		return err
	}
	res, err = tx.ExecContext(ctx, `INSERT INTO transfers (from_account_id, to_account_id, amount, memo, kind,
		idempotency_key, request_hash, sender_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		from, to, amount, "", ledger.KindTransfer, nil, "", nil, now)
	if err != nil {
		return err
	}
	tid, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO entries (account_id, transfer_id, amount, balance_after, created_at)
		VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)`, from, tid, -amount, bal[from]-amount, now, to, tid, amount, bal[to]+amount, now); err != nil {
		return err
	}
	return tx.Commit()
}

// openAccounts creates n users with funded wallets (bulk SQL: setup is not
// measured) and returns the account ids and each account's user.
func openAccounts(ctx context.Context, db *database.DB, n int) ([]int64, map[int64]int64, error) {
	var base int64
	if err := db.SQL.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM users").Scan(&base); err != nil {
		return nil, nil, err
	}
	now := time.Now().UTC().Format("2006-01-02 15:04:05")
	const batch = 1000
	for i := 0; i < n; i += batch {
		var rows []string
		var args []any
		for j := i; j < min(i+batch, n); j++ {
			rows = append(rows, "(?, ?, ?, ?, ?)")
			args = append(args, "bench", fmt.Sprintf("b%d-%d", base, j), fmt.Sprintf("Bench %d", j), now, now)
		}
		if _, err := db.SQL.ExecContext(ctx, "INSERT INTO users (issuer, issuer_id, name, created_at, updated_at) VALUES "+strings.Join(rows, ","), args...); err != nil {
			return nil, nil, fmt.Errorf("bench: insert users: %w", err)
		}
	}
	// Funded straight in SQL, balanced by the mint, so the books still sum to zero.
	if _, err := db.SQL.ExecContext(ctx, `INSERT INTO accounts (user_id, kind, balance, created_at, updated_at)
		SELECT id, 'user', ?, created_at, created_at FROM users WHERE id > ?`, startBalance, base); err != nil {
		return nil, nil, fmt.Errorf("bench: open accounts: %w", err)
	}
	mintID, err := models.MintAccountID(ctx, db.Orm(), 0)
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.SQL.ExecContext(ctx, "UPDATE accounts SET balance = balance - ? WHERE id = ?", int64(n)*startBalance, mintID); err != nil {
		return nil, nil, err
	}
	rows, err := db.SQL.QueryContext(ctx, "SELECT a.id, a.user_id FROM accounts a JOIN users u ON u.id = a.user_id WHERE u.id > ? ORDER BY a.id", base)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ids []int64
	users := map[int64]int64{}
	for rows.Next() {
		var id, user int64
		if err := rows.Scan(&id, &user); err != nil {
			return nil, nil, err
		}
		ids = append(ids, id)
		users[id] = user
	}
	return ids, users, rows.Err()
}

// freshDatabase creates and migrates a throwaway database named
// inkwell_bench_<random> from MYSQL_* and returns a func that drops it.
func freshDatabase(ctx context.Context) (*database.DB, func(), error) {
	port, _ := strconv.Atoi(os.Getenv("MYSQL_PORT"))
	if port == 0 {
		port = 3306
	}
	if os.Getenv("MYSQL_HOST") == "" {
		return nil, nil, errors.New("set MYSQL_HOST, MYSQL_USER, MYSQL_PASSWORD (and MYSQL_PORT) to a MariaDB/MySQL that lets you CREATE DATABASE")
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	m := config.MySQL{Host: os.Getenv("MYSQL_HOST"), Port: port, User: os.Getenv("MYSQL_USER"), Password: os.Getenv("MYSQL_PASSWORD")}
	admin, err := sql.Open("mysql", database.MySQLDSN(m))
	if err != nil {
		return nil, nil, err
	}
	m.Database = "inkwell_bench_" + hex.EncodeToString(suffix[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+m.Database+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return nil, nil, fmt.Errorf("bench: create database: %w", err)
	}
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+m.Database)
		admin.Close()
	}
	db, err := database.Open(ctx, config.Config{DBDriver: "mysql", MySQL: m}, "bench")
	if err != nil {
		drop()
		return nil, nil, err
	}
	if _, err := (&schema.Runner{DB: db.SQL, Dialect: db.Dialect}).Up(ctx); err != nil {
		drop()
		return nil, nil, err
	}
	return db, func() { db.Close(); drop() }, nil
}
