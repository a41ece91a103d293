package backup

import (
	"context"
	"errors"
	"time"

	"inkwell/markdown"
	"inkwell/models"
)

// postBatch is how many posts a run over every post reads at a time; their
// media are copied by one pool, so many small posts keep every slot busy.
const postBatch = 100

// Summary is a run over many posts.
type Summary struct {
	Posts   int
	Found   int
	Copied  int
	Already int
	// Failures lists every URL not copied, with its post.
	Failures []PostFailure
}

// PostFailure is a Failure in a given post.
type PostFailure struct {
	PostID int64
	Failure
}

// All backs up every post (or only post id when only > 0), as `inkwell
// media backup` does: posts are read in batches by id, each batch's URLs
// recorded, then copied together (a URL shown by several posts of one
// author is fetched once), then the batch's posts re-rendered.
func (s *Service) All(ctx context.Context, only int64, opts RunOptions) (Summary, error) {
	var sum Summary
	o := s.db.Orm()
	after := int64(0)
	done, total := 0, 0
	progress := func(int, int) {}
	if opts.Progress != nil {
		progress = func(int, int) { opts.Progress(done, total) }
	}
	for first := true; ; first = false {
		var batch []models.PostSource
		var err error
		if only > 0 {
			if !first {
				break
			}
			batch, err = models.PostSourcesAfter(ctx, o, only-1, 1)
			if len(batch) == 1 && batch[0].ID != only {
				batch = nil
			}
		} else {
			batch, err = models.PostSourcesAfter(ctx, o, after, postBatch)
		}
		if err != nil {
			return sum, err
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].ID
		var jobs []job
		queued := map[int64]bool{}
		for _, p := range batch {
			sum.Posts++
			urls, err := s.Discover(ctx, p.BodyMarkdown)
			var refused *markdown.RefusedError
			if errors.As(err, &refused) {
				continue // a post the renderer refuses shows nothing
			}
			if err != nil {
				return sum, err
			}
			if len(urls) > MaxPerPost {
				urls = urls[:MaxPerPost]
			}
			sum.Found += len(urls)
			total += len(urls)
			if opts.DryRun {
				rep, err := s.dryRun(ctx, p, urls, &Report{Failed: []Failure{}}, RunOptions{})
				if err != nil {
					return sum, err
				}
				sum.Already += rep.Already
				sum.Copied += rep.Copied
				for _, f := range rep.Failed {
					sum.Failures = append(sum.Failures, PostFailure{p.ID, f})
				}
				done += len(urls)
				progress(0, 0)
				continue
			}
			if err := s.record(ctx, p, urls); err != nil {
				return sum, err
			}
			rows, err := models.ExternalMediaOfPost(ctx, o, p.ID)
			if err != nil {
				return sum, err
			}
			for _, r := range rows {
				switch {
				case r.Status == models.ExternalOK && r.ItemKey != nil, queued[r.ID]:
					sum.Already++
					done++
				default:
					queued[r.ID] = true
					jobs = append(jobs, job{row: r, post: p.ID, statuses: explicitStatuses(r)})
				}
			}
		}
		if opts.DryRun || len(batch) == 0 {
			continue
		}
		progress(0, 0)
		results := s.runJobs(ctx, jobs, func(int, int) { done++; progress(0, 0) }, 0, 0)
		for i, res := range results {
			switch {
			case res.copied:
				sum.Copied++
			case res.already:
				sum.Already++
			default:
				sum.Failures = append(sum.Failures, PostFailure{jobs[i].post, Failure{URL: res.url, Reason: res.reason}})
			}
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		for _, p := range batch {
			if err := s.posts.Rerender(ctx, p.ID); err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}

// RunDue copies up to limit rows that are due (pending, past their next
// attempt, not leased): the background worker's and a retry's work. It
// answers how many it handled; their posts are re-rendered.
func (s *Service) RunDue(ctx context.Context, limit int) (int, error) {
	rows, err := models.DueExternalMedia(ctx, s.db.Orm(), s.now(), limit)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	jobs := make([]job, len(rows))
	for i, r := range rows {
		jobs[i] = job{row: r, post: r.PostID, statuses: []string{models.ExternalPending}}
	}
	results := s.runJobs(ctx, jobs, nil, 0, 0)
	rerendered := map[int64]bool{}
	for i, res := range results {
		if res.copied && !rerendered[jobs[i].post] {
			rerendered[jobs[i].post] = true
			if err := s.posts.Rerender(ctx, jobs[i].post); err != nil {
				return len(rows), err
			}
		}
	}
	return len(rows), nil
}

// NewPosts discovers and records the media of posts above after (the
// background worker's way to find new posts without scanning them all),
// answering the highest id seen.
func (s *Service) NewPosts(ctx context.Context, after int64) (int64, error) {
	batch, err := models.PostSourcesAfter(ctx, s.db.Orm(), after, postBatch)
	if err != nil {
		return after, err
	}
	for _, p := range batch {
		urls, err := s.Discover(ctx, p.BodyMarkdown)
		if err == nil {
			if len(urls) > MaxPerPost {
				urls = urls[:MaxPerPost]
			}
			err = s.record(ctx, p, urls)
		}
		var refused *markdown.RefusedError
		if err != nil && !errors.As(err, &refused) {
			return after, err
		}
		after = p.ID
	}
	return after, nil
}

// Worker runs in the server with MEDIA_BACKUP=auto until ctx ends: every
// interval it records the media of posts created since it started (and
// since the last tick), then copies what is due. Edits adding media to
// older posts are picked up by the author's "Back up media" or the CLI.
func (s *Service) Worker(ctx context.Context, interval time.Duration) {
	after, err := models.MaxPostID(ctx, s.db.Orm())
	if err != nil {
		s.log.Error("media backup worker: start", "err", err)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if after, err = s.NewPosts(ctx, after); err != nil && ctx.Err() == nil {
			s.log.Error("media backup worker: discover", "err", err)
		}
		for ctx.Err() == nil {
			n, err := s.RunDue(ctx, 20)
			if err != nil && ctx.Err() == nil {
				s.log.Error("media backup worker: copy", "err", err)
			}
			if n < 20 || err != nil {
				break
			}
		}
	}
}
