package public

import (
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// ExcerptChars bounds the plain-text excerpt of a post (lists, og:description).
const ExcerptChars = 300

// skipped are elements whose text does not read well outside the post:
// code, tables, and anything that is not prose.
var skipped = map[string]bool{"pre": true, "table": true, "script": true, "style": true, "figure": true, "sup": true}

// blockish end a run of text: their neighbours get a space between them.
var blockish = map[string]bool{"p": true, "li": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "blockquote": true, "br": true, "div": true, "ul": true, "ol": true, "hr": true}

// Excerpt is the post's sanitized HTML as plain text — prose only, no code,
// tables or footnote markers — cut at a word near maxChars characters.
func Excerpt(bodyHTML string, maxChars int) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(bodyHTML))
	depth := 0    // inside skipped elements
	card := false // inside a link preview card (another page's text)
	space := false
	for b.Len() < maxChars*4 {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return cut(b.String(), maxChars)
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) == "p" && (card || tt == html.StartTagToken && isLinkCard(z, hasAttr)) {
				// A card holds no other paragraph: its </p> ends it.
				card = tt == html.StartTagToken
				space = true
				continue
			}
			if skipped[string(name)] {
				if tt == html.StartTagToken {
					depth++
				} else if tt == html.EndTagToken && depth > 0 {
					depth--
				}
				space = true
				continue
			}
			if blockish[string(name)] {
				space = true
			}
		case html.TextToken:
			if depth > 0 || card {
				continue
			}
			for _, r := range string(z.Text()) {
				if unicode.IsSpace(r) {
					space = true
					continue
				}
				if space && b.Len() > 0 {
					b.WriteByte(' ')
				}
				space = false
				b.WriteRune(r)
			}
		}
	}
	return cut(b.String(), maxChars)
}

// cut shortens s to at most maxChars characters, at a word when one is near.
func cut(s string, maxChars int) string {
	r := []rune(s)
	if len(r) <= maxChars {
		return s
	}
	r = r[:maxChars-1]
	if i := strings.LastIndexFunc(string(r), unicode.IsSpace); i > len(string(r))*2/3 {
		return strings.TrimRightFunc(string(r)[:i], unicode.IsPunct) + "…"
	}
	return string(r) + "…"
}

// FirstImage is the absolute URL of the post's first image (http or https),
// resolved against base, or "".
func FirstImage(bodyHTML, base string) string {
	z := html.NewTokenizer(strings.NewReader(bodyHTML))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "img" {
				continue
			}
			src, card := "", false
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "src":
					src = string(v)
				case "class":
					// A link preview card's image pictures another page.
					card = string(v) == "link-card-image"
				}
			}
			if u := absolute(src, base); u != "" && !card {
				return u
			}
		}
	}
}

// isLinkCard reports whether the start tag being read is a link preview
// card's (markdown/cards.go: <p class="link-card">).
func isLinkCard(z *html.Tokenizer, hasAttr bool) bool {
	for hasAttr {
		var k, v []byte
		k, v, hasAttr = z.TagAttr()
		if string(k) == "class" && string(v) == "link-card" {
			return true
		}
	}
	return false
}

func absolute(ref, base string) string {
	b, err := url.Parse(base + "/")
	if err != nil {
		return ""
	}
	u, err := b.Parse(strings.TrimSpace(ref))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}
