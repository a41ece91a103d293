package main

import (
	"sync/atomic"

	"inkwell/importer"
	"inkwell/metrics"
)

// importMetrics exports an import's live counters on /metrics while
// `inkwell import` runs (METRICS_ADDR, as for serve): a long import in a
// Kubernetes Job is scraped like any pod. Nothing is pushed: when the
// process exits its series end, and the printed summary is the record.
type importMetrics struct {
	next     importer.Progress // the bar or log lines, if any
	counters atomic.Pointer[importer.Counters]
	files    atomic.Int64
	bytes    atomic.Int64
}

// importRecordResults are the outcomes of a record (a non-blank line).
var importRecordResults = []string{"inserted", "updated", "unchanged", "rejected"}

func newImportMetrics(m *metrics.Metrics, next importer.Progress) *importMetrics {
	im := &importMetrics{next: next}
	read := func(f func(c *importer.Counters) int64) func() float64 {
		return func() float64 {
			if c := im.counters.Load(); c != nil {
				return float64(f(c))
			}
			return 0
		}
	}
	m.Counters("inkwell_import_records_total", "Records of this import, by result.", "result", importRecordResults,
		func(r string) float64 {
			c := im.counters.Load()
			if c == nil {
				return 0
			}
			switch r {
			case "inserted":
				return float64(c.Inserted.Load())
			case "updated":
				return float64(c.Updated.Load())
			case "unchanged":
				return float64(c.Unchanged.Load())
			default:
				return float64(c.Rejected.Load())
			}
		})
	m.Counter("inkwell_import_lines_read_total", "Non-blank lines read from the source (records, valid or not).",
		read(func(c *importer.Counters) int64 { return c.Read.Load() }))
	m.Counter("inkwell_import_source_bytes_read_total", "Bytes read from the source (compressed, for .gz files).",
		read(func(c *importer.Counters) int64 { return c.BytesRead.Load() }))
	m.Counter("inkwell_import_files_done_total", "Source files finished (imported, skipped as done, or failed).",
		read(func(c *importer.Counters) int64 { return c.FilesDone.Load() }))
	m.Gauge("inkwell_import_source_files", "Files the source lists.", func() float64 { return float64(im.files.Load()) })
	m.Gauge("inkwell_import_source_bytes", "Total size of the files the source lists: progress is bytes read over this.",
		func() float64 { return float64(im.bytes.Load()) })
	return im
}

// Start implements importer.Progress.
func (im *importMetrics) Start(files int, totalBytes int64, c *importer.Counters) {
	im.files.Store(int64(files))
	im.bytes.Store(totalBytes)
	im.counters.Store(c)
	if im.next != nil {
		im.next.Start(files, totalBytes, c)
	}
}

// Stop implements importer.Progress.
func (im *importMetrics) Stop() {
	if im.next != nil {
		im.next.Stop()
	}
}
