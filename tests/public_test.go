package tests

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"inkwell/auth/authtest"
	"inkwell/cache/cachetest"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/dbtest"
	"inkwell/public"
	"inkwell/testsupport/testapp"
)

// publicBase is PUBLIC_BASE_URL in these tests: absolute links must start
// with it, not with the test server's address.
const publicBase = "https://ink.example.org"

func newPublicApp(t *testing.T, db *database.DB, opts testapp.Options) (*authApp, *authtest.Provider) {
	t.Helper()
	google := authtest.NewProvider(t)
	opts.Configure = func(c *config.Config) { c.PublicBaseURL = publicBase }
	return newAuthAppWith(t, db, google, opts), google
}

// publish creates a post through the API and returns its id and slug.
func publish(t *testing.T, c *postsClient, fields map[string]any) (int64, string) {
	t.Helper()
	if _, ok := fields["status"]; !ok {
		fields["status"] = "published"
	}
	var p struct {
		ID   int64
		Slug string
	}
	code, body := c.json(t, http.MethodPost, "/api/v1/posts", fields, &p)
	require.Equal(t, http.StatusCreated, code, string(body))
	return p.ID, p.Slug
}

// fetch GETs path without a token; headers are name, value pairs.
func fetch(t *testing.T, app *authApp, method, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, app.URL+path, http.NoBody)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// headTags parses a page and returns its <title>, and its <meta> and <link>
// tags keyed by property/name and rel.
type headTags struct {
	title string
	meta  map[string][]string
	links map[string]string
	doc   *html.Node
}

func parseHead(t *testing.T, page string) headTags {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	h := headTags{meta: map[string][]string{}, links: map[string]string{}, doc: doc}
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, inHead bool) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "head":
				inHead = true
			case n.Data == "title" && inHead && n.FirstChild != nil:
				h.title = n.FirstChild.Data
			case n.Data == "meta" && inHead:
				key := attr(n, "property")
				if key == "" {
					key = attr(n, "name")
				}
				if key != "" {
					h.meta[key] = append(h.meta[key], attr(n, "content"))
				}
			case n.Data == "link" && inHead:
				h.links[attr(n, "rel")+" "+attr(n, "type")] = attr(n, "href")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inHead)
		}
	}
	walk(doc, false)
	return h
}

func (h headTags) one(key string) string {
	if len(h.meta[key]) != 1 {
		return fmt.Sprintf("<%d values>", len(h.meta[key]))
	}
	return h.meta[key][0]
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// find returns the elements of the page matching pred.
func find(n *html.Node, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	if n.Type == html.ElementNode && pred(n) {
		out = append(out, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, find(c, pred)...)
	}
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func TestPublicPost_ReadableWithoutTokenWithLinkPreviewTags(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPublicApp(t, db, testapp.Options{})
		alice := signIn(t, app, google, "alice")
		id, slug := publish(t, alice, map[string]any{
			"title": `Ink & "paper" <notes>`,
			"tags":  []string{"paper", "pens"},
			"body_markdown": "Writing by hand is **slow**.\n\n![a fountain pen](https://img.example.com/pen.jpg)\n\n" +
				"| a | b |\n|---|---|\n| cell | cell |\n\n- [ ] a task\n\n<script>alert(1)</script>",
		})
		require.Equal(t, "ink-paper-notes", slug)

		resp, page := fetch(t, app, http.MethodGet, fmt.Sprintf("/posts/%d", id))
		require.Equal(t, http.StatusOK, resp.StatusCode, page)
		assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
		assert.Equal(t, "public, max-age=60", resp.Header.Get("Cache-Control"))
		assert.NotEmpty(t, resp.Header.Get("ETag"))
		assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")

		h := parseHead(t, page)
		canonical := fmt.Sprintf("%s/posts/%d/%s", publicBase, id, slug)
		assert.Equal(t, `Ink & "paper" <notes> · Inkwell`, h.title)
		assert.Equal(t, canonical, h.links["canonical "])
		assert.Equal(t, `Ink & "paper" <notes>`, h.one("og:title"))
		assert.Equal(t, "article", h.one("og:type"))
		assert.Equal(t, canonical, h.one("og:url"))
		assert.Equal(t, "https://img.example.com/pen.jpg", h.one("og:image"))
		assert.Equal(t, "summary_large_image", h.one("twitter:card"))
		assert.Equal(t, "alice", h.one("author"))
		assert.ElementsMatch(t, []string{"paper", "pens"}, h.meta["article:tag"])
		desc := h.one("og:description")
		assert.True(t, strings.HasPrefix(desc, "Writing by hand is slow."), desc)
		for _, noise := range []string{"**", "<", "cell", "[ ]", "alert"} {
			assert.NotContains(t, desc, noise, "the description is plain prose")
		}
		assert.Equal(t, desc, h.one("description"))
		assert.Regexp(t, `^`+publicBase+`/users/\d+/feed\.xml$`, h.links["alternate application/atom+xml"])

		// The body: sanitized HTML, author, date, tags and the comments region.
		article := find(h.doc, func(n *html.Node) bool { return n.Data == "article" })
		require.Len(t, article, 1)
		assert.Equal(t, `Ink & "paper" <notes>`, text(find(article[0], func(n *html.Node) bool { return n.Data == "h1" })[0]))
		assert.Len(t, find(article[0], func(n *html.Node) bool { return n.Data == "strong" }), 1)
		assert.Empty(t, find(h.doc, func(n *html.Node) bool { return n.Data == "script" && strings.Contains(text(n), "alert") }))
		assert.Len(t, find(article[0], func(n *html.Node) bool {
			return n.Data == "a" && attr(n, "href") == fmt.Sprintf("/users/%d", alice.ID) && text(n) == "alice"
		}), 1)
		assert.Len(t, find(article[0], func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/tags/pens" }), 1)
		times := find(article[0], func(n *html.Node) bool { return n.Data == "time" })
		require.Len(t, times, 1)
		_, err := time.Parse(time.RFC3339, attr(times[0], "datetime"))
		assert.NoError(t, err)
		assert.Len(t, find(h.doc, func(n *html.Node) bool {
			return attr(n, "data-comments-region") != "" || hasAttr(n, "data-comments-region")
		}), 1)
		// It is built in the app's frame: the app takes over for a signed-in visitor.
		assert.Contains(t, page, `<script type="importmap">`)
		assert.Len(t, find(h.doc, func(n *html.Node) bool { return attr(n, "data-public-page") == fmt.Sprintf("/posts/%d/%s", id, slug) }), 1)

		// HEAD: the same headers, no body.
		head, body := fetch(t, app, http.MethodHead, fmt.Sprintf("/posts/%d", id))
		assert.Equal(t, http.StatusOK, head.StatusCode)
		assert.Equal(t, resp.Header.Get("ETag"), head.Header.Get("ETag"))
		assert.Empty(t, body)

		// A post without an image has no og:image and a small card.
		plain, _ := publish(t, alice, map[string]any{"title": "No pictures", "body_markdown": "Just words."})
		_, page = fetch(t, app, http.MethodGet, fmt.Sprintf("/posts/%d", plain))
		h = parseHead(t, page)
		assert.Empty(t, h.meta["og:image"])
		assert.Equal(t, "summary", h.one("twitter:card"))
	})
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

func TestPublicPost_SlugRedirectsAndDraftsDeletedMissingAre404Pages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPublicApp(t, db, testapp.Options{})
		alice := signIn(t, app, google, "alice")
		id, slug := publish(t, alice, map[string]any{"title": "First title", "body_markdown": "x"})

		resp, _ := fetch(t, app, http.MethodGet, fmt.Sprintf("/posts/%d/%s", id, slug))
		assert.Equal(t, http.StatusOK, resp.StatusCode, "the canonical slug URL is the page")
		resp, _ = fetch(t, app, http.MethodGet, fmt.Sprintf("/posts/%d/not-the-slug", id))
		assert.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
		assert.Equal(t, fmt.Sprintf("/posts/%d/first-title", id), resp.Header.Get("Location"))

		// A new title moves the canonical slug; the old slug redirects to it.
		code, body := alice.json(t, http.MethodPatch, postPath(id), map[string]any{"title": "Second title"}, nil)
		require.Equal(t, http.StatusOK, code, string(body))
		resp, _ = fetch(t, app, http.MethodGet, fmt.Sprintf("/posts/%d/first-title", id))
		assert.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
		assert.Equal(t, fmt.Sprintf("/posts/%d/second-title", id), resp.Header.Get("Location"))

		draft, _ := publish(t, alice, map[string]any{"title": "Secret", "body_markdown": "draft text", "status": "draft"})
		gone, _ := publish(t, alice, map[string]any{"title": "Gone", "body_markdown": "x"})
		code, body = alice.json(t, http.MethodDelete, postPath(gone), nil, nil)
		require.Equal(t, http.StatusNoContent, code, string(body))
		unpublished, _ := publish(t, alice, map[string]any{"title": "Taken back", "body_markdown": "x"})
		_, _ = fetch(t, app, http.MethodGet, fmt.Sprintf("/posts/%d", unpublished)) // cache it while published
		code, body = alice.json(t, http.MethodPatch, postPath(unpublished), map[string]any{"status": "draft"}, nil)
		require.Equal(t, http.StatusOK, code, string(body))

		for _, path := range []string{
			fmt.Sprintf("/posts/%d", draft), fmt.Sprintf("/posts/%d/secret", draft),
			fmt.Sprintf("/posts/%d", gone), fmt.Sprintf("/posts/%d", unpublished),
			"/posts/987654321",
		} {
			resp, page := fetch(t, app, http.MethodGet, path)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
			assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"), path)
			h := parseHead(t, page)
			assert.Equal(t, "This post does not exist · Inkwell", h.title, path)
			assert.Equal(t, "noindex", h.one("robots"), path)
			assert.NotContains(t, page, "draft text", path)
			assert.NotContains(t, page, "Secret", path)
		}
		resp, _ = fetch(t, app, http.MethodGet, "/posts/99999999999999999999999")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "an id beyond int64")
	})
}

func TestPublicPages_ETagRevalidatesAndAWriteShowsAtOnceOnEveryReplica(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	shared := cachetest.Redis(t)
	// Two replicas on one database and one Redis (as two pods).
	a, google := newPublicApp(t, db, testapp.Options{PostCache: shared})
	b := newAuthAppWith(t, db, google, testapp.Options{PostCache: shared, Configure: func(c *config.Config) { c.PublicBaseURL = publicBase }})
	alice := signIn(t, a, google, "alice")
	id, _ := publish(t, alice, map[string]any{"title": "Version one", "body_markdown": "x"})
	path := fmt.Sprintf("/posts/%d", id)

	first, page := fetch(t, b, http.MethodGet, path)
	require.Equal(t, http.StatusOK, first.StatusCode)
	etag := first.Header.Get("ETag")
	require.NotEmpty(t, etag)
	assert.Contains(t, page, "Version one")

	again, body := fetch(t, a, http.MethodGet, path, "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, again.StatusCode, "replica A answers from the page B cached")
	assert.Empty(t, body)
	other, _ := fetch(t, a, http.MethodGet, path, "If-None-Match", `"something-else"`)
	assert.Equal(t, http.StatusOK, other.StatusCode)

	for i := 2; i <= 4; i++ {
		writer, reader := []*authApp{a, b}[i%2], []*authApp{a, b}[(i+1)%2]
		code, body := on2(alice, writer).json(t, http.MethodPatch, postPath(id), map[string]any{"title": fmt.Sprintf("Version %d", i)}, nil)
		require.Equal(t, http.StatusOK, code, string(body))
		resp, page := fetch(t, reader, http.MethodGet, path, "If-None-Match", etag)
		require.Equal(t, http.StatusOK, resp.StatusCode, "edit %d: the old ETag no longer matches", i)
		assert.Contains(t, page, fmt.Sprintf("Version %d", i))
		assert.NotEqual(t, etag, resp.Header.Get("ETag"))
		etag = resp.Header.Get("ETag")
	}

	// Lists and feeds revalidate too.
	for _, p := range []string{"/", "/feed.xml", "/sitemap.xml", "/robots.txt", fmt.Sprintf("/users/%d", alice.ID)} {
		resp, _ := fetch(t, a, http.MethodGet, p)
		require.Equal(t, http.StatusOK, resp.StatusCode, p)
		assert.Equal(t, "public, max-age=60", resp.Header.Get("Cache-Control"), p)
		again, body := fetch(t, b, http.MethodGet, p, "If-None-Match", resp.Header.Get("ETag"))
		assert.Equal(t, http.StatusNotModified, again.StatusCode, p)
		assert.Empty(t, body, p)
	}
}

// on2 is c speaking to another replica.
func on2(c *postsClient, app *authApp) *postsClient {
	return &postsClient{app: app, token: c.token, ID: c.ID}
}

func TestPublicLists_HomeTagAndAuthorPagesWithOlderLinks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPublicApp(t, db, testapp.Options{})
		alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
		var aliceTitles []string
		for i := 1; i <= public.PageSize+3; i++ {
			title := fmt.Sprintf("Alice post %02d", i)
			publish(t, alice, map[string]any{"title": title, "tags": []string{"ink"}, "body_markdown": "| t | a |\n|--|--|\n| x | y |\n\nSome **prose** here."})
			aliceTitles = append([]string{title}, aliceTitles...)
		}
		publish(t, bob, map[string]any{"title": "Bob on paper", "tags": []string{"paper"}, "body_markdown": "b"})
		publish(t, bob, map[string]any{"title": "Bob draft", "body_markdown": "b", "status": "draft"})

		titles := func(page string) []string {
			h := parseHead(t, page)
			var out []string
			for _, n := range find(h.doc, func(n *html.Node) bool { return n.Data == "h2" && hasClassAncestor(n, "card") }) {
				out = append(out, text(n))
			}
			return out
		}
		older := func(page string) string {
			h := parseHead(t, page)
			links := find(h.doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "rel") == "next" })
			if len(links) == 0 {
				return ""
			}
			return attr(links[0], "href")
		}

		resp, home := fetch(t, app, http.MethodGet, "/")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, append([]string{"Bob on paper"}, aliceTitles[:public.PageSize-1]...), titles(home))
		assert.NotContains(t, home, "Bob draft")
		assert.Contains(t, home, "Some prose here.", "excerpts are plain text")
		assert.NotContains(t, home, "<td>", "no table cells in excerpts")
		h := parseHead(t, home)
		assert.Equal(t, publicBase+"/", h.links["canonical "])
		assert.Equal(t, "website", h.one("og:type"))
		next := older(home)
		require.True(t, strings.HasPrefix(next, "/?cursor="), next)
		_, rest := fetch(t, app, http.MethodGet, next)
		assert.Equal(t, aliceTitles[public.PageSize-1:], titles(rest))
		assert.Empty(t, older(rest))
		assert.Equal(t, "noindex", parseHead(t, rest).one("robots"))

		_, tag := fetch(t, app, http.MethodGet, "/tags/ink")
		assert.Equal(t, aliceTitles[:public.PageSize], titles(tag))
		_, tagRest := fetch(t, app, http.MethodGet, older(tag))
		assert.Equal(t, aliceTitles[public.PageSize:], titles(tagRest))
		_, paper := fetch(t, app, http.MethodGet, "/tags/paper")
		assert.Equal(t, []string{"Bob on paper"}, titles(paper))
		resp, empty := fetch(t, app, http.MethodGet, "/tags/nothing-here")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Empty(t, titles(empty))

		resp, bobPage := fetch(t, app, http.MethodGet, fmt.Sprintf("/users/%d", bob.ID))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, []string{"Bob on paper"}, titles(bobPage))
		assert.Equal(t, "Posts by bob · Inkwell", parseHead(t, bobPage).title)
		assert.Equal(t, publicBase+fmt.Sprintf("/users/%d/feed.xml", bob.ID), parseHead(t, bobPage).links["alternate application/atom+xml"])

		for path, status := range map[string]int{
			"/users/987654": http.StatusNotFound, "/tags/Not_A_Tag": http.StatusNotFound,
			"/?cursor=bogus": http.StatusBadRequest, "/tags/ink?cursor=AAAA": http.StatusBadRequest,
		} {
			resp, page := fetch(t, app, http.MethodGet, path)
			assert.Equal(t, status, resp.StatusCode, path)
			assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"), path)
			assert.Contains(t, page, "Back to the latest posts", path)
		}
	})
}

func hasClassAncestor(n *html.Node, class string) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if strings.Contains(" "+attr(p, "class")+" ", " "+class+" ") {
			return true
		}
	}
	return false
}

// atomFeed is RFC 4287's feed as these tests read it.
type atomFeed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID        string `xml:"id"`
		Title     string `xml:"title"`
		Updated   string `xml:"updated"`
		Published string `xml:"published"`
		Author    struct {
			Name string `xml:"name"`
			URI  string `xml:"uri"`
		} `xml:"author"`
		Links []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
		Content struct {
			Type string `xml:"type,attr"`
			Body string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

// validAtom checks the elements RFC 4287 requires (feed: id, title,
// updated, author unless every entry has one; entry: id, title, updated,
// content or an alternate link) and that every link is absolute under
// PUBLIC_BASE_URL.
func validAtom(t *testing.T, body string) atomFeed {
	t.Helper()
	var f atomFeed
	require.NoError(t, xml.Unmarshal([]byte(body), &f), body)
	assert.NotEmpty(t, f.ID)
	assert.NotEmpty(t, f.Title)
	_, err := time.Parse(time.RFC3339, f.Updated)
	assert.NoError(t, err, "feed updated")
	self := ""
	for _, l := range f.Links {
		assert.True(t, strings.HasPrefix(l.Href, publicBase+"/"), l.Href)
		if l.Rel == "self" {
			self = l.Href
		}
	}
	assert.NotEmpty(t, self, "rel=self")
	for _, e := range f.Entries {
		assert.True(t, strings.HasPrefix(e.ID, publicBase+"/posts/"), e.ID)
		assert.NotEmpty(t, e.Title)
		for _, ts := range []string{e.Updated, e.Published} {
			_, err := time.Parse(time.RFC3339, ts)
			assert.NoError(t, err, e.ID)
		}
		assert.NotEmpty(t, e.Author.Name, "every entry has an author, so the feed needs none")
		require.NotEmpty(t, e.Links, e.ID)
		assert.Equal(t, "alternate", e.Links[0].Rel)
		assert.True(t, strings.HasPrefix(e.Links[0].Href, publicBase+"/posts/"), e.Links[0].Href)
		assert.Equal(t, "html", e.Content.Type)
	}
	return f
}

func TestPublicFeeds_AtomAndSitemapAreValidWithAbsoluteLinks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		app, google := newPublicApp(t, db, testapp.Options{})
		alice, bob := signIn(t, app, google, "alice"), signIn(t, app, google, "bob")
		for i := 1; i <= public.FeedEntries+2; i++ {
			publish(t, alice, map[string]any{"title": fmt.Sprintf("Alice %02d", i), "tags": []string{"ink"}, "body_markdown": "Hello <b>there</b> & welcome"})
		}
		bobID, bobSlug := publish(t, bob, map[string]any{"title": "Bob writes", "tags": []string{"paper"}, "body_markdown": "bob"})
		draftID, _ := publish(t, bob, map[string]any{"title": "Bob draft", "body_markdown": "d", "status": "draft"})

		resp, body := fetch(t, app, http.MethodGet, "/feed.xml")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "application/atom+xml; charset=utf-8", resp.Header.Get("Content-Type"))
		f := validAtom(t, body)
		assert.Len(t, f.Entries, public.FeedEntries, "the latest 50")
		assert.Equal(t, "Bob writes", f.Entries[0].Title)
		assert.Equal(t, fmt.Sprintf("%s/posts/%d/%s", publicBase, bobID, bobSlug), f.Entries[0].Links[0].Href)
		assert.Equal(t, publicBase+"/feed.xml", f.ID)
		assert.Contains(t, f.Entries[1].Content.Body, "<b>there</b>", "content is the sanitized HTML")

		_, body = fetch(t, app, http.MethodGet, "/tags/paper/feed.xml")
		f = validAtom(t, body)
		require.Len(t, f.Entries, 1)
		assert.Equal(t, "Bob writes", f.Entries[0].Title)
		assert.Equal(t, []string{"paper"}, []string{f.Entries[0].Categories[0].Term})

		_, body = fetch(t, app, http.MethodGet, fmt.Sprintf("/users/%d/feed.xml", bob.ID))
		f = validAtom(t, body)
		require.Len(t, f.Entries, 1, "published posts only")
		assert.Equal(t, fmt.Sprintf("%s/users/%d", publicBase, bob.ID), f.Entries[0].Author.URI)

		_, body = fetch(t, app, http.MethodGet, "/tags/empty/feed.xml")
		f = validAtom(t, body)
		assert.Empty(t, f.Entries)

		resp, _ = fetch(t, app, http.MethodGet, "/users/987654/feed.xml")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)

		resp, body = fetch(t, app, http.MethodGet, "/sitemap.xml")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var sm struct {
			XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
			URLs    []struct {
				Loc     string `xml:"loc"`
				LastMod string `xml:"lastmod"`
			} `xml:"url"`
		}
		require.NoError(t, xml.Unmarshal([]byte(body), &sm), body)
		require.Len(t, sm.URLs, public.FeedEntries+2+1+1, "home and every published post")
		assert.Equal(t, publicBase+"/", sm.URLs[0].Loc)
		assert.Equal(t, fmt.Sprintf("%s/posts/%d/%s", publicBase, bobID, bobSlug), sm.URLs[1].Loc)
		for _, u := range sm.URLs {
			assert.NotContains(t, u.Loc, fmt.Sprintf("/posts/%d", draftID))
		}

		resp, body = fetch(t, app, http.MethodGet, "/robots.txt")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
		assert.Contains(t, body, "Sitemap: "+publicBase+"/sitemap.xml\n")
		assert.Contains(t, body, "Disallow: /api/\n")
	})
}

// The public surface opens no door into the API, and a browser asking for
// a page that does not exist reads a page.
func TestPublicSurface_APIStaysBehindTheTokenAndUnknownPagesAreHTML(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	app, google := newPublicApp(t, db, testapp.Options{})
	alice := signIn(t, app, google, "alice")
	id, _ := publish(t, alice, map[string]any{"title": "Public", "body_markdown": "x"})
	for _, p := range []string{"/api/v1/posts", fmt.Sprintf("/api/v1/posts/%d", id), "/api/v1/me"} {
		resp, body := fetch(t, app, http.MethodGet, p, "Accept", "text/html")
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, p)
		assert.Contains(t, body, `"unauthorized"`, p)
	}
	resp, body := fetch(t, app, http.MethodGet, "/no/such/page", "Accept", "text/html,application/xhtml+xml")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "Page not found · Inkwell", parseHead(t, body).title)
	resp, body = fetch(t, app, http.MethodGet, "/no/such/page")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, body, `"not_found"`, "an API client still reads JSON")
	resp, body = fetch(t, app, http.MethodGet, "/api/nope", "Accept", "text/html")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, body, `"not_found"`, "nothing under /api/ is ever HTML")
	resp, _ = fetch(t, app, http.MethodPost, "/")
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

// The comments region shows the post's first page of comments, and a new
// comment renders (and re-tags) the page at once.
func TestPublicPost_CommentsRegionFollowsTheComments(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, "sqlite", true)
	app, google := newPublicApp(t, db, testapp.Options{})
	alice := signIn(t, app, google, "alice")
	id, _ := publish(t, alice, map[string]any{"title": "Discuss", "body_markdown": "x"})
	path := fmt.Sprintf("/posts/%d", id)
	comment := func(body string) {
		t.Helper()
		code, out := alice.json(t, http.MethodPost, fmt.Sprintf("/api/v1/posts/%d/comments", id), map[string]any{"body_markdown": body}, nil)
		require.Equal(t, http.StatusCreated, code, string(out))
	}
	comment("comment number 1")

	first, page := fetch(t, app, http.MethodGet, path)
	require.Equal(t, http.StatusOK, first.StatusCode)
	assert.Contains(t, page, "<p>comment number 1</p>")
	assert.Contains(t, page, "Comments (1)")
	again, _ := fetch(t, app, http.MethodGet, path, "If-None-Match", first.Header.Get("ETag"))
	assert.Equal(t, http.StatusNotModified, again.StatusCode)

	comment("comment number 2")
	second, page := fetch(t, app, http.MethodGet, path, "If-None-Match", first.Header.Get("ETag"))
	require.Equal(t, http.StatusOK, second.StatusCode)
	assert.Contains(t, page, "<p>comment number 2</p>")
	assert.Contains(t, page, "Comments (2)")
	assert.NotEqual(t, first.Header.Get("ETag"), second.Header.Get("ETag"))
}
