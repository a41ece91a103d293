// Package public is Inkwell's public reading surface: server-rendered pages
// anyone can read without signing in or running JavaScript (a post with its
// link-preview tags, the latest posts, author and tag pages), Atom feeds,
// the sitemap and robots.txt. Pages are built in the app shell's frame, so
// a signed-in visitor gets the app around the same URL (docs/public.md).
package public

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"inkwell/apperror"
	"inkwell/database"
	"inkwell/models"
	"inkwell/posts"
	"inkwell/pwa"
)

//go:embed templates/*.html
var templateFiles embed.FS

// templateVersion is part of every cached page's key: a deploy that changes
// how pages look must not serve pages rendered by the previous one. The
// app's version covers the frame (stylesheet and module URLs).
const templateVersion = "1"

// PageSize is how many posts a list page shows.
const PageSize = 20

// FeedEntries is how many posts an Atom feed carries (API.md: latest 50).
const FeedEntries = 50

// Cache policies: pages may be kept a minute by browsers and shared caches
// (the server itself always answers from the current post versions); error
// pages are revalidated so a post published a moment ago appears at once.
const (
	CachePage  = "public, max-age=60"
	CacheError = "no-cache"
)

// Site renders the public surface.
type Site struct {
	Posts *posts.Service
	DB    *database.DB
	// BaseURL is PUBLIC_BASE_URL without a trailing slash: every absolute
	// link (canonical, og:url, feeds, sitemap) starts with it.
	BaseURL string
	// App is the web app whose shell frames every page.
	App *pwa.App
	// Comments fills the post pages' comments region (nil: none yet).
	Comments CommentSection

	tmpl    *template.Template
	variant string
}

// NewSite prepares the templates; it fails only on a broken template.
func NewSite(s Site) (*Site, error) {
	t, err := template.New("public").Funcs(template.FuncMap{"iso": iso, "day": day}).ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("public: parse templates: %w", err)
	}
	s.tmpl = t
	s.variant = templateVersion + "." + s.App.Version
	return &s, nil
}

// Response is one answer of the public surface.
type Response struct {
	Status       int
	ContentType  string
	CacheControl string
	// ETag is set on every 200; the controller answers 304 to a match.
	ETag     string
	Location string
	Body     []byte
	// CSP is the Content-Security-Policy of HTML pages.
	CSP string
}

const (
	typeHTML    = "text/html; charset=utf-8"
	typeAtom    = "application/atom+xml; charset=utf-8"
	typeXML     = "application/xml; charset=utf-8"
	typeText    = "text/plain; charset=utf-8"
	framedSplit = 0 // separator of the cached post page's parts
)

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:])[:24] + `"`
}

func (s *Site) ok(contentType string, body []byte) Response {
	r := Response{Status: http.StatusOK, ContentType: contentType, CacheControl: CachePage, ETag: etagOf(body), Body: body}
	if contentType == typeHTML {
		r.CSP = s.App.ContentSecurityPolicy()
	}
	return r
}

// page is what the templates receive.
type page struct {
	Frame   pwa.Frame
	Kind    string // post, list, problem
	Path    string
	Head    head
	Post    *postView
	List    *listView
	Problem *problemView
	// Comments is the post's first page of comments (nil: none).
	Comments *CommentPage
}

type head struct {
	Title, OGTitle, Description, Canonical, OGType, Image string
	Published, Modified, Author                           string
	ArticleTags                                           []string
	FeedURL, FeedTitle                                    string
	NoIndex                                               bool
}

type postView struct {
	ID                        int64
	Path                      string
	Title                     string
	AuthorID                  int64
	AuthorName, AuthorPicture string
	PublishedISO              string
	PublishedText             string
	LikeCount                 int64
	Tags                      []string
	Excerpt                   string
	Body                      template.HTML
}

type listView struct {
	Heading, Intro, Empty string
	Items                 []postView
	OlderURL, NewestURL   string
	FeedPath              string
}

type problemView struct{ Heading, Text string }

func (s *Site) render(p page) ([]byte, error) {
	p.Frame = s.App.Frame()
	var b strings.Builder
	if err := s.tmpl.ExecuteTemplate(&b, "page", p); err != nil {
		return nil, fmt.Errorf("public: render %s page %s: %w", p.Kind, p.Path, err)
	}
	return []byte(b.String()), nil
}

// PostPath is the canonical path of a post: /posts/{id}/{slug}. A slug that
// would name one of the app's own screens (edit) leaves the bare id.
func PostPath(id int64, slug string) string {
	p := "/posts/" + strconv.FormatInt(id, 10)
	if slug == "" || slug == "edit" {
		return p
	}
	return p + "/" + url.PathEscape(slug)
}

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func day(t time.Time) string { return t.UTC().Format("2 January 2006") }

func viewOf(p *posts.PostContent, withBody bool) postView {
	v := postView{ID: p.ID, Path: PostPath(p.ID, p.Slug), Title: p.Title, AuthorID: p.Author.ID,
		AuthorName: p.Author.Name, AuthorPicture: safePicture(p.Author.Picture), LikeCount: p.LikeCount, Tags: p.Tags}
	at := p.UpdatedAt
	if p.PublishedAt != nil {
		at = *p.PublishedAt
	}
	v.PublishedISO, v.PublishedText = iso(at), day(at)
	v.Excerpt = Excerpt(p.BodyHTML, ExcerptChars)
	if withBody {
		// The body was rendered by goldmark and sanitized by bluemonday when
		// the post was written (markdown.Render); it is trusted HTML here.
		v.Body = template.HTML(p.BodyHTML)
	}
	return v
}

// safePicture keeps an https/http avatar URL and drops anything else.
func safePicture(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

// Post answers GET /posts/{id} and /posts/{id}/{slug}: the published post
// as a page, a 301 to its canonical path when slug is given and is not the
// current one, and the 404 page for drafts, deleted and missing posts.
func (s *Site) Post(ctx context.Context, id int64, slug string, slugGiven bool) (Response, error) {
	variant := s.variant
	if s.Comments != nil {
		v, err := s.Comments.Version(ctx, id)
		if err != nil {
			return Response{}, err
		}
		variant += ".c" + v
	}
	cached, err := s.Posts.RenderPublished(ctx, s.DB.Orm(), id, variant, func(p *posts.PostContent) ([]byte, error) {
		return s.renderPost(ctx, p)
	})
	if isNotFound(err) {
		return s.NotFound("This post does not exist", "It may have been deleted, or it is a draft its author has not published."), nil
	}
	if err != nil {
		return Response{}, err
	}
	canonical, body, etag, ok := splitCached(cached)
	if !ok {
		return Response{}, fmt.Errorf("public: cached page of post %d is malformed", id)
	}
	if slugGiven && PostPath(id, slug) != canonical {
		return Response{Status: http.StatusMovedPermanently, Location: canonical, CacheControl: CachePage}, nil
	}
	return Response{Status: http.StatusOK, ContentType: typeHTML, CacheControl: CachePage, ETag: etag,
		Body: body, CSP: s.App.ContentSecurityPolicy()}, nil
}

func isNotFound(err error) bool {
	ae, ok := apperror.As(err)
	return ok && ae.Code == apperror.CodeNotFound
}

// A cached post page is its canonical path, its ETag and the HTML,
// separated by NUL bytes: a hit costs no hashing.
func joinCached(canonical string, body []byte) []byte {
	etag := etagOf(body)
	out := make([]byte, 0, len(canonical)+len(etag)+2+len(body))
	out = append(out, canonical...)
	out = append(out, framedSplit)
	out = append(out, etag...)
	out = append(out, framedSplit)
	return append(out, body...)
}

func splitCached(b []byte) (canonical string, body []byte, etag string, ok bool) {
	i := bytes.IndexByte(b, framedSplit)
	if i < 0 {
		return "", nil, "", false
	}
	j := bytes.IndexByte(b[i+1:], framedSplit)
	if j < 0 {
		return "", nil, "", false
	}
	return string(b[:i]), b[i+1+j+1:], string(b[i+1 : i+1+j]), true
}

func (s *Site) renderPost(ctx context.Context, p *posts.PostContent) ([]byte, error) {
	v := viewOf(p, true)
	canonical := s.BaseURL + v.Path
	desc := cut(v.Excerpt, 200)
	if desc == "" {
		desc = "A post by " + p.Author.Name + " on Inkwell."
	}
	pg := page{Kind: "post", Path: v.Path, Post: &v, Head: head{
		Title: p.Title + " · Inkwell", OGTitle: p.Title, Description: desc, Canonical: canonical,
		OGType: "article", Image: FirstImage(p.BodyHTML, s.BaseURL),
		Published: v.PublishedISO, Modified: iso(p.UpdatedAt), Author: p.Author.Name, ArticleTags: p.Tags,
		FeedURL: s.BaseURL + "/users/" + strconv.FormatInt(p.Author.ID, 10) + "/feed.xml", FeedTitle: "Posts by " + p.Author.Name,
	}}
	if s.Comments != nil {
		cp, err := s.Comments.FirstPage(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		pg.Comments = &cp
	}
	body, err := s.render(pg)
	if err != nil {
		return nil, err
	}
	return joinCached(v.Path, body), nil
}

// NotFound is the 404 page. It carries the app too: a signed-in author
// opening their own draft gets it from the app.
func (s *Site) NotFound(heading, text string) Response {
	return s.problem(http.StatusNotFound, heading, text)
}

// BadRequest is the page for a malformed link (a cursor the site never made).
func (s *Site) BadRequest(text string) Response {
	return s.problem(http.StatusBadRequest, "This link is broken", text)
}

func (s *Site) problem(status int, heading, text string) Response {
	body, err := s.render(page{Kind: "problem", Path: "", Problem: &problemView{Heading: heading, Text: text},
		Head: head{Title: heading + " · Inkwell", OGTitle: heading, Description: text, OGType: "website", NoIndex: true}})
	if err != nil {
		// The templates are checked by the tests; a failure here is a bug.
		body = []byte(heading)
	}
	return Response{Status: status, ContentType: typeHTML, CacheControl: CacheError, Body: body, CSP: s.App.ContentSecurityPolicy()}
}

// listRequest is one public list: all posts, a tag's or an author's.
type listRequest struct {
	path, cursor string
	tag          string
	author       *models.User
}

// Home answers GET /: the latest published posts, for anyone.
func (s *Site) Home(ctx context.Context, cursor string) (Response, error) {
	return s.list(ctx, listRequest{path: "/", cursor: cursor})
}

// Tag answers GET /tags/{tag}.
func (s *Site) Tag(ctx context.Context, tag, cursor string) (Response, error) {
	if !posts.ValidTag(tag) {
		return s.NotFound("No such tag", "Tags are 1–32 lowercase letters, digits or dashes."), nil
	}
	return s.list(ctx, listRequest{path: "/tags/" + tag, cursor: cursor, tag: tag})
}

// User answers GET /users/{id}.
func (s *Site) User(ctx context.Context, id int64, cursor string) (Response, error) {
	u, err := models.UserByID(ctx, s.DB.Orm(), id)
	if errors.Is(err, models.ErrNotFound) {
		return s.NotFound("No such person", "Nobody with this profile writes on Inkwell."), nil
	}
	if err != nil {
		return Response{}, err
	}
	return s.list(ctx, listRequest{path: "/users/" + strconv.FormatInt(id, 10), cursor: cursor, author: u})
}

func (s *Site) list(ctx context.Context, lr listRequest) (Response, error) {
	req := posts.FeedRequest{Limit: PageSize, Tag: lr.tag}
	if lr.author != nil {
		req.AuthorID = lr.author.ID
	}
	if lr.cursor != "" {
		after, err := posts.DecodeFeedCursor(lr.cursor)
		if err != nil {
			return s.BadRequest("This “older posts” link was not made by Inkwell. Start again from the newest posts."), nil
		}
		req.After = after
	}
	items, next, err := s.Posts.PublishedPage(ctx, s.DB.Orm(), req)
	if err != nil {
		return Response{}, err
	}
	lv := &listView{FeedPath: strings.TrimSuffix(lr.path, "/") + "/feed.xml"}
	h := head{Canonical: s.BaseURL + lr.path, OGType: "website", FeedURL: s.BaseURL + lv.FeedPath}
	switch {
	case lr.tag != "":
		lv.Heading, lv.Empty = "Posts tagged #"+lr.tag, "No posts are tagged #"+lr.tag+" yet."
		h.Description = "The latest posts tagged #" + lr.tag + " on Inkwell."
		h.FeedTitle = "Inkwell: #" + lr.tag
	case lr.author != nil:
		lv.Heading, lv.Empty = "Posts by "+lr.author.Name, lr.author.Name+" has not published anything yet."
		lv.Intro = "Writing on Inkwell since " + day(lr.author.CreatedAt) + "."
		h.Description = "The latest posts by " + lr.author.Name + " on Inkwell."
		h.FeedTitle = "Posts by " + lr.author.Name
		h.OGType = "profile"
	default:
		lv.Heading, lv.Empty = "Latest posts", "Nothing has been published yet."
		h.Description = "The latest posts written on Inkwell, a community publishing platform."
		h.FeedTitle = "Inkwell: latest posts"
	}
	h.OGTitle = lv.Heading
	h.Title = lv.Heading + " · Inkwell"
	if lr.path == "/" {
		h.Title = "Inkwell — latest posts"
	}
	if lr.cursor != "" {
		// Older pages are for reading on, not for search results.
		h.NoIndex = true
		lv.NewestURL = lr.path
	}
	for i := range items {
		lv.Items = append(lv.Items, viewOf(&items[i], false))
	}
	if next != nil {
		lv.OlderURL = lr.path + "?cursor=" + posts.EncodeFeedCursor(*next)
	}
	body, err := s.render(page{Kind: "list", Path: lr.path, List: lv, Head: h})
	if err != nil {
		return Response{}, err
	}
	return s.ok(typeHTML, body), nil
}

// Failure is the page for an unexpected error (logged by the caller).
func (s *Site) Failure() Response {
	return s.problem(http.StatusInternalServerError, "Something went wrong",
		"This page could not be shown just now. Please try again in a moment.")
}

// Unavailable is the page for a database (or other dependency) that does
// not answer: 503, so proxies and crawlers come back later.
func (s *Site) Unavailable() Response {
	return s.problem(http.StatusServiceUnavailable, "Back in a moment",
		"Inkwell cannot reach its database just now. Please try again in a few seconds.")
}
