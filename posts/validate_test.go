package posts

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
)

const bidiRefusal = "must not contain bidirectional embedding, override or isolate characters (U+202A-U+202E, U+2066-U+2069)"

func TestCreateInput_Validation(t *testing.T) {
	tests := []struct {
		name   string
		in     CreateInput
		fields map[string]string // nil: valid
	}{
		{"minimal draft", CreateInput{Title: "Hello"}, nil},
		{"published with tags", CreateInput{Title: "Hello", BodyMarkdown: "# hi", Tags: []string{"go", "web-dev", "a1"}, Status: "published"}, nil},
		{"title of 200 characters", CreateInput{Title: strings.Repeat("é", 200)}, nil},
		{"right-to-left title with marks", CreateInput{Title: "\u05E9\u05DC\u05D5\u05DD \u200FGo\u200E"}, nil},
		{"emoji joined with a zero-width joiner", CreateInput{Title: "\U0001F469\u200D\U0001F4BB notes"}, nil},
		{"symbols only", CreateInput{Title: "?!"}, nil},
		{"body of 200,000 characters", CreateInput{Title: "x", BodyMarkdown: strings.Repeat("ü", 200_000)}, nil},
		{"ten tags", CreateInput{Title: "x", Tags: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}}, nil},
		{"tag of 32 characters", CreateInput{Title: "x", Tags: []string{strings.Repeat("a", 32)}}, nil},
		{"missing title", CreateInput{}, map[string]string{"title": "required"}},
		{"blank title", CreateInput{Title: "  \t "}, map[string]string{"title": "required"}},
		{"title of 201 characters", CreateInput{Title: strings.Repeat("a", 201)}, map[string]string{"title": "must be at most 200 characters"}},
		{"title with a line break", CreateInput{Title: "a\nb"}, map[string]string{"title": "must not contain control characters such as line breaks"}},
		{"title with a line separator", CreateInput{Title: "a\u2028b"}, map[string]string{"title": "must not contain control characters such as line breaks"}},
		{"title with a paragraph separator", CreateInput{Title: "a\u2029b"}, map[string]string{"title": "must not contain control characters such as line breaks"}},
		{"title with a right-to-left override", CreateInput{Title: "invoice \u202Efdp.exe"}, map[string]string{"title": bidiRefusal}},
		{"title with a left-to-right embedding", CreateInput{Title: "\u202Aa\u202C"}, map[string]string{"title": bidiRefusal}},
		{"title with a first-strong isolate", CreateInput{Title: "a \u2068b\u2069"}, map[string]string{"title": bidiRefusal}},
		{"title of zero-width spaces", CreateInput{Title: "\u200B\u200B\u200B"}, map[string]string{"title": "must contain visible characters"}},
		{"title of joiners, marks and a BOM", CreateInput{Title: "\u200D\u200C\u2060\uFEFF\u0301"}, map[string]string{"title": "must contain visible characters"}},
		{"title of Hangul fillers", CreateInput{Title: "\u3164 \u115F"}, map[string]string{"title": "must contain visible characters"}},
		{"body of 200,001 characters", CreateInput{Title: "x", BodyMarkdown: strings.Repeat("a", 200_001)}, map[string]string{"body_markdown": "must be at most 200000 characters"}},
		{"eleven tags", CreateInput{Title: "x", Tags: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}, map[string]string{"tags": "at most 10 tags"}},
		{"empty tag", CreateInput{Title: "x", Tags: []string{"go", ""}}, map[string]string{"tags[1]": "must be 1-32 characters of a-z, 0-9 and -"}},
		{"upper-case tag", CreateInput{Title: "x", Tags: []string{"Go"}}, map[string]string{"tags[0]": "must be 1-32 characters of a-z, 0-9 and -"}},
		{"tag with a space", CreateInput{Title: "x", Tags: []string{"web dev"}}, map[string]string{"tags[0]": "must be 1-32 characters of a-z, 0-9 and -"}},
		{"tag of 33 characters", CreateInput{Title: "x", Tags: []string{strings.Repeat("a", 33)}}, map[string]string{"tags[0]": "must be 1-32 characters of a-z, 0-9 and -"}},
		{"unknown status", CreateInput{Title: "x", Status: "archived"}, map[string]string{"status": "must be draft or published"}},
		{"everything wrong at once", CreateInput{Status: "x", Tags: []string{"A"}}, map[string]string{
			"title": "required", "status": "must be draft or published", "tags[0]": "must be 1-32 characters of a-z, 0-9 and -"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.in.validate()
			if tt.fields == nil {
				require.NoError(t, err)
				return
			}
			ae, ok := apperror.As(err)
			require.True(t, ok, "want a validation error, got %v", err)
			assert.Equal(t, apperror.CodeValidation, ae.Code)
			assert.Equal(t, tt.fields, ae.Fields)
		})
	}
}

func TestCreateInput_DefaultsAndNormalises(t *testing.T) {
	v, err := CreateInput{Title: "  Hello  ", Tags: []string{"go", "web", "go"}}.validate()
	require.NoError(t, err)
	assert.Equal(t, "draft", v.status)
	assert.Equal(t, "Hello", v.title)
	assert.Equal(t, []string{"go", "web"}, v.tags, "repeated tags are kept once, in order")
}

func TestUpdateInput_ValidatesOnlyPresentFields(t *testing.T) {
	_, err := UpdateInput{}.validate()
	require.NoError(t, err)
	_, err = UpdateInput{BodyMarkdown: ptr("new")}.validate()
	require.NoError(t, err)

	_, err = UpdateInput{Title: ptr(""), Status: ptr("gone"), Tags: []string{"ok", "NO"}}.validate()
	ae, ok := apperror.As(err)
	require.True(t, ok)
	assert.Equal(t, map[string]string{"title": "required", "status": "must be draft or published",
		"tags[1]": "must be 1-32 characters of a-z, 0-9 and -"}, ae.Fields)
}

func TestParseFeedRequest(t *testing.T) {
	good := EncodeFeedCursor(feedPos(1_700_000_000_000_000, 42))
	tests := []struct {
		name                       string
		limit, cursor, tag, author string
		want                       FeedRequest
		fields                     []string
	}{
		{name: "defaults", want: FeedRequest{Limit: 20}},
		{name: "everything", limit: "100", cursor: good, tag: "go-lang", author: "7",
			want: FeedRequest{Limit: 100, After: ptr(feedPos(1_700_000_000_000_000, 42)), Tag: "go-lang", AuthorID: 7}},
		{name: "limit 1", limit: "1", want: FeedRequest{Limit: 1}},
		{name: "limit 0", limit: "0", fields: []string{"limit"}},
		{name: "limit 101", limit: "101", fields: []string{"limit"}},
		{name: "limit not a number", limit: "ten", fields: []string{"limit"}},
		{name: "negative limit", limit: "-5", fields: []string{"limit"}},
		{name: "cursor not base64", cursor: "%%%", fields: []string{"cursor"}},
		{name: "cursor padded", cursor: good + "=", fields: []string{"cursor"}},
		{name: "cursor too short", cursor: good[:len(good)-2], fields: []string{"cursor"}},
		{name: "cursor of another version", cursor: "Ag" + good[2:], fields: []string{"cursor"}},
		{name: "cursor with id 0", cursor: EncodeFeedCursor(feedPos(1_700_000_000_000_000, 0)), fields: []string{"cursor"}},
		{name: "bad tag", tag: "Go!", fields: []string{"tag"}},
		{name: "author not a number", author: "me", fields: []string{"author"}},
		{name: "author 0", author: "0", fields: []string{"author"}},
		{name: "several at once", limit: "0", author: "x", fields: []string{"limit", "author"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFeedRequest(tt.limit, tt.cursor, tt.tag, tt.author)
			if tt.fields == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			ae, ok := apperror.As(err)
			require.True(t, ok, "want a validation error, got %v", err)
			assert.Equal(t, apperror.CodeValidation, ae.Code)
			var keys []string
			for k := range ae.Fields {
				keys = append(keys, k)
			}
			assert.ElementsMatch(t, tt.fields, keys)
		})
	}
}

func TestSlugify(t *testing.T) {
	for title, want := range map[string]string{
		"Hello, World!":            "hello-world",
		"  Go 1.26 --- released ":  "go-1-26-released",
		"Crème brûlée":             "crème-brûlée",
		"!!!":                      "post",
		strings.Repeat("ab ", 100): strings.Repeat("ab-", 26) + "ab",
	} {
		assert.Equal(t, want, Slugify(title), title)
		assert.LessOrEqual(t, len([]rune(Slugify(title))), 80)
	}
}
