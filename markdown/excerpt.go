package markdown

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

const (
	// ExcerptChars bounds an excerpt, the ellipsis included.
	ExcerptChars = 300
	// ExcerptSourceChars is how much of the markdown an excerpt is made
	// from: enough for 300 characters of text after headings, links and a
	// short code block, small enough that a page of 100 costs little.
	ExcerptSourceChars = 3_000
)

// Excerpt is the plain text a list shows for a post: the words of its
// first ExcerptSourceChars characters of markdown as a reader sees them,
// without markdown syntax, HTML, code blocks, tables, task boxes, images
// or footnotes, in at most ExcerptChars characters. It is text, never HTML.
func Excerpt(source string) string {
	source = truncateChars(source, ExcerptSourceChars)
	src := []byte(source)
	g := &guard{ctx: context.Background(), shapes: true}
	pc := parser.NewContext()
	pc.Set(guardKey, g)
	doc, ok := parseQuietly(src, pc)
	if !ok {
		// Refused shapes can only be stored by posts written before the
		// limits; their excerpt is the raw text without markdown punctuation.
		return shorten(strings.Map(func(r rune) rune {
			if strings.ContainsRune("#>*_~`[]()|<>!\\", r) {
				return ' '
			}
			return r
		}, source))
	}
	var b strings.Builder
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if b.Len() > 4*ExcerptChars {
			return ast.WalkStop, nil
		}
		if n.Type() == ast.TypeBlock {
			b.WriteByte(' ')
		}
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindFencedCodeBlock, ast.KindCodeBlock, ast.KindHTMLBlock, ast.KindRawHTML, ast.KindImage,
			ast.KindThematicBreak, extast.KindTable, extast.KindTaskCheckBox, extast.KindFootnoteList,
			extast.KindFootnoteLink, extast.KindFootnoteBacklink:
			return ast.WalkSkipChildren, nil
		case ast.KindText:
			t := n.(*ast.Text)
			b.Write(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(t.Value(src)))))
			if t.SoftLineBreak() || t.HardLineBreak() {
				b.WriteByte(' ')
			}
		case ast.KindString:
			b.Write(n.(*ast.String).Value)
		case ast.KindAutoLink:
			b.Write(n.(*ast.AutoLink).Label(src))
		}
		return ast.WalkContinue, nil
	})
	return shorten(b.String())
}

// parseQuietly parses src under the shape limits; ok is false when they
// refuse it.
func parseQuietly(src []byte, pc parser.Context) (doc ast.Node, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			if _, isAbort := p.(abort); !isAbort {
				panic(p)
			}
			doc, ok = nil, false
		}
	}()
	return renderer.Parser().Parse(text.NewReader(src), parser.WithContext(pc)), true
}

// shorten collapses whitespace, drops invisible control characters and
// cuts s to ExcerptChars characters, at a word boundary when one is near,
// with an ellipsis.
func shorten(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
	}), " ")
	if utf8.RuneCountInString(s) <= ExcerptChars {
		return s
	}
	cut := truncateChars(s, ExcerptChars-1)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*3/4 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " .,;:") + "…"
}

// truncateChars returns the first n characters of s.
func truncateChars(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
