package public

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"inkwell/markdown"
)

func TestExcerpt_IsPlainProseWithoutCodeTablesOrTaskBoxes(t *testing.T) {
	md := "# Title\n\nFirst *paragraph* with a [link](https://x.example).\n\n" +
		"| a | b |\n|---|---|\n| cell1 | cell2 |\n\n- [ ] open task\n- [x] done task\n\n" +
		"```go\nfunc secret() {}\n```\n\nLast words.[^1]\n\n[^1]: the note"
	html, err := markdown.Render(md)
	if err != nil {
		t.Fatal(err)
	}
	got := Excerpt(html, ExcerptChars)
	assert.True(t, strings.HasPrefix(got, "Title First paragraph with a link."), got)
	for _, noise := range []string{"cell1", "func secret", "[ ]", "[x]", "<", "*"} {
		assert.NotContains(t, got, noise)
	}
	assert.Contains(t, got, "open task")
	assert.Contains(t, got, "Last words.")
}

func TestExcerpt_CutsAtAWordWithinTheLimit(t *testing.T) {
	long := "<p>" + strings.Repeat("inkwell ", 100) + "</p>"
	got := Excerpt(long, 50)
	assert.LessOrEqual(t, len([]rune(got)), 50)
	assert.True(t, strings.HasSuffix(got, "inkwell…"), got)
	assert.Equal(t, "short & sweet", Excerpt("<p>short &amp; sweet</p>", 50))
	assert.Equal(t, "", Excerpt("", 50))
}

func TestFirstImage_IsTheFirstHTTPImageMadeAbsolute(t *testing.T) {
	base := "https://ink.example.org"
	assert.Equal(t, "https://cdn.example/a.png", FirstImage(`<p><img src="https://cdn.example/a.png"><img src="https://cdn.example/b.png"></p>`, base))
	assert.Equal(t, "https://ink.example.org/media/ab.jpg", FirstImage(`<img src="/media/ab.jpg">`, base))
	assert.Equal(t, "https://cdn.example/c.png", FirstImage(`<img src="data:image/png;base64,AAAA"><img src="https://cdn.example/c.png">`, base))
	assert.Equal(t, "", FirstImage(`<p>no image</p>`, base))
	assert.Equal(t, "", FirstImage(`<img src="javascript:alert(1)">`, base))
}

// A link preview card shows another page: its text is not the post's
// excerpt and its image is not the post's picture.
func TestExcerptAndFirstImage_LeaveLinkCardsOut(t *testing.T) {
	card := `<p class="link-card"><a href="https://x.example/p" rel="nofollow noopener" target="_blank">` +
		`<img class="link-card-image" src="https://ink.example.org/media/u/0/ab/c.jpg" alt="" loading="lazy"><br>` +
		`<strong class="link-card-title">Their title</strong><br><span class="link-card-description">Their words</span></a></p>`
	body := "<p>Before.</p>\n" + card + "\n<p>After.</p>\n"
	assert.Equal(t, "Before. After.", Excerpt(body, ExcerptChars))
	assert.Equal(t, "", FirstImage(body, "https://ink.example.org"))
	own := body + `<p><img src="/media/u/1/ab/own.jpg" alt="mine"></p>`
	assert.Equal(t, "https://ink.example.org/media/u/1/ab/own.jpg", FirstImage(own, "https://ink.example.org"))
	// An ordinary paragraph after a card is read again.
	assert.Equal(t, "x y", Excerpt(`<p class="link-card"><a href="https://x.example">t</a></p><p>x</p><p>y</p>`, ExcerptChars))
}
