package posts

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/cache"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/outbound"
	"inkwell/outbound/outboundtest"
	"inkwell/previews"
	"inkwell/testsupport"
)

// cardSite is a remote site on 127.0.0.2 (opened by OUTBOUND_ALLOW_CIDRS
// as in a deployment's config): /page has a title, /gone is a 404, and
// every answer waits until release is closed.
type cardSite struct {
	url     string
	release chan struct{}
	mu      sync.Mutex
	hits    map[string]int
}

func newCardSite(t *testing.T) *cardSite {
	s := &cardSite{release: make(chan struct{}), hits: map[string]int{}}
	srv := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		<-s.release
		if r.URL.Path != "/page" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<html><head><title>ignored</title>
<meta property="og:title" content="A &lt;b&gt;card&lt;/b&gt; title">
<meta property="og:description" content="What the page is about.">
<meta property="og:site_name" content="Card Site"></head><body>x</body></html>`)
	}))
	s.url = srv.URL
	return s
}

func (s *cardSite) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func newCardService(t *testing.T, db *database.DB) *Service {
	t.Helper()
	t.Setenv("OUTBOUND_ALLOW_CIDRS", outboundtest.AllowedAddr)
	cfg, err := config.Load(nil)
	require.NoError(t, err)
	c := cache.NewMemory(1 << 20)
	s := NewService(db, c, quietLog())
	s.UseLinkCards(previews.NewService(outbound.New(outbound.PolicyFromConfig(cfg)), c, nil, quietLog()))
	t.Cleanup(s.WaitForCards)
	return s
}

func TestCards_ABareLinkGetsItsCardAfterTheBackgroundFetch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o := context.Background(), db.Orm()
		s := newCardService(t, db)
		site := newCardSite(t)
		alice := testsupport.NewUser(t, o, "alice")

		// GFM's autolinker wants a domain name, so the test site's bare
		// links are written <…>, the CommonMark autolink.
		body := "Intro with <" + site.url + "/page> inline.\n\n<" + site.url + "/page>\n\n`<" + site.url + "/code>`\n\n<" + site.url + "/gone>\n"
		p, err := s.Create(ctx, alice, CreateInput{Title: "Links", BodyMarkdown: body, Status: "published"})
		require.NoError(t, err)
		assert.NotContains(t, p.BodyHTML, "link-card", "nothing is fetched while the post is saved")
		// Read (and cached) before the previews arrive.
		before, err := s.Get(ctx, p.ID, 0)
		require.NoError(t, err)
		assert.NotContains(t, before.BodyHTML, "link-card")

		close(site.release)
		s.WaitForCards()

		after, err := s.Get(ctx, p.ID, 0)
		require.NoError(t, err)
		assert.Equal(t, 1, strings.Count(after.BodyHTML, `class="link-card"`), after.BodyHTML)
		assert.Contains(t, after.BodyHTML, `<p class="link-card"><a href="`+site.url+`/page" rel="nofollow noopener" target="_blank">`+
			`<strong class="link-card-title">A &lt;b&gt;card&lt;/b&gt; title</strong><br>`+
			`<span class="link-card-description">What the page is about.</span><br><small class="link-card-site">Card Site</small></a></p>`)
		assert.Contains(t, after.BodyHTML, `<a href="`+site.url+`/gone" rel="nofollow noopener" target="_blank">`+site.url+`/gone</a>`,
			"a link without a preview stays a link")
		assert.Contains(t, after.BodyHTML, "<code>&lt;"+site.url+"/code&gt;</code>")
		assert.Equal(t, p.UpdatedAt, after.UpdatedAt, "a card arriving is not an edit")
		assert.Equal(t, p.BodyMarkdown, after.BodyMarkdown)
		assert.Equal(t, 1, site.Hits("/page"))
		assert.Equal(t, 1, site.Hits("/gone"))
		assert.Zero(t, site.Hits("/code"), "links in code are not fetched")

		// Another post with the same links: the card at once from the
		// cache, the failure remembered, nothing fetched.
		q, err := s.Create(ctx, alice, CreateInput{Title: "Again", BodyMarkdown: "<" + site.url + "/page>\n\n<" + site.url + "/gone>"})
		require.NoError(t, err)
		s.WaitForCards()
		assert.Contains(t, q.BodyHTML, `<strong class="link-card-title">`)
		assert.Equal(t, 1, site.Hits("/page"))
		assert.Equal(t, 1, site.Hits("/gone"))

		// An edit removing the link removes the card.
		upd, err := s.Update(ctx, p.ID, alice, UpdateInput{BodyMarkdown: ptr("No links now.")})
		require.NoError(t, err)
		assert.NotContains(t, upd.BodyHTML, "link-card")
	})
}

func TestCards_AnEditDuringTheFetchIsNotOverwritten(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o := context.Background(), db.Orm()
		s := newCardService(t, db)
		site := newCardSite(t)
		alice := testsupport.NewUser(t, o, "alice")

		p, err := s.Create(ctx, alice, CreateInput{Title: "Links", BodyMarkdown: "<" + site.url + "/page>"})
		require.NoError(t, err)
		// The author edits the post while its card is being fetched.
		edited, err := s.Update(ctx, p.ID, alice, UpdateInput{BodyMarkdown: ptr("Changed my mind.")})
		require.NoError(t, err)
		close(site.release)
		s.WaitForCards()
		got, err := s.Get(ctx, p.ID, alice)
		require.NoError(t, err)
		assert.Equal(t, edited.BodyHTML, got.BodyHTML, "the render of the old markdown is dropped")
		assert.Equal(t, "Changed my mind.", got.BodyMarkdown)
	})
}

// fixedURLMap is a media backup's URL map for every post: an external
// image → its copy.
type fixedURLMap map[string]string

func (m fixedURLMap) URLMap(context.Context, int64) (map[string]string, error) { return m, nil }

func TestCards_TheCardRenderKeepsTheBackupsURLMapAndTheOtherWayRound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx, o := context.Background(), db.Orm()
		s := newCardService(t, db)
		copyURL := "http://localhost:8080/media/u/1/ab/copy.jpg"
		s.SetURLMaps(fixedURLMap{"https://images.example/a.jpg": copyURL})
		site := newCardSite(t)
		alice := testsupport.NewUser(t, o, "alice")

		p, err := s.Create(ctx, alice, CreateInput{Title: "Both", BodyMarkdown: "![a](https://images.example/a.jpg)\n\n<" + site.url + "/page>"})
		require.NoError(t, err)
		assert.Contains(t, p.BodyHTML, "https://images.example/a.jpg", "a new post has no copies yet")
		close(site.release)
		s.WaitForCards()
		got, err := s.Get(ctx, p.ID, alice)
		require.NoError(t, err)
		assert.Contains(t, got.BodyHTML, `class="link-card"`)
		assert.Contains(t, got.BodyHTML, `src="`+copyURL+`"`, "the card's re-render applies the URL map")

		// The backup's own re-render keeps the card.
		require.NoError(t, s.Rerender(ctx, p.ID))
		again, err := s.Get(ctx, p.ID, alice)
		require.NoError(t, err)
		assert.Equal(t, got.BodyHTML, again.BodyHTML)
	})
}
