package markdown

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// IDPrefix goes in front of every id and name the author's HTML carries,
// and of every same-page link (#x), as GitHub does. The page around a post
// has ids of its own (the PWA's #toast); without the prefix a post with
// id="toast" would receive the app's notifications. Footnotes keep working:
// their ids and the links to them get the same prefix.
const IDPrefix = "user-content-"

// prefixIDs rewrites the ids, names and fragment links of sanitized HTML.
// Tags without them are copied byte for byte.
func prefixIDs(in []byte, g *guard) ([]byte, error) {
	out := bytes.NewBuffer(make([]byte, 0, len(in)+len(in)/16))
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
			if prefixAttrs(tok.Attr) {
				out.WriteString(tok.String())
			} else {
				out.Write(raw)
			}
		default:
			out.Write(z.Raw())
		}
	}
}

// prefixAttrs prefixes the ids and fragment links among attrs in place and
// reports whether it changed any.
func prefixAttrs(attrs []html.Attribute) bool {
	changed := false
	for i, a := range attrs {
		switch a.Key {
		case "id", "name":
			if !strings.HasPrefix(a.Val, IDPrefix) {
				attrs[i].Val, changed = IDPrefix+a.Val, true
			}
		case "href", "usemap":
			if len(a.Val) > 1 && a.Val[0] == '#' && !strings.HasPrefix(a.Val[1:], IDPrefix) {
				attrs[i].Val, changed = "#"+IDPrefix+a.Val[1:], true
			}
		}
	}
	return changed
}
