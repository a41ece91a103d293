// Package markdown turns a post's markdown into the HTML stored in
// body_html: rendered with goldmark (CommonMark + GitHub tables,
// strikethrough, autolinks) and then sanitized with bluemonday,
// so nothing the author types can run in a reader's browser.
package markdown

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

var (
	renderer = goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		// Raw HTML in the markdown is passed to the sanitizer rather than
		// dropped, so harmless inline HTML (<sub>, <abbr>) survives while
		// everything dangerous is removed by the policy below.
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	policy = newPolicy()
)

// newPolicy is bluemonday's policy for user-generated content, narrowed:
// links and images only over http, https (and mailto for links), never
// data: or javascript:; every link gets rel="nofollow noopener" and external
// ones open in a new tab.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(false)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// Fenced code keeps its language class for client-side highlighting.
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[a-zA-Z0-9_+-]+$`)).OnElements("code")
	return p
}

// MaxInputBytes bounds what Render accepts; docs/api.md caps the markdown at
// 200,000 characters, at most 4 bytes each.
const MaxInputBytes = 800_000

// Render converts markdown to sanitized HTML.
func Render(source string) (string, error) {
	if len(source) > MaxInputBytes {
		return "", fmt.Errorf("markdown: %d bytes is over the %d byte limit", len(source), MaxInputBytes)
	}
	var buf bytes.Buffer
	if err := renderer.Convert([]byte(source), &buf); err != nil {
		return "", fmt.Errorf("markdown: render: %w", err)
	}
	return policy.SanitizeReader(&buf).String(), nil
}
