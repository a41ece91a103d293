package markdown

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRender_RemovesEverythingThatCouldRun(t *testing.T) {
	tests := []struct {
		name      string
		markdown  string
		forbidden []string
	}{
		{"script tag", "hello <script>alert(1)</script>", []string{"<script", "alert(1)"}},
		{"script block", "<script>\nalert(1)\n</script>\n", []string{"<script", "alert"}},
		{"event handler on raw img", `<img src="https://x.test/a.png" onerror="alert(1)">`, []string{"onerror", "alert"}},
		{"event handler on raw div", `<div onmouseover="alert(1)">hi</div>`, []string{"onmouseover", "alert"}},
		{"svg onload", `<svg onload="alert(1)"><circle r="1"/></svg>`, []string{"<svg", "onload"}},
		{"javascript link", "[click](javascript:alert(1))", []string{"javascript:", "alert"}},
		{"javascript link, mixed case and entities", `<a href="JaVaScRiPt&#58;alert(1)">x</a>`, []string{"javascript", "alert"}},
		{"javascript link with whitespace", "[x](java\tscript:alert(1))", []string{"href="}},
		{"javascript autolink", "<javascript:alert(1)>", []string{`href="javascript`}},
		{"data url link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", []string{"data:"}},
		{"data url image", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)", []string{"data:"}},
		{"vbscript link", "[x](vbscript:msgbox(1))", []string{"vbscript"}},
		{"iframe", `<iframe src="https://evil.test"></iframe>`, []string{"<iframe"}},
		{"object and embed", `<object data="x.swf"></object><embed src="x.swf">`, []string{"<object", "<embed"}},
		{"style tag", `<style>body{display:none}</style>`, []string{"<style", "display:none"}},
		{"style attribute", `<p style="background:url(javascript:alert(1))">x</p>`, []string{"style=", "javascript"}},
		{"form", `<form action="https://evil.test"><input name="p"></form>`, []string{"<form", "<input"}},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://evil.test">`, []string{"<meta", "refresh"}},
		{"base tag", `<base href="https://evil.test/">`, []string{"<base"}},
		{"broken tag trick", `<scr<script>ipt>alert(1)</script>`, []string{"<script", "<scr"}},
		{"comment trick", `<!--><script>alert(1)</script>-->`, []string{"<script"}},
		{"srcdoc", `<iframe srcdoc="<script>alert(1)</script>"></iframe>`, []string{"<iframe", "srcdoc"}},
		{"formaction", `<button formaction="javascript:alert(1)">x</button>`, []string{"formaction", "javascript"}},
		{"link in reference definition", "[x][1]\n\n[1]: javascript:alert(1)", []string{"javascript"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Render(tt.markdown)
			require.NoError(t, err)
			lower := strings.ToLower(out)
			for _, f := range tt.forbidden {
				assert.NotContains(t, lower, strings.ToLower(f), "rendered: %s", out)
			}
		})
	}
}

func TestRender_KeepsOrdinaryMarkdown(t *testing.T) {
	source := strings.Join([]string{
		"# Title",
		"## Section",
		"Some *emphasis*, **strong**, ~~gone~~ and `code`.",
		"",
		"- one",
		"- two",
		"",
		"1. first",
		"2. second",
		"",
		"```go",
		"fmt.Println(\"<b>hi</b>\")",
		"```",
		"",
		"[a link](https://example.com/page?q=1) and [mail](mailto:me@example.com) and [relative](/posts/2)",
		"",
		"![a cat](https://example.com/cat.png \"Cat\")",
		"",
		"| name | value |",
		"|------|-------|",
		"| a    | 1     |",
		"",
		"> quoted",
		"",
		"H<sub>2</sub>O stays.",
	}, "\n")
	out, err := Render(source)
	require.NoError(t, err)
	for _, want := range []string{
		"<h1", ">Title</h1>", "<h2", "<em>emphasis</em>", "<strong>strong</strong>", "<del>gone</del>", "<code>code</code>",
		"<ul>", "<li>one</li>", "<ol>", "<li>first</li>",
		`<pre><code class="language-go">`, "&lt;b&gt;hi&lt;/b&gt;",
		`href="https://example.com/page?q=1"`, `href="mailto:me@example.com"`, `href="/posts/2"`, `rel="nofollow`,
		`<img src="https://example.com/cat.png" alt="a cat" title="Cat"`,
		"<table>", "<th>name</th>", "<td>a</td>",
		"<blockquote>", "H<sub>2</sub>O",
	} {
		assert.Contains(t, out, want)
	}
}

func TestRender_RefusesOversizedInput(t *testing.T) {
	_, err := Render(strings.Repeat("a", MaxInputBytes+1))
	require.Error(t, err)
}
