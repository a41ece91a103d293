package importer

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/auth"
	"inkwell/markdown"
	"inkwell/models"
	"inkwell/posts"
)

// batchWriter writes one file's records and moves its checkpoint with them.
//
// Lines arrive in batches (scan): their stored hashes are fetched, unchanged
// lines are skipped, and the new and changed ones are decoded and held as
// pending. Pending records are written (flush) once there are a batch of
// them, or at the file's end, in one transaction with the checkpoint. A
// re-run where 1% of the records changed thus writes once per 1,000 changed
// records, not once per 1,000 lines read.
type batchWriter struct {
	run  *run
	file File
	key  string

	pending      []record
	pendingIDs   map[string]bool
	pendingBytes int
	// rejected holds the lines refused since the last flush: they are
	// stored with the checkpoint that moves past them, and reported once
	// that commits.
	rejected []models.ImportRejection
}

// reject records that a line cannot be imported, and why.
func (w *batchWriter) reject(line int64, reason string) {
	w.rejected = append(w.rejected, models.ImportRejection{Line: line, Reason: reason})
}

// scan reads a batch of lines: it fetches the stored hashes of the ids read
// cheaply and skips each line whose id appears once in the batch, is not
// pending, and whose hash is stored (it is byte for byte the line last
// imported). Every other line is decoded and validated in full, and the
// valid ones become pending unless they are, after all, what is stored.
func (w *batchWriter) scan(ctx context.Context, batch *lineBatch) error {
	r := w.run
	if len(batch.lines) == 0 {
		return nil
	}
	lastLine := batch.lines[len(batch.lines)-1].number
	seen := make(map[string]int, len(batch.lines))
	for _, p := range batch.lines {
		if p.id != "" {
			seen[p.id]++
		}
	}
	stored, err := models.ImportedPosts(ctx, r.db, r.source, slices.Collect(maps.Keys(seen)))
	if err != nil {
		return fmt.Errorf("import: %s up to line %d: %w", w.file.Name, lastLine, err)
	}
	var unchanged int64
	var decoded []record
	for _, p := range batch.lines {
		if p.rejected != "" {
			w.reject(p.number, p.rejected)
			continue
		}
		if s, ok := stored[p.id]; ok && seen[p.id] == 1 && !w.pendingIDs[p.id] && s.Hash == p.hash {
			unchanged++
			continue
		}
		rec, err := decodeRecord(batch.raw(p))
		if err != nil {
			w.reject(p.number, err.Error())
			continue
		}
		rec.line, rec.hash = p.number, p.hash
		decoded = append(decoded, rec)
	}
	decoded = lastOfEachID(decoded)
	// A decoded id the cheap read did not see (a key written twice in a
	// line, say) has not been looked up yet.
	var unseen []string
	for _, rec := range decoded {
		if _, ok := seen[rec.ExternalID]; !ok {
			unseen = append(unseen, rec.ExternalID)
		}
	}
	if len(unseen) > 0 {
		more, err := models.ImportedPosts(ctx, r.db, r.source, unseen)
		if err != nil {
			return fmt.Errorf("import: %s up to line %d: %w", w.file.Name, lastLine, err)
		}
		maps.Copy(stored, more)
	}
	for _, rec := range decoded {
		s, ok := stored[rec.ExternalID]
		// A pending record of the same id is superseded by this line even
		// when this line is the stored one: it must be written last.
		if ok && s.Hash == rec.hash && !w.pendingIDs[rec.ExternalID] {
			unchanged++
			continue
		}
		rec.storedID = s.ID
		w.add(rec)
	}
	r.c.Unchanged.Add(unchanged)
	return nil
}

func (w *batchWriter) add(rec record) {
	if w.pendingIDs == nil {
		w.pendingIDs = make(map[string]bool)
	}
	w.pending = append(w.pending, rec)
	w.pendingIDs[rec.ExternalID] = true
	w.pendingBytes += len(rec.BodyMarkdown) + len(rec.Title) + len(rec.ExternalID) + len(rec.AuthorEmail) + len(rec.AuthorName)
}

// full tells that the pending records (or rejections) make a batch.
func (w *batchWriter) full() bool {
	return len(w.pending) >= w.run.opts.BatchSize || w.pendingBytes >= maxBatchBytes || len(w.rejected) >= w.run.opts.BatchSize
}

// flush writes the pending records and rejections; every line up to
// lastLine has been scanned, so the checkpoint moves there. done marks the
// file's end. With nothing pending it writes nothing, except that the
// file's end is recorded.
func (w *batchWriter) flush(ctx context.Context, lastLine int64, done bool) error {
	r := w.run
	if len(w.pending) == 0 && len(w.rejected) == 0 && !done {
		return nil
	}
	changed := lastOfEachID(w.pending)
	w.pending, w.pendingIDs, w.pendingBytes = nil, nil, 0

	// Render only what will be written: this is the expensive step.
	rows := make([]models.ImportedPost, 0, len(changed))
	written := changed[:0]
	now := r.opts.Now()
	for _, rec := range changed {
		html, err := markdown.Render(rec.BodyMarkdown)
		if err != nil {
			w.reject(rec.line, err.Error())
			continue
		}
		rows = append(rows, rec.row(html, now))
		written = append(written, rec)
	}

	if len(rows) > 0 {
		// Authors are resolved before the batch's transaction, each
		// statement on its own: inside it, a MySQL snapshot taken before a
		// concurrent worker committed the same new author would not show
		// that author. A batch that then fails leaves at most a user
		// without posts, which the next attempt finds and uses.
		var authors map[string]int64
		err := models.Retry(ctx, func() (err error) {
			authors, err = w.authors(ctx, r.db, written)
			return err
		})
		if err != nil {
			return fmt.Errorf("import: %s up to line %d: %w", w.file.Name, lastLine, err)
		}
		for i := range rows {
			rows[i].AuthorID = authors[written[i].AuthorEmail]
		}
	}
	rejected := w.rejected
	w.rejected = nil
	var inserted int64
	var updatedIDs []int64
	err := models.InTx(ctx, r.db, func(ctx context.Context, tx orm.TxOrmer) error {
		inserted, updatedIDs = 0, nil
		if len(rows) > 0 {
			var err error
			if inserted, updatedIDs, err = w.writePosts(ctx, tx, rows, written); err != nil {
				return err
			}
		}
		if err := models.InsertImportRejections(ctx, tx, r.runID, w.key, rejected); err != nil {
			return err
		}
		return models.SaveImportCheckpoint(ctx, tx, r.runID, w.key,
			models.ImportCheckpoint{File: w.file.Name, Version: w.file.Version, Line: lastLine, Done: done}, now)
	})
	if err != nil {
		return fmt.Errorf("import: %s up to line %d: %w", w.file.Name, lastLine, err)
	}
	r.report(w.file.Name, rejected)
	if r.opts.Cache != nil && len(updatedIDs) > 0 {
		if err := r.opts.Cache.InvalidatePosts(ctx, updatedIDs); err != nil {
			// The batch is committed and its checkpoint moved: a re-run
			// would find nothing changed, so this cannot be retried later.
			// The import fails loudly; cached copies expire within minutes.
			return fmt.Errorf("import: %s up to line %d: saved, but cached copies of %d updated posts could not be retired: %w",
				w.file.Name, lastLine, len(updatedIDs), err)
		}
	}
	r.c.Inserted.Add(inserted)
	r.c.Updated.Add(int64(len(rows)) - inserted)
	return nil
}

// writePosts upserts rows (the posts of written) and replaces their tags,
// inside the batch's transaction. It returns how many posts it inserted and
// the ids of those it updated.
//
// Whether a record's post exists was read when its line was scanned; by
// now another worker may have inserted it (the same id in two files), or
// the app deleted it. MySQL's affected-rows count tells whether anything
// moved: 1 per inserted row, 2 per updated one, 0 per row left as it was.
// When it is what the scan predicts, ids of updated posts are the scanned
// ones and only new posts' ids are read back; otherwise (and on SQLite,
// which counts 1 either way) every id is read back, and a post expected to
// be new that already has tags is one the other worker inserted: its tags
// are replaced like an updated post's. (Two races in one batch can cancel
// out in the count, one row updated where an insert was expected and one
// left as it was; then storing the tags fails on their primary key, the
// file is reported failed, and the next run, finding both posts, completes
// it.)
func (w *batchWriter) writePosts(ctx context.Context, tx orm.TxOrmer, rows []models.ImportedPost, written []record) (inserted int64, updatedIDs []int64, err error) {
	r := w.run
	if r.consecutiveIDs && !slices.ContainsFunc(written, func(rec record) bool { return rec.storedID != 0 }) {
		// All new (a first import): a plain INSERT, whose ids are known
		// without reading 1,000 of them back.
		ids, ok, err := models.InsertNewImportedPosts(ctx, tx, r.source, rows)
		switch {
		case err == nil && ok:
			return int64(len(rows)), nil, models.ReplaceTagsOfPosts(ctx, tx, nil, tagsOf(written, rows, ids))
		case err != nil && !models.IsDuplicate(err):
			return 0, nil, err
		}
		// Some post exists after all (another worker inserted it since
		// the scan) and the statement was undone; or the ids could not be
		// confirmed and the rows are there: the upsert below finds them.
	}
	affected, counted, err := models.UpsertImportedPosts(ctx, tx, r.source, rows)
	if err != nil {
		return 0, nil, err
	}
	var predicted int64
	var newKeys []string
	for _, rec := range written {
		if rec.storedID == 0 {
			predicted++
			newKeys = append(newKeys, rec.ExternalID)
		} else {
			predicted += 2
		}
	}
	asScanned := counted && affected == predicted
	keys := newKeys
	if !asScanned {
		keys = make([]string, len(written))
		for i, rec := range written {
			keys[i] = rec.ExternalID
		}
	}
	ids, err := models.ImportedPosts(ctx, tx, r.source, keys)
	if err != nil {
		return 0, nil, err
	}
	postIDs := make([]int64, len(written))
	var maybeNew []int64
	for i, rec := range written {
		id := rec.storedID
		if !asScanned || id == 0 {
			id = ids[rec.ExternalID].ID
		}
		if id == 0 {
			return 0, nil, fmt.Errorf("import: post %q vanished after its upsert", rec.ExternalID)
		}
		postIDs[i] = id
		if id != rec.storedID {
			maybeNew = append(maybeNew, id)
		}
	}
	var tagged map[int64]bool
	if !asScanned && len(maybeNew) > 0 {
		// A plain read: the other worker's insert of such a post held
		// its row until it committed, and our upsert waited for that.
		if tagged, err = models.PostsWithTags(ctx, tx, maybeNew); err != nil {
			return 0, nil, err
		}
	}
	for i, rec := range written {
		if id := postIDs[i]; id == rec.storedID || tagged[id] {
			updatedIDs = append(updatedIDs, id)
		} else {
			inserted++
		}
	}
	// Tags are deleted only for posts that had some: see ReplaceTagsOfPosts.
	if err := models.ReplaceTagsOfPosts(ctx, tx, updatedIDs, tagsOf(written, rows, postIDs)); err != nil {
		return 0, nil, err
	}
	return inserted, updatedIDs, nil
}

// tagsOf pairs each written record's tags with its post's id.
func tagsOf(written []record, rows []models.ImportedPost, postIDs []int64) []models.PostTags {
	tags := make([]models.PostTags, len(written))
	for i, rec := range written {
		tags[i] = models.PostTags{PostID: postIDs[i], Tags: rec.Tags, PublishedAt: rows[i].PublishedAt}
	}
	return tags
}

// authors returns the user id of every author of recs, creating import
// users for the ones never seen. Ids found once are remembered for the rest
// of the run: an author's user keeps its id (a Google sign-in adopts the
// import user's row), so a batch by known authors asks the database nothing.
func (w *batchWriter) authors(ctx context.Context, q orm.QueryExecutor, recs []record) (map[string]int64, error) {
	out := make(map[string]int64)
	names := map[string]string{}
	for _, rec := range recs {
		if _, ok := out[rec.AuthorEmail]; ok {
			continue
		}
		if id, ok := w.run.authorIDs.Get(rec.AuthorEmail); ok {
			out[rec.AuthorEmail] = id
			continue
		}
		if _, ok := names[rec.AuthorEmail]; !ok {
			names[rec.AuthorEmail] = rec.AuthorName
		}
	}
	if len(names) == 0 {
		return out, nil
	}
	emails := slices.Sorted(maps.Keys(names))
	// One order for every worker (sorted): concurrent inserts of the same
	// new authors then lock their index entries in the same order.
	found, err := models.ImportAuthors(ctx, q, emails, auth.GoogleIssuer)
	if err != nil {
		return nil, err
	}
	var missing []models.ImportAuthor
	for _, e := range emails {
		if _, ok := found[e]; !ok {
			missing = append(missing, models.ImportAuthor{Email: e, Name: names[e]})
		}
	}
	if len(missing) > 0 {
		if err := models.InsertImportAuthors(ctx, q, missing, w.run.opts.Now()); err != nil {
			return nil, err
		}
		if found, err = models.ImportAuthors(ctx, q, emails, auth.GoogleIssuer); err != nil {
			return nil, err
		}
	}
	for _, e := range emails {
		if found[e] == 0 {
			return nil, fmt.Errorf("import: author %s missing after creating it", e)
		}
		out[e] = found[e]
		w.run.authorIDs.Add(e, found[e])
	}
	return out, nil
}

// row is the posts row of a record. A record without updated_at is
// stamped with the import's time; created_at is the earlier of its
// publication and its last update.
func (rec record) row(html string, now time.Time) models.ImportedPost {
	updated := now
	if rec.UpdatedAt != nil {
		updated = *rec.UpdatedAt
	}
	created := updated
	if rec.PublishedAt != nil && rec.PublishedAt.Before(created) {
		created = *rec.PublishedAt
	}
	return models.ImportedPost{ExternalID: rec.ExternalID, Hash: rec.hash, Title: rec.Title, Slug: posts.Slugify(rec.Title),
		BodyMarkdown: rec.BodyMarkdown, BodyHTML: html, Status: rec.Status, CreatedAt: created, UpdatedAt: updated,
		PublishedAt: rec.PublishedAt}
}

// lastOfEachID keeps, for an external id repeated within one batch, its
// last occurrence (the latest line wins, as it would across batches).
func lastOfEachID(batch []record) []record {
	seen := make(map[string]int, len(batch))
	dup := false
	for i, rec := range batch {
		if _, ok := seen[rec.ExternalID]; ok {
			dup = true
		}
		seen[rec.ExternalID] = i
	}
	if !dup {
		return batch
	}
	out := make([]record, 0, len(seen))
	for i, rec := range batch {
		if seen[rec.ExternalID] == i {
			out = append(out, rec)
		}
	}
	return out
}
