package markdown

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/html"
)

// RenderOptions change what a render writes without changing what the
// author wrote. The zero value renders as RenderContext does.
type RenderOptions struct {
	// URLMap swaps image and link addresses in the rendered HTML: an
	// <img src>, <a href>, <source src> or <video src|poster> whose value
	// equals a key is written with the key's value instead (media backup:
	// the post shows the library's copy of an external image). Keys are
	// compared with the sanitized HTML's attribute values, the same strings
	// ExternalMedia reports, so what discovery finds is what gets swapped.
	// Text is never touched: a URL inside a code span or fence is text in
	// the HTML, not an attribute.
	URLMap map[string]string
	// Cards, when set, renders bare links as preview cards (cards.go).
	Cards CardSource
}

// RenderWithOptions is RenderContext with options (see RenderOptions).
func RenderWithOptions(ctx context.Context, source string, opts RenderOptions) (string, error) {
	return renderWith(ctx, source, limits{budget: RenderBudget, shapes: true}, opts)
}

// mediaAttrs are the attributes through which a reader's browser loads
// media, per element. The sanitizer keeps only <img src> and <a href>
// today; <source> and <video> are listed so that widening the policy
// widens the backup with it.
var mediaAttrs = map[string][]string{
	"img":    {"src"},
	"a":      {"href"},
	"source": {"src"},
	"video":  {"src", "poster"},
}

// swapURLs rewrites, in sanitized HTML, the media attributes whose value is
// a key of m. Tags without such an attribute are copied byte for byte.
func swapURLs(in []byte, m map[string]string, g *guard) ([]byte, error) {
	out := bytes.NewBuffer(make([]byte, 0, len(in)+len(in)/8))
	z := html.NewTokenizer(bytes.NewReader(in))
	for {
		g.step()
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return out.Bytes(), nil
			}
			return nil, z.Err()
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := append([]byte(nil), z.Raw()...)
			tok := z.Token()
			changed := false
			for _, name := range mediaAttrs[tok.Data] {
				for i := range tok.Attr {
					if tok.Attr[i].Namespace != "" || tok.Attr[i].Key != name {
						continue
					}
					if to, ok := m[tok.Attr[i].Val]; ok {
						tok.Attr[i].Val, changed = to, true
					}
				}
			}
			if changed {
				out.WriteString(tok.String())
			} else {
				out.Write(raw)
			}
		default:
			out.Write(z.Raw())
		}
	}
}

// mediaExtensions are the file types an <a href> must end in to count as
// media a post shows (the library's types; the bytes decide in the end).
var mediaExtensions = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".mp4": true, ".webm": true,
}

// ExternalMedia lists, in order of first appearance and without repeats,
// the external images and videos sanitized post HTML shows: every <img
// src>, <source src>, <video src|poster>, and every <a href> whose path
// ends in a media extension. Only absolute http(s) URLs count (data: is
// refused by the sanitizer anyway); own reports the addresses that are
// already ours (the site and its media base), which are left out.
func ExternalMedia(bodyHTML string, own func(u *url.URL) bool) []string {
	var found []string
	seen := map[string]bool{}
	z := html.NewTokenizer(strings.NewReader(bodyHTML))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return found
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		names := mediaAttrs[tok.Data]
		for _, a := range tok.Attr {
			if a.Namespace != "" || !contains(names, a.Key) || seen[a.Val] {
				continue
			}
			u, err := url.Parse(a.Val)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				continue
			}
			if tok.Data == "a" && !mediaExtensions[strings.ToLower(path.Ext(u.Path))] {
				continue
			}
			if own != nil && own(u) {
				continue
			}
			seen[a.Val] = true
			found = append(found, a.Val)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
