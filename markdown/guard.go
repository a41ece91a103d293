package markdown

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Shape limits. goldmark opens every nested block by walking the blocks
// already open on the line, matches emphasis by walking back through the
// paragraph's earlier delimiters, and looks for the end of a link, code
// span or HTML tag by scanning the rest of the paragraph: cheap for prose,
// quadratic in these counts. The limits sit far above what a person writes
// and keep the worst case of a 200,000-character post well under a second
// (docs/posts.md has the figures).
const (
	// MaxNesting bounds blocks inside blocks on one line: each quote level
	// counts one, each list level two (the list and its item).
	MaxNesting = 32
	// MaxScanWork bounds, per paragraph (or heading, or table cell), its
	// markers times its length in bytes. Markers are what starts a link,
	// image, code span or HTML tag ([, ![, `, <) and runs of *, _ and ~.
	// An unclosed link, code span or tag, and a run of *, _ or ~ inside a
	// word (which the autolinker reads as part of an e-mail address), each
	// make goldmark read to the paragraph's end, and emphasis is matched by
	// walking back through the paragraph's runs. 8 million lets a 1 KB
	// paragraph hold any number of markers, a 10 KB one 800 and a 100 KB
	// one 80; a paragraph is what sits between blank lines.
	MaxScanWork = 8_000_000
	// MaxFootnotes bounds footnote references and definitions each: every
	// reference looks its definition up in a list.
	MaxFootnotes = 1_000
	// MaxTableCells bounds the cells of all tables of a post together; GFM
	// pads every row to the header's width, so a few bytes per row can
	// otherwise become thousands of cells.
	MaxTableCells = 50_000
)

// guard is the state of one render: its context (budget and caller), which
// shape limits apply, and the counters they need. The parser hooks below
// find it in goldmark's parser context.
type guard struct {
	ctx    context.Context
	budget time.Duration
	shapes bool
	steps  int
	// block is the paragraph whose inline counters are running.
	block        ast.Node
	blockBytes   int
	markers      int
	footnoteRefs int
	footnoteDefs int
	tableCells   int
}

var guardKey = parser.NewContextKey()

// errBudget is the cause of a render's context when its budget ran out.
var errBudget = errors.New("markdown: render budget exhausted")

// abort carries an error out of goldmark's parser or renderer, which have
// no way to stop early; render recovers it.
type abort struct{ err error }

func guardOf(pc parser.Context) *guard {
	return pc.Get(guardKey).(*guard)
}

// check stops the render when its context has ended.
func (g *guard) check() {
	if g.ctx.Err() == nil {
		return
	}
	if errors.Is(context.Cause(g.ctx), errBudget) {
		g.refuse(fmt.Sprintf("takes longer than %s to render; simplify it or split it into several posts", g.budget))
	}
	panic(abort{err: g.ctx.Err()})
}

// step counts one unit of parser work and checks the context every few.
func (g *guard) step() {
	g.steps++
	if g.steps%64 == 0 {
		g.check()
	}
}

func (g *guard) refuse(reason string) {
	panic(abort{err: &RefusedError{Reason: reason}})
}

// blockGuard runs before every other block parser on every line that may
// open a block: it counts the work, checks the context, and refuses
// nesting deeper than MaxNesting. It never opens a block itself.
type blockGuard struct{}

var everyByte = func() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

func (blockGuard) Trigger() []byte { return everyByte }

func (blockGuard) Open(_ ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	g := guardOf(pc)
	g.step()
	if !g.shapes {
		return nil, parser.NoChildren
	}
	if len(pc.OpenedBlocks()) >= MaxNesting {
		g.refuse(fmt.Sprintf("nests quotes and lists more than %d levels deep (a list level counts two)", MaxNesting))
	}
	if line, _ := reader.PeekLine(); pc.BlockOffset() >= 0 && bytes.HasPrefix(line[pc.BlockOffset():], []byte("[^")) {
		g.footnoteDefs++
		if g.footnoteDefs > MaxFootnotes {
			g.refuse(fmt.Sprintf("has more than %d footnote definitions", MaxFootnotes))
		}
	}
	return nil, parser.NoChildren
}

func (blockGuard) Continue(ast.Node, text.Reader, parser.Context) parser.State { return parser.Close }
func (blockGuard) Close(ast.Node, text.Reader, parser.Context)                 {}
func (blockGuard) CanInterruptParagraph() bool                                 { return true }
func (blockGuard) CanAcceptIndentedLine() bool                                 { return true }

// inlineGuard runs before the inline parsers whose cost grows with the
// paragraph: emphasis and strikethrough delimiters, links and images, code
// spans, raw HTML and autolinks. It counts them per paragraph and refuses a
// paragraph over the limits; it never parses anything itself.
type inlineGuard struct{}

func (inlineGuard) Trigger() []byte { return []byte{'*', '_', '~', '[', '!', '`', '<'} }

func (inlineGuard) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	g := guardOf(pc)
	g.step()
	if !g.shapes {
		return nil
	}
	if parent != g.block {
		g.block, g.blockBytes, g.markers = parent, 0, 0
		lines := parent.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			g.blockBytes += seg.Len()
		}
	}
	line, _ := block.PeekLine()
	switch {
	case line[0] == '!' && (len(line) < 2 || line[1] != '['):
		return nil
	case line[0] == '[' && len(line) > 1 && line[1] == '^':
		g.footnoteRefs++
		if g.footnoteRefs > MaxFootnotes {
			g.refuse(fmt.Sprintf("has more than %d footnote references", MaxFootnotes))
		}
	}
	g.markers++
	if g.markers*g.blockBytes > MaxScanWork {
		g.refuse(fmt.Sprintf("has a paragraph of %d bytes with more than %d of *, _, ~, [, ` and <; split it into shorter paragraphs",
			g.blockBytes, MaxScanWork/g.blockBytes))
	}
	return nil
}

// tableGuard sees each paragraph before GFM's table transformer turns it
// into a table, and refuses tables whose cells, counted over the whole
// post, pass MaxTableCells before those cells are built.
type tableGuard struct{}

func (tableGuard) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	g := guardOf(pc)
	g.step()
	lines := node.Lines()
	if !g.shapes || lines.Len() < 2 {
		return
	}
	src := reader.Source()
	for i := 1; i < lines.Len(); i++ {
		seg := lines.At(i)
		row := seg.Value(src)
		if !isDelimiterRow(row) {
			continue
		}
		columns := bytes.Count(row, []byte{'|'}) + 1
		g.tableCells += columns * (lines.Len() - i + 1)
		if g.tableCells > MaxTableCells {
			g.refuse(fmt.Sprintf("has tables with more than %d cells together (every row counts as wide as its header)", MaxTableCells))
		}
		return
	}
}

// isDelimiterRow reports whether line looks like a table's delimiter row
// (|---|:--:|): only pipes, dashes, colons and blanks, with a pipe and a dash.
func isDelimiterRow(line []byte) bool {
	pipe, dash := false, false
	for _, c := range line {
		switch c {
		case '|':
			pipe = true
		case '-':
			dash = true
		case ':', ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return pipe && dash
}
