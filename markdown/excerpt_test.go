package markdown

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestExcerpt_IsTheTextWithoutMarkdown(t *testing.T) {
	source := strings.Join([]string{
		"# Title",
		"",
		"Some *emphasis*, __strong__, ~~gone~~, `code`, [a link](https://example.com) and <https://auto.test>.",
		"A second line with \\*escaped\\* stars &amp; an entity.[^1]",
		"",
		"| head | more |",
		"|------|------|",
		"| cell | cell2 |",
		"",
		"- [ ] task one",
		"- [x] task two",
		"",
		"> quoted",
		"",
		"```go",
		"fmt.Println(\"code block\")",
		"```",
		"",
		"<div>raw html</div>",
		"",
		"![an image](https://example.com/i.png)",
		"",
		"[^1]: the footnote",
	}, "\n")
	got := Excerpt(source)
	assert.Equal(t, "Title Some emphasis, strong, gone, code, a link and https://auto.test. "+
		"A second line with *escaped* stars & an entity. task one task two quoted", got)
	for _, syntax := range []string{"#", "|", "cell", "[ ]", "[x]", "](", "`", "<", "code block", "raw html", "footnote", "an image"} {
		assert.NotContains(t, got, syntax)
	}
}

func TestExcerpt_IsAtMost300Characters(t *testing.T) {
	long := strings.Repeat("Ünïcödé words go on and on. ", 500)
	got := Excerpt(long)
	assert.LessOrEqual(t, utf8.RuneCountInString(got), ExcerptChars)
	assert.True(t, strings.HasSuffix(got, "…"), got)
	assert.True(t, strings.HasPrefix(got, "Ünïcödé words go on"), got)
	assert.Equal(t, "short", Excerpt("short"))
}

func TestExcerpt_OfRefusedShapesIsPlainText(t *testing.T) {
	got := Excerpt(strings.Repeat(">", 100) + " deep")
	assert.Equal(t, "deep", got)
}
