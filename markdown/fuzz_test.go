package markdown

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"inkwell/markdown/corpus"
)

// FuzzRender holds the renderer to its bounds on any input: it either
// renders within MaxOutputBytes or refuses with a *RefusedError (never
// another error, never a panic), and what it renders has no script, no
// event handler, and no id or fragment link outside IDPrefix. `make test`
// runs it for a fixed time (make fuzz); plain `go test` runs the seeds.
func FuzzRender(f *testing.F) {
	for _, c := range corpus.Pathological(3_000) {
		f.Add(c.Markdown)
	}
	for _, s := range []string{
		"", "# t\n\n*a* **b** ~~c~~ `d` [e](https://x.test) ![f](https://x.test/f.png)",
		`<div id="toast">x</div><a href="#toast">y</a>`, "a[^1]\n\n[^1]: b",
		"- [ ] task\n- [x] done", "| a |\n|---|\n| b |", "<script>alert(1)</script>",
		`<img src=x onerror=alert(1)>`, "[x](javascript:alert(1))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, source string) {
		if !utf8.ValidString(source) {
			t.Skip("the API only stores valid UTF-8")
		}
		out, err := Render(source)
		if err != nil {
			var refused *RefusedError
			if !errors.As(err, &refused) {
				t.Fatalf("error that is not a refusal: %v", err)
			}
			if out != "" {
				t.Fatalf("refused but returned %d bytes", len(out))
			}
			return
		}
		if len(out) > MaxOutputBytes {
			t.Fatalf("%d bytes of HTML, over %d", len(out), MaxOutputBytes)
		}
		checkRendered(t, out)
	})
}

// checkRendered fails on a script, an event handler, a javascript: URL, or
// an id, name or fragment link without IDPrefix in rendered HTML.
func checkRendered(t *testing.T, out string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				t.Fatalf("unreadable HTML: %v", z.Err())
			}
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if tok.Data == "script" || tok.Data == "style" || tok.Data == "iframe" {
			t.Fatalf("<%s> survived: %s", tok.Data, out)
		}
		for _, a := range tok.Attr {
			switch {
			case strings.HasPrefix(a.Key, "on"):
				t.Fatalf("event handler %s survived: %s", a.Key, out)
			case a.Key == "id" || a.Key == "name":
				if !strings.HasPrefix(a.Val, IDPrefix) {
					t.Fatalf("%s=%q without %q: %s", a.Key, a.Val, IDPrefix, out)
				}
			case a.Key == "href" || a.Key == "src":
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") {
					t.Fatalf("%s=%q survived: %s", a.Key, a.Val, out)
				}
				if a.Key == "href" && strings.HasPrefix(a.Val, "#") && len(a.Val) > 1 && !strings.HasPrefix(a.Val[1:], IDPrefix) {
					t.Fatalf("fragment link %q without %q: %s", a.Val, IDPrefix, out)
				}
			}
		}
	}
}

// attrValues lists the values of attribute key in rendered HTML.
func attrValues(t *testing.T, out, key string) []string {
	t.Helper()
	var vals []string
	z := html.NewTokenizer(bytes.NewReader([]byte(out)))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		for _, a := range z.Token().Attr {
			if a.Key == key {
				vals = append(vals, a.Val)
			}
		}
	}
	return vals
}
