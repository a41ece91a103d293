package models

import (
	"context"
	"fmt"
	"strings"

	"github.com/beego/beego/v2/client/orm"
)

// ImportRejection is a line of an import run's file that could not be
// imported, and why.
type ImportRejection struct {
	FileKey string `orm:"column(file_key)"`
	File    string `orm:"column(file)"` // the file's name, from its checkpoint
	Line    int64  `orm:"column(line)"`
	Reason  string `orm:"column(reason)"`
}

// rejectionsPerStatement keeps a multi-row INSERT well under SQLite's
// limit of bound variables whatever the batch size.
const rejectionsPerStatement = 500

// InsertImportRejections stores rejected lines of one file of a run; call
// it in the transaction that moves the file's checkpoint past them.
func InsertImportRejections(ctx context.Context, q orm.QueryExecutor, runID int64, fileKey string, rs []ImportRejection) error {
	for len(rs) > 0 {
		chunk := rs[:min(len(rs), rejectionsPerStatement)]
		rs = rs[len(chunk):]
		values := make([]string, len(chunk))
		args := make([]any, 0, 4*len(chunk))
		for i, r := range chunk {
			values[i] = "(?, ?, ?, ?)"
			args = append(args, runID, fileKey, r.Line, r.Reason)
		}
		if _, err := q.RawWithCtx(ctx, "INSERT INTO import_rejections (run_id, file_key, line, reason) VALUES "+
			strings.Join(values, ", "), args...).Exec(); err != nil {
			return fmt.Errorf("import: store %d rejected lines of run %d: %w", len(chunk), runID, err)
		}
	}
	return nil
}

// DeleteImportRejections forgets the rejections of one file of a run (the
// file changed and is read again from its start).
func DeleteImportRejections(ctx context.Context, q orm.QueryExecutor, runID int64, fileKey string) error {
	if _, err := q.RawWithCtx(ctx, "DELETE FROM import_rejections WHERE run_id = ? AND file_key = ?", runID, fileKey).Exec(); err != nil {
		return fmt.Errorf("import: forget rejections of run %d: %w", runID, err)
	}
	return nil
}

// ImportRejectionsPage lists a run's rejections in (file key, line) order
// after the given position, at most limit of them: a keyset scan of the
// primary key.
func ImportRejectionsPage(ctx context.Context, q orm.QueryExecutor, runID int64, afterKey string, afterLine int64, limit int) ([]ImportRejection, error) {
	var out []ImportRejection
	_, err := q.RawWithCtx(ctx, `SELECT r.file_key, c.file, r.line, r.reason FROM import_rejections r
		JOIN import_checkpoints c ON c.run_id = r.run_id AND c.file_key = r.file_key
		WHERE r.run_id = ? AND (r.file_key > ? OR (r.file_key = ? AND r.line > ?))
		ORDER BY r.file_key, r.line LIMIT ?`, runID, afterKey, afterKey, afterLine, limit).QueryRows(&out)
	if err != nil {
		return nil, fmt.Errorf("import: rejections of run %d: %w", runID, err)
	}
	return out, nil
}
