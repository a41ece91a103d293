package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"inkwell/importer"
	"inkwell/metrics"
)

type recordingProgress struct{ started, stopped bool }

func (p *recordingProgress) Start(int, int64, *importer.Counters) { p.started = true }
func (p *recordingProgress) Stop()                                { p.stopped = true }

// The import's counters are read at each scrape, and the progress display
// still runs.
func TestImportMetrics_ExportTheRunsCounters(t *testing.T) {
	m := metrics.New(metrics.Build{})
	inner := &recordingProgress{}
	im := newImportMetrics(m, inner)
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", http.NoBody))
		return rec.Body.String()
	}
	assert.Contains(t, scrape(), `inkwell_import_records_total{result="inserted"} 0`, "series exist before the files are listed")

	var c importer.Counters
	im.Start(3, 4096, &c)
	c.Read.Add(10)
	c.Inserted.Add(6)
	c.Updated.Add(1)
	c.Unchanged.Add(1)
	c.Rejected.Add(2)
	c.BytesRead.Add(2048)
	c.FilesDone.Add(1)
	body := scrape()
	for _, want := range []string{
		`inkwell_import_records_total{result="inserted"} 6`,
		`inkwell_import_records_total{result="updated"} 1`,
		`inkwell_import_records_total{result="unchanged"} 1`,
		`inkwell_import_records_total{result="rejected"} 2`,
		"inkwell_import_lines_read_total 10",
		"inkwell_import_source_bytes_read_total 2048",
		"inkwell_import_files_done_total 1",
		"inkwell_import_source_files 3",
		"inkwell_import_source_bytes 4096",
	} {
		assert.Contains(t, body, want)
	}
	im.Stop()
	assert.True(t, inner.started)
	assert.True(t, inner.stopped)
}
