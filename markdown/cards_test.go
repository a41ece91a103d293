package markdown

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixedCards answers cards from a map and records what it was asked.
type fixedCards struct {
	cards map[string]Card
	asked [][]string
}

func (f *fixedCards) Cards(_ context.Context, urls []string) map[string]Card {
	f.asked = append(f.asked, urls)
	out := map[string]Card{}
	for _, u := range urls {
		if c, ok := f.cards[u]; ok {
			out[u] = c
		}
	}
	return out
}

var exampleCard = Card{Title: "Example Domain", Description: "For use in illustrative examples.",
	SiteName: "example.com", Image: "https://media.inkwell.test/u/0/ab/abc_w640.jpg"}

func renderCards(t *testing.T, md string, cards map[string]Card) (string, *fixedCards) {
	t.Helper()
	src := &fixedCards{cards: cards}
	out, err := RenderWithCards(context.Background(), md, src)
	require.NoError(t, err)
	return out, src
}

func TestCards_ABareLinkOnItsOwnLineIsACard(t *testing.T) {
	cards := map[string]Card{"https://example.com/page": exampleCard, "http://www.example.com": exampleCard}
	for _, md := range []string{
		"https://example.com/page",
		"<https://example.com/page>",
		"Intro\n\nhttps://example.com/page\n\nOutro",
		"> https://example.com/page",
		"www.example.com",
	} {
		t.Run(md, func(t *testing.T) {
			out, _ := renderCards(t, md, cards)
			assert.Contains(t, out, `<p class="link-card"><a href="`, out)
			assert.Contains(t, out, `<img class="link-card-image" src="https://media.inkwell.test/u/0/ab/abc_w640.jpg" alt="" loading="lazy">`)
			assert.Contains(t, out, `<strong class="link-card-title">Example Domain</strong>`)
			assert.Contains(t, out, `<span class="link-card-description">For use in illustrative examples.</span>`)
			assert.Contains(t, out, `<small class="link-card-site">example.com</small>`)
			assert.Contains(t, out, `rel="nofollow noopener" target="_blank"`, "the sanitizer's link rules apply to cards too")
		})
	}
	out, _ := renderCards(t, "https://example.com/page", cards)
	assert.Equal(t, `<p class="link-card"><a href="https://example.com/page" rel="nofollow noopener" target="_blank">`+
		`<img class="link-card-image" src="https://media.inkwell.test/u/0/ab/abc_w640.jpg" alt="" loading="lazy"><br>`+
		`<strong class="link-card-title">Example Domain</strong><br>`+
		`<span class="link-card-description">For use in illustrative examples.</span><br>`+
		`<small class="link-card-site">example.com</small></a></p>`+"\n", out)
}

func TestCards_OnlyBareLinksAreCards(t *testing.T) {
	cards := map[string]Card{"https://example.com/page": exampleCard}
	for _, md := range []string{
		"See https://example.com/page for more",
		"https://example.com/page and more",
		"[https://example.com/page](https://example.com/page)",
		"[the page](https://example.com/page)",
		"`https://example.com/page`",
		"```\nhttps://example.com/page\n```",
		"    https://example.com/page",
		"**https://example.com/page**",
		"https://example.com/page\nhttps://example.com/page",
		"mailto:a@example.com",
		"a@example.com",
	} {
		t.Run(md, func(t *testing.T) {
			out, src := renderCards(t, md, cards)
			assert.NotContains(t, out, "link-card", out)
			want, err := Render(md)
			require.NoError(t, err)
			assert.Equal(t, want, out, "rendered as without cards")
			for _, asked := range src.asked {
				assert.Empty(t, asked, "only bare links are looked up")
			}
		})
	}
}

func TestCards_WithoutACardTheLinkStaysALink(t *testing.T) {
	md := "https://unknown.example/x\n\nhttps://example.com/untitled"
	out, src := renderCards(t, md, map[string]Card{"https://example.com/untitled": {SiteName: "example.com"}})
	want, err := Render(md)
	require.NoError(t, err)
	assert.Equal(t, want, out, "unknown and untitled pages stay links")
	assert.Equal(t, [][]string{{"https://unknown.example/x", "https://example.com/untitled"}}, src.asked)

	none, err := RenderWithCards(context.Background(), md, nil)
	require.NoError(t, err)
	assert.Equal(t, want, none)
}

func TestCards_AtMostMaxCardsAreLookedUp(t *testing.T) {
	var md []string
	cards := map[string]Card{}
	for i := range MaxCards + 2 {
		u := "https://example.com/" + string(rune('a'+i))
		md = append(md, u)
		cards[u] = Card{Title: "page " + string(rune('a'+i))}
	}
	// The first link again: the same URL is one lookup and two cards.
	md = append(md[:1], md...)
	out, src := renderCards(t, strings.Join(md, "\n\n"), cards)
	require.Len(t, src.asked, 1)
	assert.Len(t, src.asked[0], MaxCards)
	assert.Equal(t, MaxCards+1, strings.Count(out, `class="link-card"`))
	assert.Contains(t, out, `<a href="https://example.com/g" rel="nofollow noopener" target="_blank">https://example.com/g</a>`)
}

func TestCards_HostileCardTextIsEscapedAndBadImagesDropped(t *testing.T) {
	hostile := Card{
		Title:       `"><script>alert(1)</script><img src=x onerror=alert(2)>`,
		Description: `</span><a href="javascript:alert(3)">x</a>&amp;`,
		SiteName:    `<iframe src="https://evil.test">`,
		Image:       `javascript:alert(4)`,
	}
	out, _ := renderCards(t, "https://example.com/page", map[string]Card{"https://example.com/page": hostile})
	for _, bad := range []string{"<script", "<img src=x", `onerror="`, "<iframe", `href="javascript`} {
		assert.NotContains(t, out, bad)
	}
	assert.Contains(t, out, `<strong class="link-card-title">&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</strong>`)
	assert.Contains(t, out, `&amp;amp;`, "entities in the text are shown, not decoded")
	assert.NotContains(t, out, "<img", "a non-http(s) image is not shown")

	dataImage := Card{Title: "t", Image: "data:image/svg+xml;base64,PHN2Zz4="}
	out, _ = renderCards(t, "https://example.com/page", map[string]Card{"https://example.com/page": dataImage})
	assert.NotContains(t, out, "data:")
	assert.Contains(t, out, `<strong class="link-card-title">t</strong>`)
}

func TestCards_AuthorsCannotForgeOtherMarkupThroughCardClasses(t *testing.T) {
	// The card's classes are allowed on the card's elements only; anything
	// else an author writes around them is sanitized as usual.
	out, err := Render(`<p class="link-card" onclick="x()"><span class="link-card-description" style="x">d</span><div class="link-card">z</div></p>`)
	require.NoError(t, err)
	assert.NotContains(t, out, "onclick")
	assert.NotContains(t, out, "style=")
	assert.NotContains(t, out, `<div class="link-card">`)
}
