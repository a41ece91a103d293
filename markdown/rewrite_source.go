package markdown

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"golang.org/x/net/html"
)

// RewriteSource applies a URL map to the markdown itself ("apply to
// source" of media backup): the destinations of inline links and images,
// of reference definitions ([r]: url), and the src/href/poster values of
// raw HTML tags the author typed, are replaced where they map. Positions
// come from goldmark's AST — an inline destination is a subslice of the
// source (parseLinkDestination returns line[:i]), so its byte offset is
// cap(source) - cap(dest) — which is why text in code spans and fenced
// blocks is never touched: it is code in the AST, not a destination.
// Keys are matched as ExternalMedia reports them (the rendered,
// URL-escaped form) and as written. It answers the new source and how
// many spans it replaced.
func RewriteSource(ctx context.Context, source string, m map[string]string) (_ string, replaced int, err error) {
	if len(m) == 0 {
		return source, 0, nil
	}
	if len(source) > MaxInputBytes {
		return "", 0, &RefusedError{Reason: fmt.Sprintf("is %d bytes long; at most %d are accepted", len(source), MaxInputBytes)}
	}
	release, err := acquireSlot(ctx)
	if err != nil {
		return "", 0, err
	}
	defer release()
	budgetCtx, cancel := context.WithTimeoutCause(ctx, RenderBudget, errBudget)
	defer cancel()
	g := &guard{ctx: budgetCtx, budget: RenderBudget, shapes: true}
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

	type span struct {
		start, end int
		to         string
	}
	var spans []span
	seen := map[int]bool{}
	lookup := func(dest []byte) (string, bool) {
		if to, ok := m[string(util.URLEscape(dest, true))]; ok {
			return to, true
		}
		to, ok := m[string(dest)]
		return to, ok
	}
	addDest := func(dest []byte) {
		to, ok := lookup(dest)
		if !ok || len(dest) == 0 {
			return
		}
		off := cap(src) - cap(dest)
		// A destination goldmark copied (rare) is not a subslice; the
		// bytes at the computed offset must be the destination itself.
		if off < 0 || off+len(dest) > len(src) || !bytes.Equal(src[off:off+len(dest)], dest) || seen[off] {
			return
		}
		seen[off] = true
		spans = append(spans, span{off, off + len(dest), to})
	}
	addRaw := func(segs *text.Segments) {
		for i := 0; i < segs.Len(); i++ {
			seg := segs.At(i)
			for _, sp := range rawHTMLValues(src, seg.Start, seg.Stop) {
				if to, ok := m[sp.val]; ok && !seen[sp.start] {
					seen[sp.start] = true
					spans = append(spans, span{sp.start, sp.end, to})
				}
			}
		}
	}
	err = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		g.step()
		switch n := n.(type) {
		case *ast.Link:
			addDest(n.Destination)
		case *ast.Image:
			addDest(n.Destination)
		case *ast.RawHTML:
			addRaw(n.Segments)
		case *ast.HTMLBlock:
			addRaw(n.Lines())
		case *ast.CodeSpan, *ast.CodeBlock, *ast.FencedCodeBlock:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return "", 0, err
	}
	if len(spans) == 0 {
		return source, 0, nil
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var out strings.Builder
	out.Grow(len(source))
	at := 0
	for _, sp := range spans {
		if sp.start < at {
			continue // overlapping spans cannot come from one AST; keep the first
		}
		out.WriteString(source[at:sp.start])
		out.WriteString(sp.to)
		at = sp.end
		replaced++
	}
	out.WriteString(source[at:])
	return out.String(), replaced, nil
}

// rawValue is one attribute value inside raw HTML, with its byte span in
// the source.
type rawValue struct {
	start, end int
	val        string
}

// rawHTMLValues finds, in src[start:stop] (raw HTML the author typed), the
// quoted or bare values of the media attributes of media tags whose text
// appears literally (no entities), with their byte spans.
func rawHTMLValues(src []byte, start, stop int) []rawValue {
	var vals []rawValue
	chunk := src[start:stop]
	z := html.NewTokenizer(bytes.NewReader(chunk))
	pos := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return vals
		}
		raw := z.Raw()
		tagStart := pos
		pos += len(raw)
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		names := mediaAttrs[tok.Data]
		for _, a := range tok.Attr {
			if !contains(names, a.Key) || a.Val == "" {
				continue
			}
			// Locate key=value in the raw tag; a value written with
			// entities is not found literally and is left alone.
			lower := bytes.ToLower(raw)
			i := bytes.Index(lower, []byte(" "+a.Key+"="))
			if i < 0 {
				continue
			}
			after := raw[i+len(a.Key)+2:]
			for _, q := range []string{`"`, `'`, ``} {
				if bytes.HasPrefix(after, []byte(q+a.Val+q)) {
					vs := start + tagStart + i + len(a.Key) + 2 + len(q)
					vals = append(vals, rawValue{vs, vs + len(a.Val), a.Val})
					break
				}
			}
		}
	}
}
