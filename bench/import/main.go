// Command import benchmarks `inkwell import` on MariaDB (issue 9), in one run:
//
//	MYSQL_HOST=127.0.0.1 MYSQL_USER=inkwell MYSQL_PASSWORD=inkwell \
//	  go run ./bench/import -records 1000000 -files 8
//
// It writes the records (~500 bytes each) as JSON Lines, builds the binary,
// and measures, each in a fresh process with its peak RSS and CPU time from
// rusage, plus the CPU time of a local mariadbd over the run (each run
// starts once the server has gone quiet):
//
//  1. first import into an empty, migrated database;
//  2. the same files again (every record unchanged);
//  3. the files with 1% of the records changed;
//  4. the yardstick: the same rows written by a bare database/sql multi-row
//     upsert into posts (no JSON decoding, no hashing, no rendering, no tags,
//     same batch size and concurrency) into a second fresh database.
//
// Both databases are dropped at the end.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
)

var (
	records = flag.Int("records", 1_000_000, "records to generate")
	files   = flag.Int("files", 8, "files to spread them over")
	workers = flag.Int("workers", 4, "import workers (and bare upsert goroutines)")
	batch   = flag.Int("batch", 1000, "records per batch")
	mode    = flag.String("mode", "bench", "bench, or bare (internal: the yardstick's own process)")
)

const lorem = "Lorem ipsum dolor sit amet, *consectetur* adipiscing elit. Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. " +
	"Duis aute irure dolor in [reprehenderit](https://example.com/r) in voluptate velit esse."

// rec is one generated record; version > 0 marks a changed one.
func rec(i, version int) map[string]any {
	body := fmt.Sprintf("## Entry %d\n\n%s", i, lorem)
	if version > 0 {
		body += fmt.Sprintf(" Edited %d.", version)
	}
	return map[string]any{
		"external_id": "bench-" + strconv.Itoa(i), "author_email": fmt.Sprintf("author%d@example.com", i%1000),
		"author_name": fmt.Sprintf("Author %d", i%1000), "title": fmt.Sprintf("Benchmark entry number %d", i),
		"body_markdown": body, "tags": []string{"bench", fmt.Sprintf("t%d", i%10)}, "status": "published",
		"published_at": time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
		"updated_at":   "2024-01-01T00:00:00Z",
	}
}

// generate writes the export into dir; every 100th record is changed when
// changed is set. It returns the bytes written.
func generate(dir string, changed bool) int64 {
	var total int64
	per := (*records + *files - 1) / *files
	for f := 0; f < *files; f++ {
		out, err := os.Create(filepath.Join(dir, fmt.Sprintf("part-%02d.jsonl", f)))
		must(err)
		w := bufio.NewWriterSize(out, 1<<20)
		enc := json.NewEncoder(w)
		for i := f * per; i < min((f+1)*per, *records); i++ {
			v := 0
			if changed && i%100 == 0 {
				v = 1
			}
			must(enc.Encode(rec(i, v)))
		}
		must(w.Flush())
		st, err := out.Stat()
		must(err)
		total += st.Size()
		must(out.Close())
	}
	return total
}

func mysqlConfig(db string) config.Config {
	port, _ := strconv.Atoi(os.Getenv("MYSQL_PORT"))
	if port == 0 {
		port = 3306
	}
	return config.Config{DBDriver: "mysql", MySQL: config.MySQL{User: os.Getenv("MYSQL_USER"), Password: os.Getenv("MYSQL_PASSWORD"),
		Host: os.Getenv("MYSQL_HOST"), Port: port, Database: db}}
}

// freshDatabase creates and migrates a database and returns its name and a
// function dropping it.
func freshDatabase(ctx context.Context) (string, func()) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "inkwell_bench_import_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("mysql", database.MySQLDSN(mysqlConfig("").MySQL))
	must(err)
	_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	must(err)
	db, err := database.Open(ctx, mysqlConfig(name), name)
	must(err)
	_, err = (&schema.Runner{DB: db.SQL, Dialect: db.Dialect}).Up(ctx)
	must(err)
	db.Close()
	return name, func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			log.Printf("drop %s: %v", name, err)
		}
		admin.Close()
	}
}

type measure struct {
	name    string
	rows    int
	elapsed time.Duration
	rssMB   float64
	// cpu is the process's user+system CPU time; dbCPU the database
	// server's over the same run (negative when it is not a local process).
	cpu, dbCPU time.Duration
	summary    string
}

// run executes a command and measures its wall time, peak RSS and CPU
// time, and the local database server's CPU time meanwhile: on a machine
// where both share the cores, their sum is what bounds the rate.
func run(name string, rows int, cmd *exec.Cmd) measure {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	waitForQuietServer()
	dbBefore := serverCPU()
	start := time.Now()
	if err := cmd.Run(); err != nil {
		panic(fmt.Sprintf("%s: %v\n%s", name, err, out.String()))
	}
	elapsed := time.Since(start)
	dbCPU := time.Duration(-1)
	if dbBefore >= 0 {
		dbCPU = serverCPU() - dbBefore
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
	return measure{name: name, rows: rows, elapsed: elapsed, rssMB: float64(ru.Maxrss) / 1024, cpu: cpu, dbCPU: dbCPU, summary: out.String()}
}

// serverCPU is the CPU time used so far by the one local mariadbd or
// mysqld process, or -1 when there is not exactly one (a remote server).
func serverCPU() time.Duration {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	found := time.Duration(-1)
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid … utime stime: fields 14 and 15.
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		if comm := s[open+1 : end]; comm != "mariadbd" && comm != "mysqld" {
			continue
		}
		if found >= 0 {
			return -1
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		found = time.Duration(utime+stime) * time.Second / clockTicks
	}
	return found
}

// waitForQuietServer waits (up to two minutes) until the local database
// server uses under 5% of a core, so one run's background work (flushing,
// purge after the previous run's writes, a dropped database) is not
// counted against the next.
func waitForQuietServer() {
	start := time.Now()
	for time.Since(start) < 2*time.Minute {
		before := serverCPU()
		if before < 0 {
			return
		}
		time.Sleep(time.Second)
		if serverCPU()-before < 50*time.Millisecond {
			break
		}
	}
	if waited := time.Since(start); waited > 1500*time.Millisecond {
		log.Printf("waited %s for the database server to go quiet", waited.Round(time.Second))
	}
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times on Linux.
const clockTicks = 100

func main() {
	// Failures panic (must) so that the deferred drops of the databases
	// still run; this reports the failure and sets the exit code last.
	defer func() {
		if r := recover(); r != nil {
			log.Printf("bench failed: %v", r)
			os.Exit(1)
		}
	}()
	flag.Parse()
	log.SetFlags(0)
	if os.Getenv("MYSQL_HOST") == "" {
		panic("set MYSQL_HOST, MYSQL_USER, MYSQL_PASSWORD (MariaDB)")
	}
	ctx := context.Background()
	if *mode == "bare" {
		bareUpsert(ctx, flag.Arg(0))
		return
	}
	work, err := os.MkdirTemp("", "inkwell-bench-import-")
	must(err)
	defer func() { _ = os.RemoveAll(work) }() // a scratch folder under the system temp dir
	bin := filepath.Join(work, "inkwell")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	must(build.Run())
	self := filepath.Join(work, "bench-import")
	build = exec.Command("go", "build", "-o", self, "./bench/import")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	must(build.Run())
	src := filepath.Join(work, "export")
	must(os.Mkdir(src, 0o755))
	t := time.Now()
	size := generate(src, false)
	log.Printf("generated %d records, %d files, %.1f MB (%.0f bytes/record) in %s", *records, *files, float64(size)/1e6,
		float64(size)/float64(*records), time.Since(t).Round(time.Millisecond))

	db, drop := freshDatabase(ctx)
	defer drop()
	bareDB, dropBare := freshDatabase(ctx)
	defer dropBare()
	env := append(os.Environ(), "DB_DRIVER=mysql", "MYSQL_DATABASE="+db, "RUNMODE=prod", "GOOGLE_CLIENT_ID=bench")
	importCmd := func() *exec.Cmd {
		c := exec.Command(bin, "import", "-workers", strconv.Itoa(*workers), "-batch", strconv.Itoa(*batch), "-progress", "none",
			"-errors", filepath.Join(work, "errors.log"), src)
		c.Dir, c.Env = work, env
		return c
	}
	must(os.MkdirAll(filepath.Join(work, "conf"), 0o755))
	must(os.WriteFile(filepath.Join(work, "conf", "app.conf"), []byte("appname = inkwell\n"), 0o644))

	var results []measure
	results = append(results, run("bare database/sql upsert (posts only)", *records, func() *exec.Cmd {
		c := exec.Command(self, "-mode", "bare", "-records", strconv.Itoa(*records), "-workers", strconv.Itoa(*workers), "-batch", strconv.Itoa(*batch), bareDB)
		c.Env = os.Environ()
		return c
	}()))
	log.Print(results[len(results)-1].summary)
	results = append(results, run("inkwell import: first import", *records, importCmd()))
	log.Print(results[len(results)-1].summary)
	results = append(results, run("inkwell import: unchanged re-run", *records, importCmd()))
	log.Print(results[len(results)-1].summary)
	generate(src, true)
	results = append(results, run("inkwell import: 1% changed", *records, importCmd()))
	log.Print(results[len(results)-1].summary)

	fmt.Printf("\n%-40s %9s %8s %10s %8s %10s %9s %9s\n", "run", "records", "seconds", "records/s", "× bare", "peak RSS", "CPU s", "DB CPU s")
	bare := float64(results[0].rows) / results[0].elapsed.Seconds()
	for _, m := range results {
		rate := float64(m.rows) / m.elapsed.Seconds()
		db := "n/a"
		if m.dbCPU >= 0 {
			db = fmt.Sprintf("%.1f", m.dbCPU.Seconds())
		}
		fmt.Printf("%-40s %9d %8.2f %10.0f %8.2f %7.1f MB %9.1f %9s\n", m.name, m.rows, m.elapsed.Seconds(), rate, rate/bare, m.rssMB, m.cpu.Seconds(), db)
	}
	fmt.Printf("\n%d cores; CPU s is the measured process's user+system time, DB CPU s the local database server's during the run.\n", runtime.NumCPU())
}

// bareUpsert writes the benchmark's rows into posts with plain database/sql
// multi-row upserts: the floor of what any import can cost on this database.
func bareUpsert(ctx context.Context, dbName string) {
	db, err := sql.Open("mysql", database.MySQLDSN(mysqlConfig(dbName).MySQL))
	must(err)
	defer db.Close()
	db.SetMaxOpenConns(*workers + 1)
	res, err := db.ExecContext(ctx, "INSERT INTO users (issuer, issuer_id, email, name, created_at, updated_at) VALUES ('import', 'bench@example.com', 'bench@example.com', 'Bench', NOW(6), NOW(6))")
	must(err)
	author, err := res.LastInsertId()
	must(err)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range jobs {
				end := min(start+*batch, *records)
				values := make([]string, 0, end-start)
				args := make([]any, 0, 12*(end-start))
				for i := start; i < end; i++ {
					r := rec(i, 0)
					t, err := time.Parse(time.RFC3339, r["published_at"].(string))
					must(err)
					published := t.Format("2006-01-02 15:04:05")
					values = append(values, "(?, ?, ?, ?, ?, 'published', 0, 0, ?, ?, ?, ?, 'bench', ?, ?)")
					args = append(args, author, r["title"], "benchmark-entry", r["body_markdown"], r["body_markdown"],
						published, published, published, published, r["external_id"], "0000000000000000000000000000000000000000000000000000000000000000")
				}
				_, err := db.ExecContext(ctx, `INSERT INTO posts (author_id, title, slug, body_markdown, body_html, status, like_count, comment_count,
					created_at, updated_at, published_at, first_published_at, import_source, import_external_id, import_hash) VALUES `+
					strings.Join(values, ", ")+` ON DUPLICATE KEY UPDATE title = VALUES(title), body_markdown = VALUES(body_markdown),
					body_html = VALUES(body_html), updated_at = VALUES(updated_at), import_hash = VALUES(import_hash)`, args...)
				must(err)
			}
		}()
	}
	for start := 0; start < *records; start += *batch {
		jobs <- start
	}
	close(jobs)
	wg.Wait()
	fmt.Printf("bare upsert: %d rows\n", *records)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
