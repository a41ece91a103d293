package tests

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/backup"
	"inkwell/config"
	"inkwell/database/dbtest"
	"inkwell/media/mediatest"
	"inkwell/outbound/outboundtest"
	"inkwell/posts"
	"inkwell/testsupport/testapp"
)

func TestMediaBackupAPI_CopiesAndTheAPIPublicPageAndFeedShowTheCopies(t *testing.T) {
	t.Parallel()
	for _, driver := range dbtest.Drivers(t) {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			db := dbtest.Open(t, driver, true)
			google := authtest.NewProvider(t)
			app := newAuthAppWith(t, db, google, testapp.Options{Configure: func(c *config.Config) {
				c.OutboundAllowCIDRs = outboundtest.AllowCIDRs
			}})
			alice := signIn(t, app, google, "alice")
			bob := signIn(t, app, google, "bob")
			photo := mediatest.EncodeJPEG(t, mediatest.Halves(30, 20))
			var hits atomic.Int64
			site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				switch r.URL.Path {
				case "/photo.jpg":
					w.Header().Set("Content-Type", "image/jpeg")
					_, _ = w.Write(photo)
				case "/clip.webm":
					w.Header().Set("Content-Type", "video/webm")
					_, _ = w.Write(mediatest.WebMHead())
				default:
					http.NotFound(w, r)
				}
			}))
			body := "![p](" + site.URL + "/photo.jpg)\n\n[clip](" + site.URL + "/clip.webm) and [gone](" + site.URL + "/gone.png)\n\n`" +
				site.URL + "/photo.jpg`"
			var p posts.Post
			code, raw := alice.json(t, http.MethodPost, "/api/v1/posts", map[string]any{"title": "Sea", "body_markdown": body,
				"status": "published"}, &p)
			require.Equal(t, http.StatusCreated, code, string(raw))
			path := postPath(p.ID) + "/media-backup"

			code, raw = bob.json(t, http.MethodPost, path, nil, nil)
			assert.Equal(t, http.StatusForbidden, code, string(raw))
			code, _ = alice.json(t, http.MethodPost, postPath(p.ID+1000)+"/media-backup", nil, nil)
			assert.Equal(t, http.StatusNotFound, code)
			assert.Zero(t, hits.Load())

			var rep backup.Report
			code, raw = alice.json(t, http.MethodPost, path, nil, &rep)
			require.Equal(t, http.StatusOK, code, string(raw))
			assert.Equal(t, 3, rep.Found)
			assert.Equal(t, 2, rep.Copied)
			assert.Equal(t, 0, rep.Already)
			require.Len(t, rep.Failed, 1)
			assert.Equal(t, backup.Failure{URL: site.URL + "/gone.png", Reason: "the site answered 404"}, rep.Failed[0])
			assert.NotContains(t, string(raw), "source_rewritten")

			var got posts.Post
			code, _ = alice.json(t, http.MethodGet, postPath(p.ID), nil, &got)
			require.Equal(t, http.StatusOK, code)
			assert.NotContains(t, got.BodyHTML, `src="`+site.URL+"/photo.jpg")
			assert.NotContains(t, got.BodyHTML, `href="`+site.URL+"/clip.webm")
			assert.Contains(t, got.BodyHTML, "<code>"+site.URL+"/photo.jpg</code>")
			// Media URLs start with the test app's PUBLIC_BASE_URL.
			const mediaBase = "http://localhost:8080/media/u/"
			assert.Contains(t, got.BodyHTML, mediaBase)
			assert.Equal(t, p.UpdatedAt, got.UpdatedAt)
			assert.Equal(t, body, got.BodyMarkdown)

			for _, public := range []string{fmt.Sprintf("/posts/%d", p.ID), "/feed.xml"} {
				resp, page := app.do(t, http.MethodGet, public, "", nil)
				require.Equal(t, http.StatusOK, resp.StatusCode, public)
				assert.NotRegexp(t, `src=("|&#34;|&quot;)`+regexp.QuoteMeta(site.URL), page, public)
				assert.Regexp(t, `src=("|&#34;|&quot;)`+regexp.QuoteMeta(mediaBase), page, public)
			}

			// The copy itself is served.
			start := strings.Index(got.BodyHTML, mediaBase)
			end := strings.IndexByte(got.BodyHTML[start:], '"')
			resp, _ := app.do(t, http.MethodGet, strings.TrimPrefix(got.BodyHTML[start:start+end], "http://localhost:8080"), "", nil)
			assert.Equal(t, http.StatusOK, resp.StatusCode)

			// Again: nothing fetched, everything "already" (the 404 waits
			// for its next attempt).
			before := hits.Load()
			var again backup.Report
			code, raw = alice.json(t, http.MethodPost, path, nil, &again)
			require.Equal(t, http.StatusOK, code, string(raw))
			assert.Equal(t, before, hits.Load())
			assert.Equal(t, 2, again.Already)
			assert.Equal(t, 0, again.Copied)

			// Apply to source: the markdown's destinations, not its code.
			code, raw = alice.json(t, http.MethodPost, path, map[string]any{"apply_to_source": true}, &again)
			require.Equal(t, http.StatusOK, code, string(raw))
			require.NotNil(t, again.SourceRewritten)
			assert.Equal(t, 2, *again.SourceRewritten)
			code, _ = alice.json(t, http.MethodGet, postPath(p.ID), nil, &got)
			require.Equal(t, http.StatusOK, code)
			assert.True(t, strings.HasPrefix(got.BodyMarkdown, "![p]("+mediaBase), got.BodyMarkdown)
			assert.True(t, strings.HasSuffix(got.BodyMarkdown, "`"+site.URL+"/photo.jpg`"), got.BodyMarkdown)

			resp, _ = alice.send(t, http.MethodPost, path, "text/plain", []byte("x"))
			assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
		})
	}
}
