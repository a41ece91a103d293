// Package corpus builds markdown that is hard to render: the shapes that
// made goldmark spend seconds to minutes on one post (issue 14: 200 KB of
// nested '>' took 45.7 s), the shapes that blow the HTML up (tables padded
// with empty cells, characters that escape to entities), and an ordinary
// post as a yardstick. The renderer's tests, its fuzz seeds and
// bench/markdown all use it.
package corpus

import (
	"fmt"
	"strings"
)

// Case is one input of the corpus.
type Case struct {
	Name     string
	Markdown string
}

// Pathological returns the corpus with every input about size bytes long
// (API.md allows 200,000 characters).
func Pathological(size int) []Case {
	rep := func(unit string) string { return strings.Repeat(unit, max(1, size/len(unit))) }
	lines := func(f func(i int) string) string {
		var b strings.Builder
		for i := 0; b.Len() < size; i++ {
			b.WriteString(f(i))
			b.WriteByte('\n')
		}
		return b.String()
	}
	return []Case{
		{"nested blockquotes on one line", rep(">")},
		{"nested blockquotes with spaces", rep("> ")},
		{"nested bullet lists on one line", rep("- ")},
		{"nested ordered lists on one line", rep("1. ")},
		{"blockquotes and lists alternating", rep("> - ")},
		{"lists nested by indentation", lines(func(i int) string { return strings.Repeat("  ", i%400) + "- a" })},
		{"blockquote depth growing per line", lines(func(i int) string { return strings.Repeat(">", i%300) + " a" })},
		{"unclosed link destinations", rep("[x](")},
		{"unclosed image destinations", rep("![x](")},
		{"link labels never closed", rep("[")},
		{"link closers without openers", rep("]")},
		{"brackets with parentheses", rep("[a](b")},
		{"nested link labels", strings.Repeat("[", size/4) + strings.Repeat("a]", size/4)},
		{"star emphasis runs", rep("*a")},
		{"underscore emphasis runs", rep("_a")},
		{"strikethrough runs", rep("~~a")},
		{"mixed emphasis runs", rep("*a_b**c__d")},
		{"emphasis openers never closed", rep("**a ")},
		{"emphasis nested deeply", strings.Repeat("*a ", size/6) + strings.Repeat(" b*", size/6)},
		{"backtick runs of growing length", lines(func(i int) string { return strings.Repeat("`", 1+i%50) + "a" })},
		{"backticks on one line", rep("`a``")},
		{"raw html tags nested", rep("<div>")},
		{"raw html tags unclosed", rep("<a ")},
		{"html comments unclosed", rep("<!--")},
		{"autolinks", rep("<http://a.b/")},
		{"bare urls", rep("www.a.b ")},
		{"entities", rep("&amp;")},
		{"characters that escape", rep("<&\"")},
		{"link reference definitions and uses", lines(func(i int) string {
			if i%2 == 0 {
				return fmt.Sprintf("[r%d]: https://example.com/%d", i, i)
			}
			return fmt.Sprintf("[r%d] [r%d][] [x][r%d]", i-1, i-1, i-1)
		})},
		{"footnotes", lines(func(i int) string { return fmt.Sprintf("a[^%d]\n\n[^%d]: b", i, i) })},
		{"table with empty rows", wideTable(100, size)},
		{"table with many columns", rep("|a")},
		{"ordinary post", ordinary(size)},
	}
}

// wideTable is a header of cols columns followed by one-character rows,
// each of which GFM pads to cols empty cells.
func wideTable(cols, size int) string {
	var b strings.Builder
	b.WriteString(strings.Repeat("|a", cols) + "|\n" + strings.Repeat("|-", cols) + "|\n")
	for b.Len() < size {
		b.WriteString("a\n")
	}
	return b.String()
}

// ordinary is a plausible long post: headings, paragraphs with emphasis and
// links, lists, code, a table, a quote.
func ordinary(size int) string {
	const section = `## Section

Some *emphasis*, **strong**, ~~gone~~, ` + "`code`" + ` and [a link](https://example.com/page?q=1).
A second line with an autolink https://example.com and more words to make it a paragraph.

- one
- two
  - nested
1. first
2. second

> a quote
> over two lines

` + "```go\nfmt.Println(\"hi\")\n```" + `

| name | value |
|------|-------|
| a    | 1     |
| b    | 2     |

`
	return strings.Repeat(section, max(1, size/len(section)))
}
