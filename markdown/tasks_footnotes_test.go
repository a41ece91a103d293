package markdown

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Task lists and footnotes render (the PWA's preview renders them the same
// way, e2e/tests/gaps.test.js), and what they need from the sanitizer opens
// nothing else.
func TestRender_TaskListsAndFootnotes(t *testing.T) {
	out, err := Render("- [ ] open\n- [x] done\n\nText[^1] and again[^1], not a note[^2].\n\n[^1]: The **note**.\n")
	require.NoError(t, err)
	assert.Contains(t, out, `<li><input disabled="" type="checkbox" aria-label="not done"> open</li>`)
	assert.Contains(t, out, `<li><input checked="" disabled="" type="checkbox" aria-label="done"> done</li>`)
	assert.Contains(t, out, `<sup id="user-content-fnref:1"><a href="#user-content-fn:1" class="footnote-ref" role="doc-noteref" rel="nofollow">1</a></sup>`)
	assert.Contains(t, out, `<sup id="user-content-fnref1:1">`)
	assert.Contains(t, out, `not a note[^2]`)
	assert.Contains(t, out, `<div class="footnotes" role="doc-endnotes">`)
	assert.Contains(t, out, `<li id="user-content-fn:1">`)
	assert.Contains(t, out, `The <strong>note</strong>.`)
	assert.Contains(t, out, `<a href="#user-content-fnref:1" class="footnote-backref" role="doc-backlink" rel="nofollow">`)
}

func TestRender_OnlyCheckboxesAndFootnoteAttributesGetThrough(t *testing.T) {
	for _, attack := range []string{
		`<input type="text" name="q" value="x">`,
		`<input type="submit" formaction="https://evil.example">`,
		`<input type="checkbox" onclick="alert(1)" autofocus onfocus="alert(2)">`,
		`<a href="#x" class="footnote-ref evil" role="button">x</a>`,
		`<div class="footnotes hidden" role="dialog">x</div>`,
		`<span class="footnote-ref">x</span>`,
		`<input type="checkbox" aria-label="click here to win">`,
	} {
		out, err := Render(attack)
		require.NoError(t, err)
		for _, bad := range []string{`type="text"`, `type="submit"`, "formaction", "onclick", "onfocus", "autofocus", "evil", `role="button"`, `role="dialog"`, "hidden", `<span class`, "win"} {
			assert.False(t, strings.Contains(out, bad), "%q survived in %q", bad, out)
		}
	}
}
