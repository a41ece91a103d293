package markdown

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/markdown/corpus"
)

// refusal returns the reason Render gave for refusing source, or fails.
func refusal(t *testing.T, source string) string {
	t.Helper()
	out, err := Render(source)
	var refused *RefusedError
	require.ErrorAs(t, err, &refused, "rendered %d bytes instead of refusing", len(out))
	assert.Empty(t, out)
	return refused.Reason
}

func TestRender_RefusesShapesOverTheLimits(t *testing.T) {
	paragraphOf := strings.Repeat
	tests := []struct {
		name, markdown, reason string
	}{
		{"quotes nested on one line", strings.Repeat(">", MaxNesting+1) + " a", "nests quotes and lists more than 32 levels"},
		{"lists nested on one line", strings.Repeat("1. ", MaxNesting/2+1) + "a", "nests quotes and lists"},
		{"lists nested by indentation", func() string {
			var b strings.Builder
			for i := 0; i <= MaxNesting/2; i++ {
				b.WriteString(strings.Repeat("  ", i) + "- a\n")
			}
			return b.String()
		}(), "nests quotes and lists"},
		{"emphasis runs in one paragraph", paragraphOf("*a ", 2_000), "paragraph of 5999 bytes with more than 1333 of *, _, ~, [, ` and <"},
		{"link openers in one paragraph", paragraphOf("[a ", 2_000), "split it into shorter paragraphs"},
		{"unclosed links in a long paragraph", paragraphOf("[x](", 100_000/4), "split it into shorter paragraphs"},
		{"underscores inside a long word", paragraphOf("a_", 100_000/2), "split it into shorter paragraphs"},
		{"footnote references", paragraphOf("a[^1]\n\n", MaxFootnotes+1), "more than 1000 footnote references"},
		{"footnote definitions", paragraphOf("[^a]: b\n\n", MaxFootnotes+1), "more than 1000 footnote definitions"},
		{"table cells", "|" + strings.Repeat("a|", 100) + "\n|" + strings.Repeat("-|", 100) + "\n" + strings.Repeat("a\n", MaxTableCells/100), "more than 50000 cells"},
		{"html over the output limit", strings.Repeat("www.example.com ", 100_000/16*2), "more than 1048576 bytes of HTML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Contains(t, refusal(t, tt.markdown), tt.reason)
		})
	}
}

func TestRender_AcceptsShapesUnderTheLimits(t *testing.T) {
	tests := []struct{ name, markdown string }{
		{"quotes nested 30 deep", strings.Repeat(">", MaxNesting-2) + " a"},
		{"lists nested 15 deep", strings.Repeat("- ", 15) + "a"},
		{"emphasis in many paragraphs", strings.Repeat("Some *emphasis* and _more_ and ~~less~~.\n\n", 5_000)},
		{"links in many paragraphs", strings.Repeat("[a](https://example.com) `code` <b>b</b>\n\n", 3_000)},
		{"a 10 KB paragraph with 300 markers", strings.Repeat("word *em* and ", 150) + strings.Repeat("x", 10_000-150*14)},
		{"footnotes", strings.Repeat("a[^1]\n\n", 500) + "[^1]: note"},
		{"a table of 1,000 rows", "| a | b | c |\n|---|---|---|\n" + strings.Repeat("| 1 | 2 | 3 |\n", 1_000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Render(tt.markdown)
			require.NoError(t, err)
			assert.NotEmpty(t, out)
		})
	}
}

// Every input of the pathological corpus ends one of two ways: rendered
// within the output limit, or refused with a reason.
func TestRender_PathologicalCorpusIsRenderedWithinBoundsOrRefused(t *testing.T) {
	for _, c := range corpus.Pathological(200_000) {
		t.Run(c.Name, func(t *testing.T) {
			out, err := Render(c.Markdown)
			if err != nil {
				var refused *RefusedError
				require.ErrorAs(t, err, &refused)
				assert.NotContains(t, refused.Reason, "longer than", "refused by the time budget, not by a shape limit")
				return
			}
			assert.LessOrEqual(t, len(out), MaxOutputBytes)
		})
	}
}

// slowInput takes goldmark a minute or more without the shape limits.
var slowInput = strings.Repeat(">", 200_000)

func TestRender_StopsWhenItsContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	_, err := render(ctx, slowInput, limits{budget: time.Hour, shapes: false})
	require.ErrorIs(t, err, context.Canceled)
}

func TestRender_RefusesWhatOutrunsTheBudget(t *testing.T) {
	_, err := render(context.Background(), slowInput, limits{budget: 20 * time.Millisecond, shapes: false})
	var refused *RefusedError
	require.ErrorAs(t, err, &refused)
	assert.Contains(t, refused.Reason, "takes longer than 20ms to render")
}

func TestRender_RunsAtMostOneRenderPerCPU(t *testing.T) {
	for range cap(slots) {
		slots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := RenderContext(ctx, "waits for a slot")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	for range cap(slots) {
		<-slots
	}
	out, err := RenderContext(context.Background(), "a free slot")
	require.NoError(t, err)
	assert.Contains(t, out, "a free slot")
}

func TestRender_IsBusyWhenNoSlotFreesInTime(t *testing.T) {
	defer func(d time.Duration) { queueWait = d }(queueWait)
	queueWait = 20 * time.Millisecond
	for range cap(slots) {
		slots <- struct{}{}
	}
	defer func() {
		for range cap(slots) {
			<-slots
		}
	}()
	_, err := Render("no slot")
	assert.ErrorIs(t, err, ErrBusy)
}

func TestRender_PrefixesUserIDsAndTheLinksToThem(t *testing.T) {
	out, err := Render(`<div id="toast">hijack</div> <a href="#toast">to it</a> <a name="top">top</a>`)
	require.NoError(t, err)
	assert.Contains(t, out, `id="user-content-toast"`)
	assert.Contains(t, out, `href="#user-content-toast"`)
	assert.NotContains(t, out, `id="toast"`)
	assert.NotContains(t, out, `"#toast"`)
	assert.NotContains(t, out, `name="top"`)
}

func TestRender_FootnoteLinksPointAtTheirPrefixedIDs(t *testing.T) {
	out, err := Render("A claim.[^src]\n\n[^src]: The source.")
	require.NoError(t, err)
	ids := attrValues(t, out, "id")
	hrefs := attrValues(t, out, "href")
	require.Len(t, ids, 2, out)
	require.Len(t, hrefs, 2, out)
	for _, id := range ids {
		assert.True(t, strings.HasPrefix(id, IDPrefix), "id %q", id)
		assert.Contains(t, hrefs, "#"+id, "nothing links to %q in %s", id, out)
	}
	for _, href := range hrefs {
		assert.Contains(t, ids, strings.TrimPrefix(href, "#"), "%q points nowhere in %s", href, out)
	}
}

func TestRender_OrdinaryLongPostIsUnchangedByTheLimits(t *testing.T) {
	source := corpus.Pathological(200_000)[len(corpus.Pathological(1))-1]
	require.Equal(t, "ordinary post", source.Name)
	out, err := Render(source.Markdown)
	require.NoError(t, err)
	assert.Equal(t, strings.Count(source.Markdown, "## Section"), strings.Count(out, "<h2>Section</h2>"), fmt.Sprint(len(out)))
}
