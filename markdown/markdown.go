// Package markdown turns a post's markdown into the HTML stored in
// body_html: rendered with goldmark (CommonMark + GitHub tables,
// strikethrough, autolinks, task lists, footnotes) and then sanitized with
// bluemonday, so nothing the author types can run in a reader's browser.
//
// Rendering is bounded whatever the input (issue 14: 200 KB of nested '>'
// once took 45.7 s and a post rendered to 11 MB). goldmark's parser is
// superlinear on some shapes, so the shapes are limited where goldmark
// builds them (guard.go): blocks nested at most MaxNesting deep, at most
// MaxDelimiterRuns emphasis runs and MaxOpenBrackets link, code or HTML
// openers per paragraph, at most MaxTableCells table cells. On top of that
// every render has a time budget, stops when its context ends (the client
// left), writes at most MaxOutputBytes, and at most one render per CPU runs
// at once. Input refused for its shape comes back as a *RefusedError that
// says why, for the author to fix.
package markdown

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	gmrenderer "github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Bounds of one render.
const (
	// MaxInputBytes bounds what Render accepts; API.md caps the markdown at
	// 200,000 characters, at most 4 bytes each.
	MaxInputBytes = 800_000
	// MaxOutputBytes bounds the sanitized HTML: a post read carries it on
	// every request. Ordinary markdown renders to about 1-2 times its size,
	// so a 200,000-character post stays far below.
	MaxOutputBytes = 1 << 20
	// RenderBudget is how long one render may take once it runs; the shape
	// limits keep the worst case far below it (bench/markdown).
	RenderBudget = 2 * time.Second
	// QueueWait is how long a render waits for a free slot before the
	// request is answered "busy".
	QueueWait = 5 * time.Second
)

// RefusedError says why markdown was not rendered: a shape over a limit,
// too much HTML, or too long to render. The message is for the author.
type RefusedError struct {
	Reason string
}

func (e *RefusedError) Error() string { return "markdown: refused: " + e.Reason }

// ErrBusy is returned when every render slot stayed taken for QueueWait.
var ErrBusy = errors.New("markdown: every render slot is busy")

var (
	renderer = goldmark.New(
		// GFM (tables, strikethrough, autolinks, task lists) and footnotes;
		// the PWA's preview renders the same (pwa/app/static/markdown.js).
		goldmark.WithExtensions(extension.GFM, extension.Footnote),
		goldmark.WithParserOptions(parser.WithBlockParsers(util.Prioritized(blockGuard{}, 0)),
			parser.WithInlineParsers(util.Prioritized(inlineGuard{}, 0)),
			parser.WithParagraphTransformers(util.Prioritized(tableGuard{}, 150))),
		// Raw HTML in the markdown is passed to the sanitizer rather than
		// dropped, so harmless inline HTML (<sub>, <abbr>) survives while
		// everything dangerous is removed by the policy below.
		goldmark.WithRendererOptions(html.WithUnsafe(),
			gmrenderer.WithNodeRenderers(util.Prioritized(taskBoxRenderer{}, 1), util.Prioritized(cardRenderer{}, 1))),
	)
	policy = newPolicy()
	// slots holds one token per render running; its size is the number of
	// CPUs Go may use, so renders never queue up more CPU work than there is.
	slots = make(chan struct{}, runtime.GOMAXPROCS(0))
	// queueWait is QueueWait; tests shorten it.
	queueWait = QueueWait
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
	allowCards(p)
	return p
}

// footnoteID matches the ids goldmark gives footnotes and their references.
var footnoteID = regexp.MustCompile(`^fn(ref)?\d*:\d+$`)

// Render is RenderContext without a caller's deadline (the budget still
// applies).
func Render(source string) (string, error) {
	return RenderContext(context.Background(), source)
}

// RenderContext converts markdown to sanitized HTML within the bounds above.
// It waits for a render slot, then renders until done, ctx ends (its error
// is returned) or the budget runs out (a *RefusedError).
func RenderContext(ctx context.Context, source string) (string, error) {
	return render(ctx, source, limits{budget: RenderBudget, shapes: true})
}

// limits lets tests turn the shape limits off or shorten the budget, to
// show what the other bounds do on their own.
type limits struct {
	budget time.Duration
	shapes bool
}

func render(ctx context.Context, source string, lim limits) (string, error) {
	return renderWith(ctx, source, lim, RenderOptions{})
}

// renderWith is render with the caller's RenderOptions (urlmap.go).
func renderWith(ctx context.Context, source string, lim limits, opts RenderOptions) (_ string, err error) {
	if len(source) > MaxInputBytes {
		return "", &RefusedError{Reason: fmt.Sprintf("is %d bytes long; at most %d are accepted", len(source), MaxInputBytes)}
	}
	release, err := acquireSlot(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	budgetCtx, cancel := context.WithTimeoutCause(ctx, lim.budget, errBudget)
	defer cancel()
	g := &guard{ctx: budgetCtx, budget: lim.budget, shapes: lim.shapes}
	defer func() {
		if p := recover(); p != nil {
			a, ok := p.(abort)
			if !ok {
				panic(p)
			}
			err = a.err
		}
	}()

	src := []byte(source)
	pc := parser.NewContext()
	pc.Set(guardKey, g)
	doc := renderer.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	g.check()
	if opts.Cards != nil {
		applyCards(budgetCtx, doc, src, opts.Cards)
	}
	var rendered bytes.Buffer
	// Before sanitizing, the HTML may hold what the sanitizer drops (raw
	// HTML the author typed), so it gets twice the room.
	if err := renderer.Renderer().Render(&cappedWriter{w: &rendered, g: g, limit: 2 * MaxOutputBytes}, src, doc); err != nil {
		return "", fmt.Errorf("markdown: render: %w", err)
	}
	var sanitized bytes.Buffer
	if err := policy.SanitizeReaderToWriter(&rendered, &cappedWriter{w: &sanitized, g: g, limit: MaxOutputBytes}); err != nil {
		return "", fmt.Errorf("markdown: sanitize: %w", err)
	}
	out, err := prefixIDs(sanitized.Bytes(), g)
	if err != nil {
		return "", fmt.Errorf("markdown: prefix ids: %w", err)
	}
	if len(opts.URLMap) > 0 {
		if out, err = swapURLs(out, opts.URLMap, g); err != nil {
			return "", fmt.Errorf("markdown: swap urls: %w", err)
		}
	}
	if len(out) > MaxOutputBytes {
		g.refuse(tooMuchHTML)
	}
	return string(out), nil
}

// acquireSlot waits for a render slot for at most QueueWait.
func acquireSlot(ctx context.Context) (release func(), err error) {
	wait := time.NewTimer(queueWait)
	defer wait.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-wait.C:
		return nil, ErrBusy
	}
}

var tooMuchHTML = fmt.Sprintf("renders to more than %d bytes of HTML; shorten it or split it into several posts", MaxOutputBytes)

// cappedWriter stops the render once the HTML passes limit bytes, and
// when the render's context ends.
type cappedWriter struct {
	w     *bytes.Buffer
	g     *guard
	limit int
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	c.g.check()
	if c.w.Len()+len(p) > c.limit {
		c.g.refuse(tooMuchHTML)
	}
	return c.w.Write(p)
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
