package previews

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseHead: whatever a site sends, parsing ends, and what it keeps
// is bounded and valid UTF-8 once cleaned.
func FuzzParseHead(f *testing.F) {
	for _, seed := range []string{
		`<head><title>t</title><meta property="og:title" content="x"></head>`,
		`<meta charset="windows-1252"><title>Caf` + "\xe9" + `</title>`,
		`<title>unterminated`,
		`<head><meta property="og:image" content="../a.png"><base href="/b/"></head><body>`,
		"<title>\x00\x01\u202e</title>",
		`<svg><title>inner</title></svg>`,
	} {
		f.Add(seed, "text/html")
	}
	f.Fuzz(func(t *testing.T, body, contentType string) {
		head := parseHead(strings.NewReader(body), contentType)
		if len(head.meta) > len(metaKeys) {
			t.Fatalf("kept %d meta keys", len(head.meta))
		}
		title := clean(head.title, maxTitle)
		if !utf8.ValidString(title) || utf8.RuneCountInString(title) > maxTitle {
			t.Fatalf("title not cleaned: %q", title)
		}
	})
}
