package schema

// Runs and per-file checkpoints of `inkwell import` (issue 9).
//
// A run is one pass over a source; it stays unfinished (finished_at NULL)
// until every file is done, so an import killed at any moment and started
// again finds its run and continues it. A checkpoint holds, per file, the
// last line whose batch committed: it is written in the same transaction as
// that batch, so a checkpoint never claims rows that are not there and rows
// are never written without moving the checkpoint. version (the object's
// ETag, or size and modification time of a local file) tells a resumed run
// that a file changed since, and must be read from its start.
//
// file_key is the SHA-256 of the file's name: file names can be longer than
// an index key may be.
func init() {
	register(Migration{
		Name: "CreateImportCheckpoints_20261123_130100",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE import_runs (
					id {{pk}},
					source VARCHAR(255) NOT NULL,
					started_at {{datetime}} NOT NULL,
					finished_at {{datetime}} NULL
				){{table}}`,
				`CREATE INDEX ix_import_runs_source ON import_runs (source, finished_at)`,
				`CREATE TABLE import_checkpoints (
					run_id BIGINT NOT NULL,
					file_key CHAR(64) NOT NULL,
					file VARCHAR(2048) NOT NULL,
					version VARCHAR(255) NOT NULL,
					line BIGINT NOT NULL,
					done SMALLINT NOT NULL DEFAULT 0,
					updated_at {{datetime}} NOT NULL,
					PRIMARY KEY (run_id, file_key),
					CONSTRAINT fk_import_checkpoints_run FOREIGN KEY (run_id) REFERENCES import_runs (id) ON DELETE CASCADE
				){{table}}`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE import_checkpoints`, `DROP TABLE import_runs`}
		},
	})
}
