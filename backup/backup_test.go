package backup_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beego/beego/v2/client/orm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/backup"
	"inkwell/cache"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/media"
	"inkwell/media/mediatest"
	"inkwell/models"
	"inkwell/outbound"
	"inkwell/outbound/outboundtest"
	"inkwell/posts"
	"inkwell/storage/storagetest"
	"inkwell/testsupport"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type env struct {
	db     *database.DB
	o      orm.Ormer
	posts  *posts.Service
	media  *media.Service
	client *outbound.Client
	alice  int64
	bob    int64
}

func (e *env) backup(concurrency int) *backup.Service {
	return backup.New(e.db, e.posts, e.media, e.client, backup.Options{PublicBaseURL: "http://inkwell.test",
		MediaBaseURL: "http://inkwell.test/media", Concurrency: concurrency, Log: quiet})
}

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			db := dbtest.Open(t, driver, true)
			bucket := storagetest.Open(t, storagetest.Kinds[0])
			e := &env{db: db, o: db.Orm(), posts: posts.NewService(db, cache.NewMemory(1<<20), quiet)}
			e.media = media.NewService(db, bucket, cache.NewMemory(1<<20), media.Options{
				PublicBase: media.PublicBase(bucket, "", "http://inkwell.test"), Log: quiet})
			p := outbound.Defaults
			p.AllowCIDRs = outboundtest.AllowCIDRs
			p.RequestTimeout = 2 * time.Second // the drip test waits for it
			e.client = outbound.New(p)
			e.alice = testsupport.NewUser(t, e.o, "alice")
			e.bob = testsupport.NewUser(t, e.o, "bob")
			fn(t, e)
		})
	}
}

// site is a remote site on 127.0.0.2 counting hits per path.
type site struct {
	base string
	mu   sync.Mutex
	hits map[string]int
}

func newSite(t *testing.T, routes map[string]http.HandlerFunc) *site {
	s := &site{hits: map[string]int{}}
	srv := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		h, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	s.base = srv.URL
	return s
}

func (s *site) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *site) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.hits {
		n += v
	}
	return n
}

func bytesOf(ct string, b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write(b)
	}
}

func (e *env) post(t *testing.T, author int64, status, body string) int64 {
	t.Helper()
	p, err := e.posts.Create(context.Background(), author, posts.CreateInput{Title: "Trip", BodyMarkdown: body, Status: status})
	require.NoError(t, err)
	return p.ID
}

func mediaCount(t *testing.T, o orm.Ormer, owner int64) int {
	var n int
	require.NoError(t, o.Raw("SELECT COUNT(*) FROM media_items WHERE owner_id = ?", owner).QueryRow(&n))
	return n
}

func reasons(rep *backup.Report) map[string]string {
	m := map[string]string{}
	for _, f := range rep.Failed {
		m[f.URL] = f.Reason
	}
	return m
}

func TestPost_CopiesImagesAndVideoRefusesTheRestAndTheHTMLShowsTheCopies(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		internal := outboundtest.Listen(t, "127.0.0.1:0")
		s := newSite(t, map[string]http.HandlerFunc{
			"/cat.jpg":  bytesOf("image/jpeg", mediatest.EncodeJPEG(t, mediatest.Halves(40, 30))),
			"/dog.png":  bytesOf("image/png", mediatest.TransparentPNG(t, 20, 20)),
			"/clip.mp4": bytesOf("video/mp4", mediatest.MP4Head()),
			"/fake.jpg": bytesOf("image/jpeg", []byte("<!doctype html><html><body>not an image</body></html>")),
			"/redirect.jpg": func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, fmt.Sprintf("http://127.0.0.1:%d/x.jpg", internal.Port()), http.StatusFound)
			},
		})
		u := func(p string) string { return s.base + p }
		body := "![cat](" + u("/cat.jpg") + ") and `" + u("/cat.jpg") + "` in code\n\n" +
			"[a clip](" + u("/clip.mp4") + ") ![dog][d]\n\n<img src=\"" + u("/fake.jpg") + "\">\n\n" +
			"![r](" + u("/redirect.jpg") + ") [page](" + u("/page.html") + ")\n\n" +
			"```\n![cat](" + u("/cat.jpg") + ")\n```\n\n[d]: " + u("/dog.png") + "\n"
		id := e.post(t, e.alice, "published", body)
		before, err := e.posts.Get(ctx, id, e.alice)
		require.NoError(t, err)

		rep, err := e.backup(4).Post(ctx, id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, 5, rep.Found)
		assert.Equal(t, 3, rep.Copied)
		assert.Equal(t, 0, rep.Already)
		why := reasons(rep)
		require.Len(t, why, 2, "%+v", rep.Failed)
		assert.Contains(t, why[u("/fake.jpg")], "not an image or video")
		assert.Contains(t, why[u("/redirect.jpg")], "refused destination")
		assert.Zero(t, internal.Accepted(), "the redirect into 127.0.0.1 never connected")
		assert.Zero(t, s.Hits("/page.html"), "a link to a page is not media")

		// The copies are in the author's library, folder backup/{id}.
		var items []models.MediaItem
		_, err = e.o.Raw("SELECT id, folder, source FROM media_items WHERE owner_id = ?", e.alice).QueryRows(&items)
		require.NoError(t, err)
		require.Len(t, items, 3)
		for _, it := range items {
			assert.Equal(t, fmt.Sprintf("backup/%d", id), it.Folder)
			assert.Equal(t, models.MediaFromBackup, it.Source)
		}

		after, err := e.posts.Get(ctx, id, e.alice)
		require.NoError(t, err)
		for _, p := range []string{"/cat.jpg", "/dog.png", "/clip.mp4"} {
			assert.NotContains(t, after.BodyHTML, `"`+u(p)+`"`, "%s still loaded from the site", p)
		}
		assert.Contains(t, after.BodyHTML, "http://inkwell.test/media/u/")
		assert.Contains(t, after.BodyHTML, "<code>"+u("/cat.jpg")+"</code>", "code span untouched")
		assert.Contains(t, after.BodyHTML, "![cat]("+u("/cat.jpg")+")", "fence untouched")
		assert.Equal(t, before.BodyMarkdown, after.BodyMarkdown, "the markdown stays as written")
		assert.Equal(t, before.UpdatedAt, after.UpdatedAt, "a re-render is not an edit")

		// Run twice: nothing fetched again, everything copied is "already".
		hits := s.Total()
		rep2, err := e.backup(4).Post(ctx, id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, hits, s.Total(), "the second run fetched nothing")
		assert.Equal(t, 3, rep2.Already)
		assert.Equal(t, 0, rep2.Copied)
		assert.Len(t, rep2.Failed, 2)
		assert.Contains(t, reasons(rep2)[u("/fake.jpg")], "next attempt after")
		assert.Equal(t, 3, mediaCount(t, e.o, e.alice))

		// An edit renders with the map too.
		newBody := after.BodyMarkdown + "\n\nMore words."
		edited, err := e.posts.Update(ctx, id, e.alice, posts.UpdateInput{BodyMarkdown: &newBody})
		require.NoError(t, err)
		assert.NotContains(t, edited.BodyHTML, `"`+u("/cat.jpg")+`"`)
	})
}

func TestPost_OnlyTheAuthor(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		published := e.post(t, e.alice, "published", "hello")
		draft := e.post(t, e.alice, "draft", "hello")
		_, err := e.backup(2).Post(ctx, published, e.bob, backup.RunOptions{})
		assert.Equal(t, apperror.CodeForbidden, testsupport.Code(err))
		_, err = e.backup(2).Post(ctx, draft, e.bob, backup.RunOptions{})
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(err))
		_, err = e.backup(2).Post(ctx, draft+100, e.alice, backup.RunOptions{})
		assert.Equal(t, apperror.CodeNotFound, testsupport.Code(err))
	})
}

func TestPost_StoppedHalfwayResumesWithoutRefetchingOrDuplicates(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		const n = 6
		arrived := make(chan struct{})
		var once sync.Once
		routes := map[string]http.HandlerFunc{}
		for i := 0; i < n; i++ {
			img := mediatest.EncodeJPEG(t, mediatest.Halves(20+i, 20))
			routes[fmt.Sprintf("/img%d.jpg", i)] = func(w http.ResponseWriter, r *http.Request) {
				if i == 3 {
					stop := false
					once.Do(func() { stop = true })
					if stop {
						close(arrived)
						<-r.Context().Done() // hangs until the run is stopped
						return
					}
				}
				w.Header().Set("Content-Type", "image/jpeg")
				_, _ = w.Write(img)
			}
		}
		s := newSite(t, routes)
		var body strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&body, "![%d](%s/img%d.jpg)\n\n", i, s.base, i)
		}
		id := e.post(t, e.alice, "published", body.String())

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := e.backup(1).Post(ctx, id, e.alice, backup.RunOptions{})
			done <- err
		}()
		<-arrived
		cancel()
		require.True(t, errors.Is(<-done, context.Canceled))
		assert.Equal(t, 3, mediaCount(t, e.o, e.alice), "the three before the stop were stored")

		rep, err := e.backup(1).Post(context.Background(), id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, backup.Report{Found: n, Copied: 3, Already: 3, Failed: []backup.Failure{}}, *rep)
		for i := 0; i < n; i++ {
			want := 1
			if i == 3 {
				want = 2 // its first fetch was the one stopped
			}
			assert.Equal(t, want, s.Hits(fmt.Sprintf("/img%d.jpg", i)), "img%d", i)
		}
		assert.Equal(t, n, mediaCount(t, e.o, e.alice), "no duplicate media items")
	})
}

func TestPost_ARowLeasedByAnotherRunIsNotFetched(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := newSite(t, map[string]http.HandlerFunc{"/a.jpg": bytesOf("image/jpeg", mediatest.EncodeJPEG(t, mediatest.Halves(9, 9)))})
		id := e.post(t, e.alice, "published", "![a]("+s.base+"/a.jpg)")
		// Discover and record without fetching, then let "another run" claim it.
		_, err := e.backup(1).All(ctx, id, backup.RunOptions{DryRun: true})
		require.NoError(t, err)
		rowID, err := models.EnsureExternalMedia(ctx, e.o, e.alice, s.base+"/a.jpg", time.Now().UTC())
		require.NoError(t, err)
		now := time.Now().UTC()
		ok, err := models.ClaimExternalMedia(ctx, e.o, rowID, "other-worker", now, now.Add(time.Hour), models.ExternalPending)
		require.NoError(t, err)
		require.True(t, ok)
		rep, err := e.backup(1).Post(ctx, id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, "another backup run is copying it", reasons(rep)[s.base+"/a.jpg"])
		assert.Zero(t, s.Hits("/a.jpg"))
		// Its lease over (the other run was killed), the row is copied.
		require.NoError(t, models.ReleaseExternalMedia(ctx, e.o, rowID, "other-worker"))
		rep, err = e.backup(1).Post(ctx, id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Copied)
		assert.Equal(t, 1, s.Hits("/a.jpg"))
	})
}

func TestPost_ApplyToSourceRewritesDestinationsButNotCode(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := newSite(t, map[string]http.HandlerFunc{"/a.jpg": bytesOf("image/jpeg", mediatest.EncodeJPEG(t, mediatest.Halves(9, 9)))})
		src := "![a](" + s.base + "/a.jpg) and `" + s.base + "/a.jpg`"
		id := e.post(t, e.alice, "published", src)
		rep, err := e.backup(1).Post(ctx, id, e.alice, backup.RunOptions{ApplyToSource: true})
		require.NoError(t, err)
		require.NotNil(t, rep.SourceRewritten)
		assert.Equal(t, 1, *rep.SourceRewritten)
		p, err := e.posts.Get(ctx, id, e.alice)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(p.BodyMarkdown, "![a](http://inkwell.test/media/u/"), p.BodyMarkdown)
		assert.True(t, strings.HasSuffix(p.BodyMarkdown, "and `"+s.base+"/a.jpg`"), p.BodyMarkdown)
	})
}

func TestAll_DryRunFetchesNothingAndWritesNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := newSite(t, map[string]http.HandlerFunc{"/a.jpg": bytesOf("image/jpeg", mediatest.EncodeJPEG(t, mediatest.Halves(9, 9)))})
		e.post(t, e.alice, "published", "![a]("+s.base+"/a.jpg)")
		e.post(t, e.bob, "draft", "![a]("+s.base+"/a.jpg) ![own](http://inkwell.test/media/u/1/aa/x.jpg)")
		sum, err := e.backup(2).All(ctx, 0, backup.RunOptions{DryRun: true})
		require.NoError(t, err)
		assert.Equal(t, backup.Summary{Posts: 2, Found: 2, Copied: 2}, sum)
		assert.Zero(t, s.Total())
		var rows int
		require.NoError(t, e.o.Raw("SELECT COUNT(*) FROM external_media").QueryRow(&rows))
		assert.Zero(t, rows)

		sum, err = e.backup(2).All(ctx, 0, backup.RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, backup.Summary{Posts: 2, Found: 2, Copied: 2}, sum, "one copy per author")
		assert.Equal(t, 2, s.Hits("/a.jpg"))
	})
}

func TestPost_429RetryAfterIsHonouredForTheWholeHost(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := newSite(t, map[string]http.HandlerFunc{
			"/busy.jpg": func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "7200")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			"/later.jpg": bytesOf("image/jpeg", mediatest.EncodeJPEG(t, mediatest.Halves(9, 9))),
		})
		id := e.post(t, e.alice, "published", "![b]("+s.base+"/busy.jpg)\n\n![l]("+s.base+"/later.jpg)")
		started := time.Now().UTC()
		rep, err := e.backup(1).Post(ctx, id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		why := reasons(rep)
		assert.Equal(t, "the site answered 429", why[s.base+"/busy.jpg"])
		assert.Contains(t, why[s.base+"/later.jpg"], "the site asked us to wait")
		assert.Equal(t, 1, s.Total(), "after the 429 the host is not asked again")
		// busy.jpg waits its 2 h; later.jpg the host's wait as the outbound
		// client holds it (Retry-After capped at 1 h there).
		for p, wait := range map[string]time.Duration{"/busy.jpg": 2 * time.Hour, "/later.jpg": time.Hour} {
			rowID, err := models.EnsureExternalMedia(ctx, e.o, e.alice, s.base+p, started)
			require.NoError(t, err)
			row, err := models.ExternalMediaByID(ctx, e.o, rowID)
			require.NoError(t, err)
			assert.Equal(t, models.ExternalPending, row.Status)
			assert.True(t, row.NextAttemptAt.After(started.Add(wait-5*time.Minute)), "%s next attempt %s", p, row.NextAttemptAt)
		}
		// A second run waits too: nothing is fetched.
		rep, err = e.backup(1).Post(ctx, id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		assert.Contains(t, reasons(rep)[s.base+"/busy.jpg"], "next attempt after")
		assert.Equal(t, 1, s.Total())
	})
}

func TestPost_UnderADeadlineNoCopyStartsThatCouldNotEndBeforeIt(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		s := newSite(t, map[string]http.HandlerFunc{"/a.jpg": bytesOf("image/jpeg", mediatest.EncodeJPEG(t, mediatest.Halves(9, 9)))})
		id := e.post(t, e.alice, "published", "![a]("+s.base+"/a.jpg)")
		ctx, cancel := context.WithTimeout(context.Background(), backup.FetchReserve-time.Second)
		defer cancel()
		rep, err := e.backup(1).Post(ctx, id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		assert.Contains(t, reasons(rep)[s.base+"/a.jpg"], "run the backup again to continue")
		assert.Zero(t, s.Total())
		rep, err = e.backup(1).Post(context.Background(), id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Copied)
	})
}

func TestRunDue_TheWorkerRecordsNewPostsCopiesAndRetriesWithBackoff(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var failing atomic.Bool
		failing.Store(true)
		img := mediatest.EncodeJPEG(t, mediatest.Halves(11, 11))
		s := newSite(t, map[string]http.HandlerFunc{
			"/a.jpg": bytesOf("image/jpeg", img),
			"/flaky.jpg": func(w http.ResponseWriter, r *http.Request) {
				if failing.Load() {
					http.Error(w, "down", http.StatusBadGateway)
					return
				}
				bytesOf("image/jpeg", mediatest.EncodeJPEG(t, mediatest.Halves(12, 12)))(w, r)
			},
		})
		svc := e.backup(2)
		id := e.post(t, e.alice, "published", "![a]("+s.base+"/a.jpg) ![f]("+s.base+"/flaky.jpg)")
		after, err := svc.NewPosts(ctx, 0)
		require.NoError(t, err)
		assert.Equal(t, id, after)
		assert.Zero(t, s.Total(), "recording fetches nothing")

		n, err := svc.RunDue(ctx, 20)
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		p, err := e.posts.Get(ctx, id, e.alice)
		require.NoError(t, err)
		assert.NotContains(t, p.BodyHTML, `src="`+s.base+"/a.jpg")
		assert.Contains(t, p.BodyHTML, `src="`+s.base+"/flaky.jpg", "not copied yet")

		flakyID, err := models.EnsureExternalMedia(ctx, e.o, e.alice, s.base+"/flaky.jpg", time.Now())
		require.NoError(t, err)
		row, err := models.ExternalMediaByID(ctx, e.o, flakyID)
		require.NoError(t, err)
		assert.Equal(t, models.ExternalPending, row.Status)
		assert.Equal(t, 1, row.Attempts)
		assert.Equal(t, "the site answered 502", *row.LastError)
		assert.WithinDuration(t, time.Now().Add(backup.Backoff[0]), row.NextAttemptAt, 30*time.Second)

		// Not due yet: nothing runs, nothing is fetched.
		hits := s.Total()
		n, err = svc.RunDue(ctx, 20)
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Equal(t, hits, s.Total())

		// Due (its wait over) and the site back: copied, the post swapped.
		_, err = e.o.Raw("UPDATE external_media SET next_attempt_at = ? WHERE id = ?", "2000-01-01 00:00:00.000000", flakyID).Exec()
		require.NoError(t, err)
		failing.Store(false)
		n, err = svc.RunDue(ctx, 20)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		p, err = e.posts.Get(ctx, id, e.alice)
		require.NoError(t, err)
		assert.NotContains(t, p.BodyHTML, `src="`+s.base)
	})
}

func TestPost_ACopyTheAuthorDeletedIsCopiedAgain(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := newSite(t, map[string]http.HandlerFunc{"/a.jpg": bytesOf("image/jpeg", mediatest.EncodeJPEG(t, mediatest.Halves(9, 9)))})
		id := e.post(t, e.alice, "published", "![a]("+s.base+"/a.jpg)")
		_, err := e.backup(1).Post(ctx, id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		var itemID int64
		require.NoError(t, e.o.Raw("SELECT id FROM media_items WHERE owner_id = ?", e.alice).QueryRow(&itemID))
		require.NoError(t, e.media.Delete(ctx, e.alice, itemID))

		rep, err := e.backup(1).Post(ctx, id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Copied)
		assert.Equal(t, 2, s.Hits("/a.jpg"))
		assert.Equal(t, 1, mediaCount(t, e.o, e.alice))
		p, err := e.posts.Get(ctx, id, e.alice)
		require.NoError(t, err)
		assert.Contains(t, p.BodyHTML, "http://inkwell.test/media/u/")
	})
}

func TestPost_ASlowDripTimesOutAndABodyOverTheCapIsRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		head := mediatest.EncodeJPEG(t, mediatest.Halves(9, 9))
		s := newSite(t, map[string]http.HandlerFunc{
			"/drip.jpg": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "image/jpeg")
				for i := 0; i < len(head); i++ {
					if _, err := w.Write(head[i : i+1]); err != nil {
						return
					}
					w.(http.Flusher).Flush()
					select {
					case <-r.Context().Done():
						return
					case <-time.After(200 * time.Millisecond):
					}
				}
			},
			"/huge.jpg": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "image/jpeg")
				_, _ = w.Write(head[:len(head)-2])
				zeros := make([]byte, 1<<20)
				for i := 0; i < 30; i++ { // 30 MiB, over the 20 MiB cap
					if _, err := w.Write(zeros); err != nil {
						return
					}
				}
			},
		})
		id := e.post(t, e.alice, "published", "![d]("+s.base+"/drip.jpg) ![h]("+s.base+"/huge.jpg)")
		rep, err := e.backup(2).Post(ctx, id, e.alice, backup.RunOptions{})
		require.NoError(t, err)
		why := reasons(rep)
		assert.Equal(t, "the transfer timed out", why[s.base+"/drip.jpg"])
		assert.Equal(t, "larger than the library's upload limit", why[s.base+"/huge.jpg"])
		assert.Zero(t, mediaCount(t, e.o, e.alice))
	})
}
