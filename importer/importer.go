// Package importer is `inkwell import`: it brings JSON Lines exports of
// posts from a local folder or an S3 prefix into the posts table. Files are
// read concurrently by a bounded pool of workers, each streaming its file
// line by line; valid records are written in batches, one statement per
// table per batch, and a batch's posts, tags, new authors and the file's
// checkpoint commit in one transaction. Records whose content hash is
// already stored are skipped before their markdown is rendered, so a re-run
// over unchanged files writes no post rows.
package importer

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/beego/beego/v2/client/orm"
	lru "github.com/hashicorp/golang-lru/v2"

	"inkwell/models"
)

// Defaults of Options.
const (
	DefaultWorkers   = 4
	DefaultBatchSize = 1000
	// DefaultMaxLine fits the largest valid post (200,000 characters of up
	// to 4 bytes, JSON-escaped) with room to spare.
	DefaultMaxLine = 4 << 20
	// maxListedRejections bounds how many rejections the summary carries;
	// the error file has them all.
	maxListedRejections = 20
	// maxSourceChars is what the posts and runs tables hold of a source.
	maxSourceChars = 255
	// maxCachedAuthors bounds the run's cache of author ids.
	maxCachedAuthors = 100_000
)

// Options configure one import.
type Options struct {
	Workers   int
	BatchSize int
	MaxLine   int
	// Rejections receives one line per rejected record, "file:line: reason",
	// once the batch that rejected it has committed. A resumed run first
	// writes every rejection the interrupted run had committed, so a
	// writer that starts empty (the error file, truncated) ends with every
	// bad line of the run exactly once. A writer with a Flush() error
	// method (a bufio.Writer) is flushed after each batch.
	Rejections io.Writer
	// SourceName, when set, replaces the source's location as the key its
	// posts and runs are stored under: the same export moved to another
	// folder or bucket then updates the posts it imported before.
	SourceName string
	// Cache, when set, is told which existing posts a batch changed, after
	// its commit, so readers stop seeing cached copies of the old content.
	Cache PostCache
	// Progress, when set, is told about the import as it goes.
	Progress Progress
	Now      func() time.Time
}

// PostCache retires cached copies of posts (posts.Service implements it).
type PostCache interface {
	InvalidatePosts(ctx context.Context, ids []int64) error
}

// Rejection is a line that could not be imported.
type Rejection struct {
	File   string
	Line   int64
	Reason string
}

func (r Rejection) String() string { return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Reason) }

// Summary is what an import did.
type Summary struct {
	Source string
	// Resumed tells that an interrupted run was continued from its checkpoints.
	Resumed bool
	// Files is how many files the source lists; FilesSkipped of them were
	// already done in the resumed run; FilesFailed could not be read to the end.
	Files, FilesSkipped, FilesFailed int
	// Read counts non-blank lines read in this process.
	Read, Inserted, Updated, Unchanged, Rejected int64
	// RejectedEarlier counts the rejections the interrupted run had
	// committed, written to Rejections again before this process's own.
	RejectedEarlier int64
	// Rejections lists the first rejections (all are in the error file).
	Rejections []Rejection
	// Errors says why files failed.
	Errors  []error
	Elapsed time.Duration
}

// Imported is how many records are now in the database as the source has them.
func (s Summary) Imported() int64 { return s.Inserted + s.Updated + s.Unchanged }

// Failed applies the exit-code rule: an import fails when the source could
// not be read (no files, or a file broke off) or nothing could be imported.
func (s Summary) Failed() bool {
	return s.Files == 0 || s.FilesFailed > 0 || (s.Read > 0 && s.Imported() == 0)
}

// Counters is a live view of an import for progress reporting.
type Counters struct {
	// BytesRead counts the bytes read from the source (compressed for .gz),
	// the measure of progress against the listed sizes.
	FilesDone, BytesRead, Read, Inserted, Updated, Unchanged, Rejected atomic.Int64
}

// Progress is told about an import while it runs.
type Progress interface {
	// Start is called once the files are listed: files of totalBytes bytes.
	Start(files int, totalBytes int64, c *Counters)
	Stop()
}

// countingReader adds what it reads to a counter.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type run struct {
	db     orm.Ormer
	src    Source
	opts   Options
	source string
	runID  int64
	c      Counters

	mu         sync.Mutex
	rejections []Rejection
	rejectErr  error
	// authorIDs remembers the user id of each author email resolved, so a
	// batch by known authors asks the database nothing. Bounded: a
	// forgotten author only costs a lookup.
	authorIDs *lru.Cache[string, int64]
	// consecutiveIDs: the database numbers a multi-row INSERT's rows
	// consecutively (models.ConsecutiveInsertIDs).
	consecutiveIDs bool
}

// Run imports every JSON Lines file of src into db. It returns an error
// only when the import cannot start (the source cannot be listed, the
// database cannot be reached); failures of single files are in the summary.
func Run(ctx context.Context, db orm.Ormer, src Source, opts Options) (Summary, error) {
	started := time.Now()
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.MaxLine <= 0 {
		opts.MaxLine = DefaultMaxLine
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	if opts.Rejections == nil {
		opts.Rejections = io.Discard
	}
	authorIDs, err := lru.New[string, int64](maxCachedAuthors)
	if err != nil {
		return Summary{}, err
	}
	r := &run{db: db, src: src, opts: opts, source: src.Location(), authorIDs: authorIDs}
	if opts.SourceName != "" {
		r.source = opts.SourceName
	}
	sum := Summary{Source: r.source}
	if n := utf8.RuneCountInString(r.source); n > maxSourceChars {
		return sum, fmt.Errorf("import: the source's name is %d characters, more than %d; give a shorter one with -name", n, maxSourceChars)
	}

	files, err := src.List(ctx)
	if err != nil {
		return sum, err
	}
	sum.Files = len(files)
	if len(files) == 0 {
		return sum, nil
	}
	if r.consecutiveIDs, err = models.ConsecutiveInsertIDs(ctx, db); err != nil {
		return sum, err
	}
	runID, resumed, err := models.OpenImportRun(ctx, db, r.source, opts.Now())
	if err != nil {
		return sum, err
	}
	r.runID, sum.Resumed = runID, resumed
	checkpoints, err := models.ImportCheckpoints(ctx, db, runID)
	if err != nil {
		return sum, err
	}
	if resumed {
		if sum.RejectedEarlier, err = r.replayRejections(ctx, files, checkpoints); err != nil {
			return sum, err
		}
	}

	if opts.Progress != nil {
		var total int64
		for _, f := range files {
			total += f.Size
		}
		opts.Progress.Start(len(files), total, &r.c)
	}
	type outcome struct {
		skipped bool
		err     error
	}
	jobs := make(chan File)
	results := make(chan outcome)
	var wg sync.WaitGroup
	for range min(opts.Workers, len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				skipped, err := r.importFile(ctx, f, checkpoints[fileKey(f.Name)])
				r.c.FilesDone.Add(1)
				results <- outcome{skipped, err}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, f := range files {
			select {
			case jobs <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	for o := range results {
		switch {
		case o.err != nil:
			sum.FilesFailed++
			sum.Errors = append(sum.Errors, o.err)
		case o.skipped:
			sum.FilesSkipped++
		}
	}
	if opts.Progress != nil {
		opts.Progress.Stop()
	}

	sum.Read, sum.Inserted, sum.Updated = r.c.Read.Load(), r.c.Inserted.Load(), r.c.Updated.Load()
	sum.Unchanged, sum.Rejected = r.c.Unchanged.Load(), r.c.Rejected.Load()
	sum.Rejections = r.rejections
	if ctx.Err() != nil {
		sum.Elapsed = time.Since(started)
		return sum, fmt.Errorf("import: interrupted; run it again to resume: %w", ctx.Err())
	}
	if r.rejectErr != nil {
		sum.Errors = append(sum.Errors, r.rejectErr)
	}
	if sum.FilesFailed == 0 {
		// Every file is done: the next import starts a fresh run.
		if err := models.FinishImportRun(ctx, db, runID, opts.Now()); err != nil {
			return sum, err
		}
	}
	sum.Elapsed = time.Since(started)
	return sum, nil
}

// fileKey is the checkpoint key of a file name.
func fileKey(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// importFile streams one file from its checkpoint on and reports whether it
// was already done.
func (r *run) importFile(ctx context.Context, f File, cp models.ImportCheckpoint) (bool, error) {
	var start int64
	if cp.Version == f.Version && cp.File == f.Name {
		if cp.Done {
			r.c.BytesRead.Add(f.Size)
			return true, nil
		}
		start = cp.Line
	}
	body, err := r.src.Open(ctx, f)
	if err != nil {
		return false, err
	}
	defer body.Close()
	// Progress is measured against the listed sizes: bytes of lines for a
	// plain file, compressed bytes read for a gzip one.
	var stream io.Reader = body
	gzipped := strings.HasSuffix(f.Name, ".gz")
	if gzipped {
		gz, err := gzip.NewReader(countingReader{r: body, n: &r.c.BytesRead})
		if err != nil {
			return false, fmt.Errorf("import: %s: not gzip: %w", f.Name, err)
		}
		defer gz.Close()
		stream = gz
	}
	lines := newLineReader(stream, r.opts.MaxLine)
	if !gzipped {
		lines.consumed = &r.c.BytesRead
	}
	if err := lines.skip(start); err != nil {
		return false, fmt.Errorf("import: %s: resume after line %d: %w", f.Name, start, err)
	}
	w := &batchWriter{run: r, file: f, key: fileKey(f.Name)}
	batch := &lineBatch{hasher: newLineHasher()}
	for {
		raw, n, err := lines.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var tooLong errLineTooLong
		switch {
		case errors.As(err, &tooLong):
			// Reported with the batch, so the error file keeps line order.
			batch.lines = append(batch.lines, batchLine{number: n, rejected: err.Error()})
		case err != nil:
			return false, fmt.Errorf("import: read %s at line %d: %w", f.Name, n, err)
		default:
			raw = bytes.TrimSpace(raw)
			if len(raw) == 0 {
				continue
			}
			batch.add(raw, n)
		}
		r.c.Read.Add(1)
		if len(batch.lines) == r.opts.BatchSize || len(batch.arena) >= maxBatchBytes {
			if err := w.scan(ctx, batch); err != nil {
				return false, err
			}
			batch.reset()
			if w.full() {
				if err := w.flush(ctx, n, false); err != nil {
					return false, err
				}
			}
		}
	}
	if err := w.scan(ctx, batch); err != nil {
		return false, err
	}
	return false, w.flush(ctx, lines.number, true)
}

// maxBatchBytes ends a batch early when its lines (or its pending
// records) are long, so a batch of huge posts stays a few megabytes and
// memory stays flat.
const maxBatchBytes = 8 << 20

// lineBatch holds the lines of a batch as read: copies of their bytes in
// one reused arena, each with its line hash and its cheaply read external
// id. Lines are decoded only once the stored hashes say they must be written.
type lineBatch struct {
	hasher *lineHasher
	arena  []byte
	lines  []batchLine
}

type batchLine struct {
	start, end int // the line's bytes in the arena
	number     int64
	id         string // peekExternalID; "" means decode in full
	hash       string
	rejected   string // why the line was refused as it was read
}

func (b *lineBatch) add(raw []byte, number int64) {
	start := len(b.arena)
	b.arena = append(b.arena, raw...)
	b.lines = append(b.lines, batchLine{start: start, end: len(b.arena), number: number,
		id: peekExternalID(raw), hash: b.hasher.sum(raw)})
}

func (b *lineBatch) raw(p batchLine) []byte { return b.arena[p.start:p.end] }

func (b *lineBatch) reset() {
	b.arena, b.lines = b.arena[:0], b.lines[:0]
}

// report counts the rejections of a committed batch and writes them out.
func (r *run) report(file string, rs []models.ImportRejection) {
	if len(rs) == 0 {
		return
	}
	r.c.Rejected.Add(int64(len(rs)))
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rej := range rs {
		rj := Rejection{File: file, Line: rej.Line, Reason: rej.Reason}
		if len(r.rejections) < maxListedRejections {
			r.rejections = append(r.rejections, rj)
		}
		r.writeRejection(rj)
	}
	r.flushRejections()
}

// writeRejection writes one line of the error file; r.mu is held.
func (r *run) writeRejection(rj Rejection) {
	if _, err := fmt.Fprintln(r.opts.Rejections, rj.String()); err != nil && r.rejectErr == nil {
		r.rejectErr = fmt.Errorf("import: write error file: %w", err)
	}
}

// flushRejections pushes buffered lines to the error file, so what a batch
// committed is on disk soon after; r.mu is held.
func (r *run) flushRejections() {
	f, ok := r.opts.Rejections.(interface{ Flush() error })
	if !ok {
		return
	}
	if err := f.Flush(); err != nil && r.rejectErr == nil {
		r.rejectErr = fmt.Errorf("import: write error file: %w", err)
	}
}

// replayRejectionsPage is how many stored rejections one read brings back.
const replayRejectionsPage = 1000

// replayRejections starts a resumed run's error output with every
// rejection the interrupted run committed, and returns how many. Files
// that changed since are read again from their start, so their stored
// rejections are deleted first: the new reading reports its own.
func (r *run) replayRejections(ctx context.Context, files []File, checkpoints map[string]models.ImportCheckpoint) (int64, error) {
	for _, f := range files {
		key := fileKey(f.Name)
		if cp, ok := checkpoints[key]; ok && (cp.Version != f.Version || cp.File != f.Name) {
			if err := models.DeleteImportRejections(ctx, r.db, r.runID, key); err != nil {
				return 0, err
			}
		}
	}
	var (
		n       int64
		lastKey string
		lastLn  int64
	)
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		page, err := models.ImportRejectionsPage(ctx, r.db, r.runID, lastKey, lastLn, replayRejectionsPage)
		if err != nil {
			return n, err
		}
		for _, rej := range page {
			r.writeRejection(Rejection{File: rej.File, Line: rej.Line, Reason: rej.Reason})
		}
		n += int64(len(page))
		if len(page) < replayRejectionsPage {
			r.flushRejections()
			return n, nil
		}
		lastKey, lastLn = page[len(page)-1].FileKey, page[len(page)-1].Line
	}
}
