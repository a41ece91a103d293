package markdown

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const mapFixture = "Inline ![cat](https://ex.test/cat.jpg) and [a clip](https://ex.test/clip.mp4).\n\n" +
	"Reference ![dog][d] and `https://ex.test/cat.jpg` in code.\n\n" +
	"<img src=\"https://ex.test/raw.png\" alt=\"raw\">\n\n" +
	"```\n![cat](https://ex.test/cat.jpg)\n<img src=\"https://ex.test/raw.png\">\n```\n\n" +
	"[a page](https://ex.test/page.html) ![ours](https://inkwell.test/media/u/1/ab/x.jpg)\n\n" +
	"[d]: https://ex.test/dog.png\n"

var fixtureMap = map[string]string{
	"https://ex.test/cat.jpg":  "https://inkwell.test/media/c.jpg",
	"https://ex.test/clip.mp4": "https://inkwell.test/media/v.mp4",
	"https://ex.test/dog.png":  "https://inkwell.test/media/d.jpg",
	"https://ex.test/raw.png":  "https://inkwell.test/media/r.jpg",
}

func ownBase(u *url.URL) bool { return u.Host == "inkwell.test" }

func TestExternalMedia_FindsImagesAndMediaLinksButNotCodeOrOwnOrPages(t *testing.T) {
	html, err := Render(mapFixture)
	if err != nil {
		t.Fatal(err)
	}
	got := ExternalMedia(html, ownBase)
	want := []string{"https://ex.test/cat.jpg", "https://ex.test/clip.mp4", "https://ex.test/dog.png", "https://ex.test/raw.png"}
	if !slices.Equal(got, want) {
		t.Fatalf("ExternalMedia = %q, want %q", got, want)
	}
}

func TestRenderWithOptions_SwapsDestinationsButNeverCode(t *testing.T) {
	plain, err := Render(mapFixture)
	if err != nil {
		t.Fatal(err)
	}
	swapped, err := RenderWithOptions(context.Background(), mapFixture, RenderOptions{URLMap: fixtureMap})
	if err != nil {
		t.Fatal(err)
	}
	for from, to := range fixtureMap {
		if strings.Contains(swapped, `src="`+from+`"`) || strings.Contains(swapped, `href="`+from+`"`) {
			t.Errorf("%s still loaded from the original in %s", from, swapped)
		}
		if !strings.Contains(swapped, to) {
			t.Errorf("%s missing from %s", to, swapped)
		}
	}
	// The code span and the fence keep the original text, exactly as the
	// unswapped render has it.
	for _, code := range []string{"<code>https://ex.test/cat.jpg</code>",
		"![cat](https://ex.test/cat.jpg)\n&lt;img src=&#34;https://ex.test/raw.png&#34;&gt;"} {
		if !strings.Contains(plain, code) {
			t.Fatalf("fixture assumption: %q not in %s", code, plain)
		}
		if !strings.Contains(swapped, code) {
			t.Errorf("code changed: %q not in %s", code, swapped)
		}
	}
	if !strings.Contains(swapped, "https://ex.test/page.html") {
		t.Errorf("a link to a page was swapped: %s", swapped)
	}
}

func TestRewriteSource_ReplacesDestinationsByOffsetAndLeavesCodeAlone(t *testing.T) {
	got, n, err := RewriteSource(context.Background(), mapFixture, fixtureMap)
	if err != nil {
		t.Fatal(err)
	}
	want := "Inline ![cat](https://inkwell.test/media/c.jpg) and [a clip](https://inkwell.test/media/v.mp4).\n\n" +
		"Reference ![dog][d] and `https://ex.test/cat.jpg` in code.\n\n" +
		"<img src=\"https://inkwell.test/media/r.jpg\" alt=\"raw\">\n\n" +
		"```\n![cat](https://ex.test/cat.jpg)\n<img src=\"https://ex.test/raw.png\">\n```\n\n" +
		"[a page](https://ex.test/page.html) ![ours](https://inkwell.test/media/u/1/ab/x.jpg)\n\n" +
		"[d]: https://inkwell.test/media/d.jpg\n"
	if got != want {
		t.Fatalf("RewriteSource =\n%s\nwant\n%s", got, want)
	}
	if n != 4 {
		t.Errorf("replaced %d spans, want 4", n)
	}
	// Rendering the rewritten source needs no map any more.
	html, err := Render(got)
	if err != nil {
		t.Fatal(err)
	}
	if left := ExternalMedia(html, ownBase); len(left) != 0 {
		t.Errorf("after rewriting, still external: %q", left)
	}
}
