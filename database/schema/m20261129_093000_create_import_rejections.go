package schema

// Rejected lines of an import run (issue 14, item 8), kept with the run's
// checkpoints so a killed and resumed import reports every bad line exactly
// once.
//
// A batch's rejections are inserted in the transaction that moves its
// file's checkpoint past them: a line the checkpoint covers has its
// rejection stored, and a line it does not cover is read, and rejected,
// again by the resumed run. The error file is then rebuilt from these rows
// when a run resumes (it was buffered and truncated per run, so a kill -9
// lost what the killed process had rejected). A file that changed since is
// read again from its start, and its old rejections are deleted first.
// Rows go with their run (ON DELETE CASCADE), like its checkpoints; the
// file's name is its checkpoint's.
func init() {
	register(Migration{
		Name: "CreateImportRejections_20261129_093000",
		Up: func(d Dialect) []string {
			return []string{
				`CREATE TABLE import_rejections (
					run_id BIGINT NOT NULL,
					file_key CHAR(64) NOT NULL,
					line BIGINT NOT NULL,
					reason {{text}} NOT NULL,
					PRIMARY KEY (run_id, file_key, line),
					CONSTRAINT fk_import_rejections_run FOREIGN KEY (run_id) REFERENCES import_runs (id) ON DELETE CASCADE
				){{table}}`,
			}
		},
		Down: func(d Dialect) []string {
			return []string{`DROP TABLE import_rejections`}
		},
	})
}
