package previews_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/previews"
)

func TestNormalize_OneFormPerPage(t *testing.T) {
	cases := map[string]string{
		"HTTPS://Example.COM":                                    "https://example.com/",
		"  https://example.com/a?b=1#frag  ":                     "https://example.com/a?b=1",
		"https://example.com:443/a":                              "https://example.com/a",
		"http://example.com:80/a":                                "http://example.com/a",
		"http://example.com:8080/a":                              "http://example.com:8080/a",
		"https://example.com./a":                                 "https://example.com/a",
		"https://bücher.example/":                                "https://xn--bcher-kva.example/",
		"https://example.com/?utm_source=x&z=2&UTM_medium=y&a=1": "https://example.com/?z=2&a=1",
		"https://example.com/?utm_campaign=only":                 "https://example.com/",
		"https://[2606:4700::1111]:443/":                         "https://[2606:4700::1111]/",
		"https://example.com/a%20b":                              "https://example.com/a%20b",
	}
	for in, want := range cases {
		got, err := previews.Normalize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestNormalize_RefusesWhatIsNotAWebPageURL(t *testing.T) {
	for _, in := range []string{"", "   ", "example.com/no-scheme", "mailto:a@example.com", "ftp://example.com/",
		"javascript:alert(1)", "https://user:pw@example.com/", "https:///path-only", "http://exa mple.com/"} {
		_, err := previews.Normalize(in)
		ae, ok := apperror.As(err)
		require.True(t, ok, "%q: %v", in, err)
		assert.Equal(t, apperror.CodeValidation, ae.Code, in)
		assert.NotEmpty(t, ae.Fields["url"], in)
	}
}
