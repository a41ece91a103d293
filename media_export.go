package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"inkwell/media"
)

const mediaExportUsage = `usage: inkwell media export [--progress auto|bar|log|none] [--log-every 10s] DIR

Writes the original of every media item into DIR as DIR/{owner id}/{folder}/{name}
(folders 0755, files 0644) with DIR/manifest.jsonl. Run it again to resume or
refresh: whole files are kept, the rest written (docs/media.md "Export").
`

// runMediaExport is `inkwell media export DIR`.
func runMediaExport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("media export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	progress := fs.String("progress", "auto", "auto (a bar on a terminal, log lines otherwise), bar, log or none")
	every := fs.Duration("log-every", 10*time.Second, "interval of progress log lines")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return fmt.Errorf("media export needs one folder\n\n%s", mediaExportUsage)
	}
	dir := fs.Arg(0)
	report, err := exportProgress(*progress, *every, os.Stderr)
	if err != nil {
		return err
	}
	lib, err := openLibrary(ctx, slog.Default())
	if err != nil {
		return err
	}
	defer lib.Close()
	svc, bucket := lib.media, lib.bucket
	fmt.Printf("media export: %s → %s\n", bucket.Location(), dir)
	rep, err := svc.Export(ctx, dir, media.ExportOptions{Progress: report.update,
		Log: func(f string, a ...any) { report.log("media export: "+f, a...) }})
	report.finish()
	fmt.Printf("media export: %d items, %d written, %d already there, %d failed, %d bytes; %d unfinished files of an earlier run removed\n",
		rep.Items, rep.Written, rep.Present, rep.Failed, rep.Bytes, rep.Leftovers)
	if errors.Is(err, context.Canceled) {
		fmt.Println("media export: interrupted; run it again to resume")
	}
	return err
}

// exportReporter shows an export's progress: a bar on a terminal, a
// plain line every interval otherwise (a Job's log).
type exportReporter struct {
	out   io.Writer
	bar   *progressbar.ProgressBar
	every time.Duration
	last  time.Time
	start time.Time
	p     media.ExportProgress
	quiet bool
}

func exportProgress(mode string, every time.Duration, out io.Writer) (*exportReporter, error) {
	r := &exportReporter{out: out, every: every, start: time.Now()}
	mode, err := progressMode("media export", mode, out)
	if err != nil {
		return nil, err
	}
	if mode == "none" {
		r.quiet = true
		return r, nil
	}
	if mode == "bar" {
		r.bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(out), progressbar.OptionShowBytes(true),
			progressbar.OptionSetPredictTime(true), progressbar.OptionSetElapsedTime(true), progressbar.OptionFullWidth(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionShowDescriptionAtLineEnd())
	}
	r.last = r.start
	return r, nil
}

func (r *exportReporter) update(p media.ExportProgress) {
	r.p = p
	switch {
	case r.quiet:
	case r.bar != nil:
		r.bar.ChangeMax64(p.TotalBytes)
		_ = r.bar.Set64(p.Bytes)
		r.bar.Describe(fmt.Sprintf("files %d/%d", p.Done, p.Total))
	case time.Since(r.last) >= r.every:
		r.last = time.Now()
		r.line()
	}
}

func (r *exportReporter) line() {
	fmt.Fprintf(r.out, "media export: %d/%d files, %d/%d bytes (%.1f%%), %s elapsed\n", r.p.Done, r.p.Total,
		r.p.Bytes, r.p.TotalBytes, 100*float64(r.p.Bytes)/float64(max(r.p.TotalBytes, 1)), time.Since(r.start).Round(time.Second))
}

// log writes a message without breaking the bar.
func (r *exportReporter) log(format string, args ...any) {
	if r.bar != nil {
		_ = r.bar.Clear()
	}
	fmt.Fprintf(r.out, format+"\n", args...)
}

func (r *exportReporter) finish() {
	switch {
	case r.quiet:
	case r.bar != nil:
		_ = r.bar.Finish()
		fmt.Fprintln(r.out)
	default:
		r.line()
	}
}
