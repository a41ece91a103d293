package public

import (
	"context"
	"encoding/xml"
	"errors"
	"strconv"
	"time"

	"inkwell/models"
	"inkwell/posts"
)

const atomNS = "http://www.w3.org/2005/Atom"

// atomFeed is an Atom 1.0 feed (RFC 4287): id, title and updated are
// required; every entry names its author, so the feed needs none of its own.
type atomFeed struct {
	XMLName   xml.Name    `xml:"feed"`
	NS        string      `xml:"xmlns,attr"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Links      []atomLink     `xml:"link"`
	Author     atomPerson     `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    atomText       `xml:"summary"`
	Content    atomText       `xml:"content"`
}

// Feed answers GET /feed.xml: the latest 50 published posts.
func (s *Site) Feed(ctx context.Context) (Response, error) {
	return s.atom(ctx, "/feed.xml", "/", "Inkwell: latest posts", posts.FeedRequest{})
}

// TagFeed answers GET /tags/{tag}/feed.xml.
func (s *Site) TagFeed(ctx context.Context, tag string) (Response, error) {
	if !posts.ValidTag(tag) {
		return s.NotFound("No such tag", "Tags are 1–32 lowercase letters, digits or dashes."), nil
	}
	return s.atom(ctx, "/tags/"+tag+"/feed.xml", "/tags/"+tag, "Inkwell: #"+tag, posts.FeedRequest{Tag: tag})
}

// UserFeed answers GET /users/{id}/feed.xml.
func (s *Site) UserFeed(ctx context.Context, id int64) (Response, error) {
	u, err := models.UserByID(ctx, s.DB.Orm(), id)
	if errors.Is(err, models.ErrNotFound) {
		return s.NotFound("No such person", "Nobody with this profile writes on Inkwell."), nil
	}
	if err != nil {
		return Response{}, err
	}
	page := "/users/" + strconv.FormatInt(id, 10)
	return s.atom(ctx, page+"/feed.xml", page, "Posts by "+u.Name+" on Inkwell", posts.FeedRequest{AuthorID: id})
}

func (s *Site) atom(ctx context.Context, self, alternate, title string, req posts.FeedRequest) (Response, error) {
	req.Limit = FeedEntries
	items, _, err := s.Posts.PublishedPage(ctx, s.DB.Orm(), req)
	if err != nil {
		return Response{}, err
	}
	f := atomFeed{NS: atomNS, ID: s.BaseURL + self, Title: title, Generator: "Inkwell",
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: s.BaseURL + self},
			{Rel: "alternate", Type: "text/html", Href: s.BaseURL + alternate}}}
	// An empty feed is as old as the epoch: its bytes, and so its ETag,
	// stay the same until something is published.
	updated := time.Unix(0, 0).UTC()
	for i := range items {
		p := &items[i]
		if p.UpdatedAt.After(updated) {
			updated = p.UpdatedAt
		}
		f.Entries = append(f.Entries, s.atomEntry(p))
	}
	f.Updated = iso(updated)
	body, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return Response{}, err
	}
	return s.ok(typeAtom, append([]byte(xml.Header), body...)), nil
}

func (s *Site) atomEntry(p *posts.PostContent) atomEntry {
	v := viewOf(p, false)
	e := atomEntry{
		// The id is the post's permanent address (/posts/{id}): it must not
		// change when the title, and so the slug, does.
		ID:        s.BaseURL + "/posts/" + strconv.FormatInt(p.ID, 10),
		Title:     p.Title,
		Updated:   iso(p.UpdatedAt),
		Published: v.PublishedISO,
		Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: s.BaseURL + v.Path}},
		Author:    atomPerson{Name: p.Author.Name, URI: s.BaseURL + "/users/" + strconv.FormatInt(p.Author.ID, 10)},
		Summary:   atomText{Type: "text", Body: v.Excerpt},
		// The sanitized HTML, escaped as text (type="html"), as RFC 4287 asks.
		Content: atomText{Type: "html", Body: p.BodyHTML},
	}
	for _, t := range p.Tags {
		e.Categories = append(e.Categories, atomCategory{Term: t})
	}
	return e
}

// SitemapLimit is the sitemap protocol's cap on URLs per file; the home
// page takes one.
const SitemapLimit = 50000

type sitemapURLSet struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// Sitemap answers GET /sitemap.xml: the home page and the newest published
// posts (up to the protocol's 50,000 URLs) at their canonical addresses.
func (s *Site) Sitemap(ctx context.Context) (Response, error) {
	locs, err := models.PublishedPostLocations(ctx, s.DB.Orm(), SitemapLimit-1)
	if err != nil {
		return Response{}, err
	}
	set := sitemapURLSet{NS: "http://www.sitemaps.org/schemas/sitemap/0.9", URLs: make([]sitemapURL, 0, len(locs)+1)}
	set.URLs = append(set.URLs, sitemapURL{Loc: s.BaseURL + "/"})
	for _, l := range locs {
		set.URLs = append(set.URLs, sitemapURL{Loc: s.BaseURL + PostPath(l.ID, l.Slug), LastMod: iso(l.UpdatedAt)})
	}
	body, err := xml.MarshalIndent(set, "", "  ")
	if err != nil {
		return Response{}, err
	}
	return s.ok(typeXML, append([]byte(xml.Header), body...)), nil
}

// Robots answers GET /robots.txt: everything public may be crawled; the
// API and the app's private screens may not.
func (s *Site) Robots() Response {
	body := "User-agent: *\n" +
		"Disallow: /api/\n" +
		"Disallow: /signin\n" +
		"Disallow: /write\n" +
		"Disallow: /drafts\n" +
		"Disallow: /me\n" +
		"Disallow: /wallet\n" +
		"Disallow: /swagger/\n" +
		"Allow: /\n\n" +
		"Sitemap: " + s.BaseURL + "/sitemap.xml\n"
	return s.ok(typeText, []byte(body))
}
