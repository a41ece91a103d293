package tests

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/outbound/outboundtest"
	"inkwell/posts"
)

// A bare link on its own line becomes its preview card in body_html once the
// preview has been fetched in the background: in the API's post, the public
// page and the Atom feed alike (docs/previews.md "Cards").
func TestLinkCards_APIPublicPageAndFeedShowTheCard(t *testing.T) {
	t.Parallel()
	alice, app := previewsApp(t)
	var pageHits atomic.Int64
	// The site answers once the test has read the post without its card.
	release := make(chan struct{})
	var releaseOnce sync.Once
	open := func() { releaseOnce.Do(func() { close(release) }) }
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/walks" {
			http.NotFound(w, r)
			return
		}
		pageHits.Add(1)
		<-release
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><meta property="og:title" content="Walks &lt;script&gt;">
<meta property="og:description" content="Along the coast."><meta property="og:site_name" content="Coast"></head></html>`)
	}))
	t.Cleanup(open) // before the server closes, if the test stops early
	link := site.URL + "/walks"

	var created posts.Post
	code, body := alice.json(t, http.MethodPost, "/api/v1/posts",
		map[string]any{"title": "Walks", "status": "published", "body_markdown": "Read this:\n\n<" + link + ">\n"}, &created)
	require.Equal(t, http.StatusCreated, code, string(body))
	assert.NotContains(t, created.BodyHTML, "link-card", "saving fetches nothing")
	// The public page is rendered and cached before the card arrives.
	resp, page := get(t, fmt.Sprintf("%s/posts/%d", app.URL, created.ID))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotContains(t, string(page), `class="link-card"`)

	open()
	app.Posts.WaitForCards()
	require.Equal(t, int64(1), pageHits.Load())

	card := `<p class="link-card"><a href="` + link + `" rel="nofollow noopener" target="_blank">` +
		`<strong class="link-card-title">Walks &lt;script&gt;</strong><br><span class="link-card-description">Along the coast.</span><br>` +
		`<small class="link-card-site">Coast</small></a></p>`
	var read posts.Post
	code, _ = alice.json(t, http.MethodGet, fmt.Sprintf("/api/v1/posts/%d", created.ID), nil, &read)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, read.BodyHTML, card)
	assert.Equal(t, created.UpdatedAt, read.UpdatedAt)

	resp, page = get(t, resp.Request.URL.String())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), card, "the public page's cache was retired")
	assert.NotContains(t, string(page), "<script>")

	resp, feedXML := get(t, app.URL+"/feed.xml")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var feed atomFeed
	require.NoError(t, xml.Unmarshal(feedXML, &feed))
	require.NotEmpty(t, feed.Entries)
	found := false
	for _, e := range feed.Entries {
		if strings.Contains(e.Content.Body, card) {
			found = true
		}
	}
	assert.True(t, found, "the feed entry carries the card")
}
