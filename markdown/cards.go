package markdown

import (
	"context"
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark/ast"
	gmrenderer "github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// Link preview cards (issue 18, F13): a paragraph that is nothing but one
// link written as a bare URL (autolinked, "https://…" or "<https://…>")
// renders as a card showing the linked page's title, description, site
// and image, when a CardSource knows the page. Links inside text, code
// spans and fences are never cards; a bare link without a card stays a
// plain link. See docs/previews.md "Cards".

// Card is what a preview card shows. Image is a local copy's URL (the
// caller never passes a remote image: no hotlinking).
type Card struct {
	Title       string
	Description string
	SiteName    string
	Image       string
}

// CardSource answers the cards it knows for some bare links' URLs (as
// written in the markdown, with "http://" added to "www." links). A URL
// missing from the answer gets no card. It is called once per render, with
// at most MaxCards URLs, and must not fetch pages: it runs inside a render
// slot (the post service reads previews from the cache only).
type CardSource interface {
	Cards(ctx context.Context, urls []string) map[string]Card
}

// MaxCards bounds the bare links of one render that may become cards (the
// first ones); the others stay links. It also bounds the previews one post
// fetches.
const MaxCards = 5

// Text limits of a card as rendered, in bytes of escaped text a card
// cannot grow past whatever the source answers.
const (
	maxCardTitle       = 1200
	maxCardDescription = 4000
	maxCardSite        = 400
)

// RenderWithCards is RenderContext with bare links rendered as cards from
// cards (nil: no cards, as RenderContext); RenderOptions.Cards does the
// same alongside the other options.
func RenderWithCards(ctx context.Context, source string, cards CardSource) (string, error) {
	return RenderWithOptions(ctx, source, RenderOptions{Cards: cards})
}

// kindCard is the AST node that replaces a bare link's paragraph.
var kindCard = ast.NewNodeKind("LinkCard")

type cardNode struct {
	ast.BaseBlock
	url  string
	card Card
}

func (n *cardNode) Kind() ast.NodeKind { return kindCard }

func (n *cardNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"URL": n.url}, nil)
}

// bareLink answers the URL of a paragraph that holds one http(s) autolink
// and nothing else.
func bareLink(n ast.Node, source []byte) (string, bool) {
	if n.Kind() != ast.KindParagraph || n.ChildCount() != 1 {
		return "", false
	}
	link, ok := n.FirstChild().(*ast.AutoLink)
	if !ok || link.AutoLinkType != ast.AutoLinkURL {
		return "", false
	}
	u := string(link.URL(source))
	lower := strings.ToLower(u)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return "", false
	}
	return u, true
}

// applyCards replaces the paragraphs of the first MaxCards bare links
// with cards, for those cards knows.
func applyCards(ctx context.Context, doc ast.Node, source []byte, cards CardSource) {
	var paragraphs []ast.Node
	var urls []string
	seen := map[string]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if u, ok := bareLink(n, source); ok {
			if !seen[u] {
				if len(urls) == MaxCards {
					return ast.WalkStop, nil
				}
				seen[u] = true
				urls = append(urls, u)
			}
			paragraphs = append(paragraphs, n)
			return ast.WalkSkipChildren, nil
		}
		if n.Type() == ast.TypeInline {
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	if len(urls) == 0 {
		return
	}
	known := cards.Cards(ctx, urls)
	for _, p := range paragraphs {
		u, _ := bareLink(p, source)
		c, ok := known[u]
		if !ok || strings.TrimSpace(c.Title) == "" {
			continue
		}
		p.Parent().ReplaceChild(p.Parent(), p, &cardNode{url: u, card: c})
	}
}

// cardRenderer writes a card. Every text is escaped here and the whole
// card then passes the sanitizer like the rest of the post (the policy
// allows its classes, nothing more), so a hostile title or description is
// text, and a non-http(s) image URL is dropped. The markup reads well
// without the stylesheet (feed readers): image, title, description, site,
// one per line.
type cardRenderer struct{}

func (cardRenderer) RegisterFuncs(reg gmrenderer.NodeRendererFuncRegisterer) {
	reg.Register(kindCard, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkSkipChildren, nil
		}
		c := n.(*cardNode)
		href := string(util.EscapeHTML(util.URLEscape([]byte(c.url), false)))
		_, _ = w.WriteString(`<p class="link-card"><a href="` + href + `">`)
		if localImage(c.card.Image) {
			img := string(util.EscapeHTML(util.URLEscape([]byte(c.card.Image), false)))
			_, _ = w.WriteString(`<img class="link-card-image" src="` + img + `" alt="" loading="lazy"><br>`)
		}
		_, _ = w.WriteString(`<strong class="link-card-title">` + cardText(c.card.Title, maxCardTitle) + `</strong>`)
		if d := cardText(c.card.Description, maxCardDescription); d != "" {
			_, _ = w.WriteString(`<br><span class="link-card-description">` + d + `</span>`)
		}
		if s := cardText(c.card.SiteName, maxCardSite); s != "" {
			_, _ = w.WriteString(`<br><small class="link-card-site">` + s + `</small>`)
		}
		_, _ = w.WriteString("</a></p>\n")
		return ast.WalkSkipChildren, nil
	})
}

// localImage reports whether a card's image URL is one the card may
// show: http(s) or a path on this site (the sanitizer would drop any other
// src and leave an empty image behind).
func localImage(u string) bool {
	lower := strings.ToLower(u)
	return strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") ||
		(strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//"))
}

// cardText escapes s, cut to at most limit bytes first (on a character
// boundary).
func cardText(s string, limit int) string {
	s = strings.TrimSpace(s)
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return html.EscapeString(s)
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// allowCards lets the card's markup through the sanitizer: its classes on
// its elements, and lazy loading of its image.
func allowCards(p *bluemonday.Policy) {
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^link-card$`)).OnElements("p")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^link-card-image$`)).OnElements("img")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^link-card-title$`)).OnElements("strong")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^link-card-description$`)).OnElements("span")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^link-card-site$`)).OnElements("small")
	p.AllowAttrs("loading").Matching(regexp.MustCompile(`^lazy$`)).OnElements("img")
}
