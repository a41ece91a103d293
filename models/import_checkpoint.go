package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/beego/beego/v2/client/orm"
)

// ImportCheckpoint is how far one file of an import run is committed.
type ImportCheckpoint struct {
	File    string
	Version string
	Line    int64
	Done    bool
}

// OpenImportRun returns the unfinished run of source, or starts one; resumed
// tells which.
func OpenImportRun(ctx context.Context, q orm.QueryExecutor, source string, now time.Time) (id int64, resumed bool, err error) {
	err = q.RawWithCtx(ctx, "SELECT id FROM import_runs WHERE source = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1", source).QueryRow(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, orm.ErrNoRows) {
		return 0, false, fmt.Errorf("import: find unfinished run of %s: %w", source, err)
	}
	res, err := q.RawWithCtx(ctx, "INSERT INTO import_runs (source, started_at) VALUES (?, ?)", source, dbTime(now)).Exec()
	if err != nil {
		return 0, false, fmt.Errorf("import: start run of %s: %w", source, err)
	}
	if id, err = res.LastInsertId(); err != nil {
		return 0, false, fmt.Errorf("import: id of new run: %w", err)
	}
	return id, false, nil
}

// FinishImportRun marks a run complete: the next import starts a new one.
func FinishImportRun(ctx context.Context, q orm.QueryExecutor, runID int64, now time.Time) error {
	if _, err := q.RawWithCtx(ctx, "UPDATE import_runs SET finished_at = ? WHERE id = ?", dbTime(now), runID).Exec(); err != nil {
		return fmt.Errorf("import: finish run %d: %w", runID, err)
	}
	return nil
}

// ImportCheckpoints loads a run's checkpoints by file key.
func ImportCheckpoints(ctx context.Context, q orm.QueryExecutor, runID int64) (map[string]ImportCheckpoint, error) {
	var (
		keys, files, versions []string
		lines                 []int64
		done                  []int
	)
	_, err := q.RawWithCtx(ctx, "SELECT file_key, file, version, line, done FROM import_checkpoints WHERE run_id = ?", runID).
		QueryRows(&keys, &files, &versions, &lines, &done)
	if err != nil {
		return nil, fmt.Errorf("import: load checkpoints of run %d: %w", runID, err)
	}
	out := make(map[string]ImportCheckpoint, len(keys))
	for i, k := range keys {
		out[k] = ImportCheckpoint{File: files[i], Version: versions[i], Line: lines[i], Done: done[i] != 0}
	}
	return out, nil
}

// SaveImportCheckpoint records how far a file is committed; call it in the
// transaction that writes the batch ending at c.Line.
func SaveImportCheckpoint(ctx context.Context, q orm.QueryExecutor, runID int64, fileKey string, c ImportCheckpoint, now time.Time) error {
	done := 0
	if c.Done {
		done = 1
	}
	stmt := "INSERT INTO import_checkpoints (run_id, file_key, file, version, line, done, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
	if isMySQL(q) {
		stmt += " ON DUPLICATE KEY UPDATE file = VALUES(file), version = VALUES(version), line = VALUES(line), done = VALUES(done), updated_at = VALUES(updated_at)"
	} else {
		stmt += " ON CONFLICT (run_id, file_key) DO UPDATE SET file = excluded.file, version = excluded.version, line = excluded.line, done = excluded.done, updated_at = excluded.updated_at"
	}
	if _, err := q.RawWithCtx(ctx, stmt, runID, fileKey, c.File, c.Version, c.Line, done, dbTime(now)).Exec(); err != nil {
		return fmt.Errorf("import: save checkpoint of %s at line %d: %w", c.File, c.Line, err)
	}
	return nil
}
