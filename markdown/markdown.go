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
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	gmrenderer "github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

var (
	renderer = goldmark.New(
		// GFM (tables, strikethrough, autolinks, task lists) and footnotes;
		// the PWA's preview renders the same (pwa/app/static/markdown.js).
		goldmark.WithExtensions(extension.GFM, extension.Footnote),
		// Raw HTML in the markdown is passed to the sanitizer rather than
		// dropped, so harmless inline HTML (<sub>, <abbr>) survives while
		// everything dangerous is removed by the policy below.
		goldmark.WithRendererOptions(html.WithUnsafe(),
			gmrenderer.WithNodeRenderers(util.Prioritized(taskBoxRenderer{}, 1))),
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
	// Task lists: the ticked or empty box goldmark writes for "- [x]" is a
	// disabled checkbox (no form can exist in a post, so it submits nothing).
	p.AllowElements("input")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^(|checked|disabled)$`)).OnElements("input")
	p.AllowAttrs("aria-label").Matching(regexp.MustCompile(`^(done|not done)$`)).OnElements("input")
	// Footnotes: goldmark's ids and classes, nothing else (an arbitrary id
	// could shadow the page's own elements).
	p.AllowAttrs("id").Matching(footnoteID).OnElements("sup", "li")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^(footnote-ref|footnote-backref)$`)).OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^footnotes$`)).OnElements("div")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^(doc-noteref|doc-backlink|doc-endnotes)$`)).OnElements("a", "div")
	return p
}

// footnoteID matches the ids goldmark gives footnotes and their references.
var footnoteID = regexp.MustCompile(`^fn(ref)?[0-9]*:[0-9]+$`)

// MaxInputBytes bounds what Render accepts; API.md caps the markdown at
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

// taskBoxRenderer writes a task list's box as goldmark does, plus the
// accessible name a form control needs ("done" / "not done"); it replaces
// the GFM extension's renderer (priority 500): goldmark registers renderers
// from the highest priority value down, so the lowest value wins.
type taskBoxRenderer struct{}

func (taskBoxRenderer) RegisterFuncs(reg gmrenderer.NodeRendererFuncRegisterer) {
	reg.Register(east.KindTaskCheckBox, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if n.(*east.TaskCheckBox).IsChecked {
			_, _ = w.WriteString(`<input checked="" disabled="" type="checkbox" aria-label="done"> `)
		} else {
			_, _ = w.WriteString(`<input disabled="" type="checkbox" aria-label="not done"> `)
		}
		return ast.WalkContinue, nil
	})
}
