package previews

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// MaxHeadBytes is how much of a page is read looking for its metadata:
// parsing stops at </head>, at <body>, or here, whichever comes first.
const MaxHeadBytes = 512 << 10

// headMeta is what a page's <head> says about itself.
type headMeta struct {
	// meta holds the first content of each meta property or name
	// (lower case: "og:title", "twitter:image", "description").
	meta  map[string]string
	title string
	base  string
}

// metaKeys are the meta properties and names previews use; the rest are
// not kept, so a page cannot grow the map.
var metaKeys = map[string]bool{
	"og:title": true, "og:description": true, "og:site_name": true,
	"og:image": true, "og:image:url": true, "og:image:secure_url": true,
	"twitter:title": true, "twitter:description": true, "twitter:image": true, "twitter:image:src": true,
	"description": true,
}

// parseHead reads r as HTML in the charset contentType, a <meta charset>
// or the bytes themselves declare, as a stream of tokens, and stops at the
// end of the head or MaxHeadBytes.
func parseHead(r io.Reader, contentType string) headMeta {
	limited := io.LimitReader(r, MaxHeadBytes)
	decoded, err := charset.NewReader(limited, contentType)
	if err != nil {
		// An unknown charset label: read the bytes as UTF-8 rather than fail.
		decoded = limited
	}
	out := headMeta{meta: map[string]string{}}
	z := html.NewTokenizer(decoded)
	inTitle := false
	var title strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			out.title = title.String()
			return out // io.EOF, the cap, or a read error: use what was read
		case html.TextToken:
			if inTitle && title.Len() < 4096 {
				title.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "title":
				inTitle = out.title == "" && title.Len() == 0
			case "meta":
				if hasAttr {
					out.addMeta(z)
				}
			case "base":
				if hasAttr && out.base == "" {
					out.base = attr(z, "href")
				}
			case "body":
				out.title = title.String()
				return out
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "title":
				inTitle = false
			case "head":
				out.title = title.String()
				return out
			}
		}
	}
}

func (m *headMeta) addMeta(z *html.Tokenizer) {
	var key, content string
	hasContent := false
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "property", "name":
			if key == "" || !metaKeys[key] {
				key = strings.ToLower(strings.TrimSpace(string(v)))
			}
		case "content":
			content, hasContent = string(v), true
		}
		if !more {
			break
		}
	}
	if !metaKeys[key] || !hasContent {
		return
	}
	if _, seen := m.meta[key]; !seen {
		m.meta[key] = content
	}
}

func attr(z *html.Tokenizer, want string) string {
	for {
		k, v, more := z.TagAttr()
		if string(k) == want {
			return string(v)
		}
		if !more {
			return ""
		}
	}
}

// first returns the first non-empty cleaned value among keys.
func (m headMeta) first(limit int, keys ...string) string {
	for _, k := range keys {
		if v := clean(m.meta[k], limit); v != "" {
			return v
		}
	}
	return ""
}

// clean makes page text fit for a card: valid UTF-8, no control
// characters, whitespace collapsed, at most limit characters.
func clean(s string, limit int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > limit {
		runes := []rune(s)
		s = strings.TrimSpace(string(runes[:limit-1])) + "…"
	}
	return s
}
