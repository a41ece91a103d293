// Package backup copies the external images and videos posts show into
// their authors' media libraries (issue 18, F12), so a post keeps its
// pictures when the sites it linked to change or disappear, and readers'
// browsers load them from us rather than from third parties.
//
// Discovery renders a post's markdown and walks the sanitized HTML
// (markdown.ExternalMedia); each URL is a row of external_media per owner
// (unique URL hash), linked to the posts showing it. A run claims a due row
// with a lease (one conditional UPDATE), fetches it through the one
// outbound client, stores it through the media pipeline (type from the
// bytes, EXIF stripped, thumbnails) in folder backup/{post id} with source
// backup, and records the outcome. Posts then render with a URL map
// (posts.Rerender): body_html points at the copies, the markdown stays as
// written unless the author applies the change to the source.
//
// Idempotent and resumable: an ok row is never fetched again; a killed run's
// leases expire and its rows are picked up again; media items are
// content-addressed per owner, so even a row fetched twice makes one item.
package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/beego/beego/v2/client/orm"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/markdown"
	"inkwell/media"
	"inkwell/models"
	"inkwell/outbound"
	"inkwell/posts"
)

// Backoff is the wait after each failed attempt; a row failing once more
// than listed is failed for good (an author's explicit run may try it again
// after the last wait).
var Backoff = []time.Duration{time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}

// Defaults of Options.
const (
	DefaultConcurrency = 8
	DefaultLease       = 2 * time.Minute
	// MaxMediaBytes is the media body cap (the library's upload limit,
	// MAX_UPLOAD_BYTES, when that is smaller).
	MaxMediaBytes = 20 << 20
	// MaxPerPost bounds the URLs one post's run handles (bounded work per
	// request); more are reported as failed with a reason.
	MaxPerPost = 200
	// FetchReserve is the time a copy may take (the outbound client's
	// whole-request timeout, 6 s, plus storing): under a deadline (an API
	// request's REQUEST_TIMEOUT), no copy starts later than this before it.
	FetchReserve = 7 * time.Second
)

// Options configure a Service.
type Options struct {
	// PublicBaseURL and MediaBaseURL are ours: URLs under them are not
	// external.
	PublicBaseURL string
	MediaBaseURL  string
	// Concurrency is how many rows one run fetches at once (the outbound
	// client still allows at most 2 per host).
	Concurrency int
	// Lease is how long a claim lasts; a killed run's rows return after it.
	Lease time.Duration
	Log   *slog.Logger
}

// Service runs backups.
type Service struct {
	db          *database.DB
	posts       *posts.Service
	media       *media.Service
	client      *outbound.Client
	publicHost  string
	mediaBase   string
	concurrency int
	lease       time.Duration
	maxBytes    int64
	worker      string
	log         *slog.Logger
	now         func() time.Time
}

// New returns the backup service. It registers itself as the posts
// service's URL map source, so every later render of a post shows its
// copies.
func New(db *database.DB, postsSvc *posts.Service, mediaSvc *media.Service, client *outbound.Client, opts Options) *Service {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	s := &Service{db: db, posts: postsSvc, media: mediaSvc, client: client, concurrency: opts.Concurrency,
		lease: opts.Lease, log: opts.Log, now: func() time.Time { return time.Now().UTC() },
		mediaBase: strings.TrimRight(opts.MediaBaseURL, "/") + "/"}
	if u, err := url.Parse(opts.PublicBaseURL); err == nil {
		s.publicHost = strings.ToLower(u.Host)
	}
	s.maxBytes = MaxMediaBytes
	if m := mediaSvc.MaxUploadBytes(); m > 0 && m < s.maxBytes {
		s.maxBytes = m
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	host, _ := os.Hostname()
	s.worker = fmt.Sprintf("%.40s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	postsSvc.SetURLMaps(s)
	return s
}

// Report is API.md's answer to POST /api/v1/posts/{id}/media-backup.
// source_rewritten is an extension: spans of the markdown replaced by
// "apply to source" (present only when asked).
type Report struct {
	Found           int       `json:"found"`
	Copied          int       `json:"copied"`
	Already         int       `json:"already"`
	Failed          []Failure `json:"failed"`
	SourceRewritten *int      `json:"source_rewritten,omitempty"`
}

// Failure is one URL not copied, with why.
type Failure struct {
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

// RunOptions change one run.
type RunOptions struct {
	// DryRun discovers and reports without fetching or writing anything:
	// Copied counts what would be fetched.
	DryRun bool
	// ApplyToSource rewrites the markdown's destinations to the copies
	// (markdown.RewriteSource) through the normal post update.
	ApplyToSource bool
	// Progress, when set, hears after each URL handled.
	Progress func(done, total int)
}

func (s *Service) own(u *url.URL) bool {
	if s.publicHost != "" && strings.EqualFold(u.Host, s.publicHost) {
		return true
	}
	return s.mediaBase != "/" && strings.HasPrefix(u.String(), s.mediaBase)
}

// Discover lists the external media post markdown shows.
func (s *Service) Discover(ctx context.Context, bodyMarkdown string) ([]string, error) {
	html, err := markdown.RenderContext(ctx, bodyMarkdown)
	if err != nil {
		return nil, err
	}
	return markdown.ExternalMedia(html, s.own), nil
}

// Post backs up the external media of post id for its author (caller):
// someone else's draft is 404, someone else's post 403.
func (s *Service) Post(ctx context.Context, id, caller int64, opts RunOptions) (*Report, error) {
	p, err := s.posts.AuthorPost(ctx, id, caller)
	if err != nil {
		return nil, err
	}
	rep, err := s.runPost(ctx, models.PostSource{ID: p.ID, AuthorID: p.AuthorID, BodyMarkdown: p.BodyMarkdown}, opts)
	if err != nil {
		return nil, err
	}
	if opts.ApplyToSource && !opts.DryRun {
		m, err := s.URLMap(ctx, id)
		if err != nil {
			return nil, err
		}
		src, n, err := markdown.RewriteSource(ctx, p.BodyMarkdown, m)
		if err != nil {
			return nil, fmt.Errorf("backup: apply to source of %d: %w", id, err)
		}
		if n > 0 {
			if _, err := s.posts.UpdateMarkdown(ctx, id, caller, src); err != nil {
				return nil, err
			}
		}
		rep.SourceRewritten = &n
	}
	return rep, nil
}

// runPost discovers post's media, records them, copies what is due and
// re-renders the post.
func (s *Service) runPost(ctx context.Context, p models.PostSource, opts RunOptions) (*Report, error) {
	urls, err := s.Discover(ctx, p.BodyMarkdown)
	if err != nil {
		return nil, fmt.Errorf("backup: discover in post %d: %w", p.ID, err)
	}
	rep := &Report{Found: len(urls), Failed: []Failure{}}
	if len(urls) > MaxPerPost {
		for _, u := range urls[MaxPerPost:] {
			rep.Failed = append(rep.Failed, Failure{URL: u, Reason: fmt.Sprintf("over %d media in one post", MaxPerPost)})
		}
		urls = urls[:MaxPerPost]
	}
	if opts.DryRun {
		return s.dryRun(ctx, p, urls, rep, opts)
	}
	if err := s.record(ctx, p, urls); err != nil {
		return nil, err
	}
	rows, err := models.ExternalMediaOfPost(ctx, s.db.Orm(), p.ID)
	if err != nil {
		return nil, err
	}
	jobs := make([]job, 0, len(rows))
	for _, r := range rows {
		if r.Status == models.ExternalOK && r.ItemKey != nil {
			rep.Already++
			continue
		}
		jobs = append(jobs, job{row: r, post: p.ID, statuses: explicitStatuses(r)})
	}
	results := s.runJobs(ctx, jobs, opts.Progress, rep.Already, len(rows))
	for _, res := range results {
		switch {
		case res.copied:
			rep.Copied++
		case res.already:
			rep.Already++
		default:
			rep.Failed = append(rep.Failed, Failure{URL: res.url, Reason: res.reason})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.posts.Rerender(ctx, p.ID); err != nil {
		return nil, err
	}
	return rep, nil
}

// explicitStatuses are what an author's (or the CLI's) run may claim: a
// failed row is tried again once its last wait is over, and an ok row
// whose copy the author deleted is copied again.
func explicitStatuses(r models.ExternalMedia) []string {
	if r.Status == models.ExternalOK {
		return []string{models.ExternalOK}
	}
	return []string{models.ExternalPending, models.ExternalFailed}
}

func (s *Service) dryRun(ctx context.Context, p models.PostSource, urls []string, rep *Report, opts RunOptions) (*Report, error) {
	rows, err := models.ExternalMediaOfPost(ctx, s.db.Orm(), p.ID)
	if err != nil {
		return nil, err
	}
	byURL := map[string]models.ExternalMedia{}
	for _, r := range rows {
		byURL[r.URL] = r
	}
	for i, u := range urls {
		r, ok := byURL[u]
		switch {
		case ok && r.Status == models.ExternalOK && r.ItemKey != nil:
			rep.Already++
		case ok && r.Status == models.ExternalSkipped:
			rep.Failed = append(rep.Failed, Failure{URL: u, Reason: deref(r.LastError)})
		default:
			rep.Copied++ // would be fetched
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(urls))
		}
	}
	return rep, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// record makes a row per URL for the author and links exactly these to
// the post.
func (s *Service) record(ctx context.Context, p models.PostSource, urls []string) error {
	o := s.db.Orm()
	ids := make([]int64, 0, len(urls))
	for _, u := range urls {
		id, err := models.EnsureExternalMedia(ctx, o, p.AuthorID, u, s.now())
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	return models.InTx(ctx, o, func(ctx context.Context, tx orm.TxOrmer) error {
		return models.SetPostExternalMedia(ctx, tx, p.ID, ids)
	})
}

// URLMap answers the post's swaps: each external URL it shows whose copy
// exists → the copy's address (the rendering for posts of a large image,
// else the file).
func (s *Service) URLMap(ctx context.Context, postID int64) (map[string]string, error) {
	rows, err := models.ExternalMediaOfPost(ctx, s.db.Orm(), postID)
	if err != nil {
		return nil, err
	}
	var m map[string]string
	for _, r := range rows {
		if r.Status != models.ExternalOK || r.ItemKey == nil {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		key := *r.ItemKey
		if r.ItemPostKey != nil {
			key = *r.ItemPostKey
		}
		m[r.URL] = s.media.ObjectURL(key)
	}
	return m, nil
}

// job is one row to copy, into post's folder.
type job struct {
	row      models.ExternalMedia
	post     int64
	statuses []string
}

type result struct {
	url    string
	copied bool
	// already: copied by another run meanwhile (this one fetched nothing).
	already bool
	reason  string
}

// runJobs copies jobs with at most Concurrency at once, in order of
// results. done0/total feed Progress.
func (s *Service) runJobs(ctx context.Context, jobs []job, progress func(done, total int), done0, total int) []result {
	results := make([]result, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := done0
	if progress != nil && total > 0 {
		progress(done, total)
	}
	for w := 0; w < min(s.concurrency, len(jobs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if tooLate(ctx) {
					// Under a request's deadline, what starts must be able
					// to end before it; the rest waits for the next call.
					results[i] = result{url: jobs[i].row.URL, reason: "not started within this request's time; run the backup again to continue"}
				} else {
					results[i] = s.copyOne(ctx, jobs[i])
				}
				if progress != nil {
					mu.Lock()
					done++
					progress(done, total)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			results[i] = result{url: jobs[i].row.URL, reason: "the run was stopped"}
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// tooLate says whether ctx's deadline leaves less than FetchReserve.
func tooLate(ctx context.Context) bool {
	deadline, bounded := ctx.Deadline()
	return bounded && time.Until(deadline) < FetchReserve
}

// copyOne claims, fetches, stores and records one row.
func (s *Service) copyOne(ctx context.Context, j job) result {
	o := s.db.Orm()
	r := j.row
	now := s.now()
	if ctx.Err() != nil {
		return result{url: r.URL, reason: "the run was stopped"}
	}
	claimed, err := models.ClaimExternalMedia(ctx, o, r.ID, s.worker, now, now.Add(s.lease), j.statuses...)
	if err != nil {
		return result{url: r.URL, reason: "internal error"}
	}
	if !claimed {
		return s.unclaimed(ctx, r)
	}
	out, res := s.fetchAndStore(ctx, j)
	if ctx.Err() != nil && !res.copied {
		// Stopped half-way: nothing is recorded, the row is free again.
		if err := models.ReleaseExternalMedia(context.WithoutCancel(ctx), o, r.ID, s.worker); err != nil {
			s.log.Warn("media backup: release lease", "id", r.ID, "err", err)
		}
		return result{url: r.URL, reason: "the run was stopped"}
	}
	held, err := models.FinishExternalMedia(context.WithoutCancel(ctx), o, r.ID, s.worker, s.now(), out)
	if err != nil {
		s.log.Error("media backup: record outcome", "id", r.ID, "err", err)
		return result{url: r.URL, reason: "internal error"}
	}
	if !held {
		s.log.Warn("media backup: lease lost before the outcome was recorded", "id", r.ID, "url", r.URL)
	}
	return res
}

// unclaimed explains a row this run could not claim: waiting for its next
// attempt, copied meanwhile, or being copied by another run.
func (s *Service) unclaimed(ctx context.Context, r models.ExternalMedia) result {
	cur, err := models.ExternalMediaByID(ctx, s.db.Orm(), r.ID)
	if err != nil {
		return result{url: r.URL, reason: "internal error"}
	}
	switch {
	case cur.Status == models.ExternalOK && cur.ItemKey != nil:
		return result{url: r.URL, already: true}
	case cur.LeaseUntil != nil && cur.LeaseUntil.After(s.now()):
		return result{url: r.URL, reason: "another backup run is copying it"}
	case cur.Status == models.ExternalSkipped:
		return result{url: r.URL, reason: deref(cur.LastError)}
	}
	reason := deref(cur.LastError)
	if reason == "" {
		reason = "not due"
	}
	return result{url: r.URL, reason: reason + "; next attempt after " + cur.NextAttemptAt.UTC().Format(time.RFC3339)}
}

// fetchAndStore is one attempt: the outcome to record and the result to
// report.
func (s *Service) fetchAndStore(ctx context.Context, j job) (models.ExternalMediaOutcome, result) {
	r := j.row
	now := s.now()
	resp, err := s.client.Get(ctx, r.URL, outbound.Fetch{Accept: "image/*,video/*;q=0.9,*/*;q=0.1", MaxBytes: s.maxBytes + 1})
	if err != nil {
		return s.failure(r, err, nil, now)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		status := int64(resp.StatusCode)
		out, res := s.failure(r, outbound.UpstreamStatus(resp), &status, now)
		if wait, ok := retryAfter(resp, now); ok && out.Status == models.ExternalPending && now.Add(wait).After(out.NextAttempt) {
			out.NextAttempt = now.Add(wait)
		}
		return out, res
	}
	status := int64(resp.StatusCode)
	name, why := media.NormalizeName(path.Base(resp.Request.URL.Path))
	if why != "" || name == "/" || name == "." {
		name = ""
	}
	item, _, err := s.media.Upload(ctx, media.UploadInput{Owner: r.OwnerID, Folder: "backup/" + strconv.FormatInt(j.post, 10),
		Name: name, Body: resp.Body, Source: models.MediaFromBackup})
	if err != nil {
		return s.failure(r, err, &status, now)
	}
	id := item.ID
	return models.ExternalMediaOutcome{Status: models.ExternalOK, MediaItemID: &id, LastStatus: &status,
		NextAttempt: now, CountTry: true}, result{url: r.URL, copied: true}
}

// failure turns an attempt's error into the row's next state and the
// reason reported: refused destinations are skipped for good; what the
// bytes or the site's answer rule out (not media, too large, gone) fails
// until an explicit run after a day; anything transient is retried with
// Backoff, and a Retry-After is respected.
func (s *Service) failure(r models.ExternalMedia, err error, status *int64, now time.Time) (models.ExternalMediaOutcome, result) {
	reason, kind, wait := classify(err)
	if kind == transient && reason == "the copy could not be stored" {
		s.log.Warn("media backup: copy failed", "url", r.URL, "err", err)
	}
	out := models.ExternalMediaOutcome{LastStatus: status, CountTry: true}
	short := reason
	if len(short) > 300 {
		short = short[:300]
	}
	out.LastError = &short
	switch kind {
	case skip:
		out.Status, out.NextAttempt = models.ExternalSkipped, now
	case permanent:
		out.Status, out.NextAttempt = models.ExternalFailed, now.Add(Backoff[len(Backoff)-1])
	default:
		tries := r.Attempts + 1
		if r.Status == models.ExternalFailed || tries > len(Backoff) {
			out.Status, out.NextAttempt = models.ExternalFailed, now.Add(max(Backoff[len(Backoff)-1], wait))
		} else {
			out.Status, out.NextAttempt = models.ExternalPending, now.Add(max(Backoff[tries-1], wait))
		}
	}
	return out, result{url: r.URL, reason: reason}
}

type failureKind int

const (
	transient failureKind = iota
	permanent
	skip
)

// classify says why an attempt failed, in words for the author, and
// whether trying again can help.
func classify(err error) (string, failureKind, time.Duration) {
	var blocked *outbound.BlockedError
	var unavailable *outbound.UnavailableError
	var upstream *outbound.UpstreamError
	var app *apperror.Error
	switch {
	case errors.As(err, &blocked):
		return "refused destination: " + blocked.Reason, skip, 0
	case errors.As(err, &unavailable):
		return "the site asked us to wait (" + unavailable.Reason + ")", transient, unavailable.RetryAfter
	case errors.As(err, &app) && app.Code == apperror.CodeUnsupportedMedia:
		return "not an image or video the library accepts (JPEG, PNG, GIF, WebP, MP4, WebM, judged by the bytes)", permanent, 0
	case errors.As(err, &app) && app.Code == apperror.CodeTooLarge:
		return "larger than the library's upload limit", permanent, 0
	case errors.Is(err, outbound.ErrBodyTooLarge):
		return "larger than the library's upload limit", permanent, 0
	case errors.As(err, &app) && app.Code == apperror.CodeValidation:
		return "not usable: " + app.Message + fieldsOf(app), permanent, 0
	case errors.As(err, &upstream) && upstream.StatusCode != 0:
		code := upstream.StatusCode
		reason := "the site answered " + strconv.Itoa(code)
		if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable || code >= 500 || code == http.StatusRequestTimeout {
			return reason, transient, 0
		}
		return reason, permanent, 0
	case errors.As(err, &upstream):
		return "the site could not be reached (" + upstreamCause(upstream) + ")", transient, 0
	}
	var timeout interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &timeout) && timeout.Timeout() {
		// The outbound client's whole-request deadline ended while the
		// body was being read (a slow drip).
		return "the transfer timed out", transient, 0
	}
	return "the copy could not be stored", transient, 0
}

func fieldsOf(e *apperror.Error) string {
	var parts []string
	for k, v := range e.Fields {
		parts = append(parts, k+": "+v)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

func upstreamCause(e *outbound.UpstreamError) string {
	if e.Err == nil {
		return "no answer"
	}
	var ne interface{ Timeout() bool }
	if errors.As(e.Err, &ne) && ne.Timeout() || errors.Is(e.Err, context.DeadlineExceeded) {
		return "timed out"
	}
	return "connection failed"
}

// retryAfter reads a 429 or 503's Retry-After (seconds or an HTTP date),
// capped at the longest backoff.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	var wait time.Duration
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		wait = time.Duration(secs) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		wait = at.Sub(now)
	} else {
		return 0, false
	}
	return min(max(wait, 0), Backoff[len(Backoff)-1]), true
}
