package importer

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const validLine = `{"external_id":"e1","author_email":"Ada@Example.com","author_name":"Ada","title":" Hello ","body_markdown":"# Hi","tags":["a","b","a"],"status":"published","published_at":"2020-01-02T03:04:05+01:00","updated_at":"2020-01-03T00:00:00Z"}`

func TestDecodeRecord_NormalizesAValidLine(t *testing.T) {
	r, err := decodeRecord([]byte(validLine))
	require.NoError(t, err)
	assert.Equal(t, "e1", r.ExternalID)
	assert.Equal(t, "ada@example.com", r.AuthorEmail)
	assert.Equal(t, "Hello", r.Title)
	assert.Equal(t, []string{"a", "b"}, r.Tags)
	assert.Equal(t, "2020-01-02T02:04:05Z", r.PublishedAt.Format("2006-01-02T15:04:05Z07:00"))
}

func TestDecodeRecord_DraftDefaultsAndAuthorName(t *testing.T) {
	r, err := decodeRecord([]byte(`{"external_id":"e2","author_email":"grace@example.com","title":"T","body_markdown":"","published_at":"2020-01-01T00:00:00Z"}`))
	require.NoError(t, err)
	assert.Equal(t, "draft", r.Status)
	assert.Equal(t, "grace", r.AuthorName)
	assert.Nil(t, r.PublishedAt, "a draft has no publication time")
}

func TestDecodeRecord_RejectsBadLinesWithAReason(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		reason string
	}{
		{"malformed JSON", `{"external_id":`, "malformed JSON"},
		{"trailing garbage", `{"external_id":"x"} {}`, "malformed JSON"},
		{"not an object", `["a"]`, "want a JSON object"},
		{"number for a string", strings.Replace(validLine, `" Hello "`, `42`, 1), "title must be a string, got number"},
		{"string for tags", strings.Replace(validLine, `["a","b","a"]`, `"a"`, 1), "tags must be an array of strings"},
		{"bad time", strings.Replace(validLine, `2020-01-03T00:00:00Z`, `yesterday`, 1), `updated_at "yesterday" is not an RFC 3339 time`},
		{"time of wrong type", strings.Replace(validLine, `"2020-01-03T00:00:00Z"`, `17`, 1), "updated_at must be a string, got number"},
		{"missing fields", `{"title":"t"}`, "missing required field(s): author_email, body_markdown, external_id"},
		{"null counts as missing", strings.Replace(validLine, `"# Hi"`, `null`, 1), "missing required field(s): body_markdown"},
		{"empty external id", strings.Replace(validLine, `"e1"`, `" "`, 1), "external_id must not be empty"},
		{"long external id", strings.Replace(validLine, `"e1"`, `"`+strings.Repeat("e", 256)+`"`, 1), "external_id is 256 bytes"},
		{"bad email", strings.Replace(validLine, `Ada@Example.com`, `Ada <ada@example.com>`, 1), "is not an email address"},
		{"empty title", strings.Replace(validLine, `" Hello "`, `"  "`, 1), "title required"},
		{"bad tag", strings.Replace(validLine, `"b"`, `"B C"`, 1), "tags[1] must be"},
		{"bad status", strings.Replace(validLine, `"published"`, `"archived"`, 1), "status must be draft or published"},
		{"published without time", `{"external_id":"x","author_email":"a@b.co","title":"t","body_markdown":"","status":"published"}`, "published_at is required"},
		{"invalid UTF-8", "{\"external_id\":\"\xff\"}", "invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeRecord([]byte(tt.line))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestLineHash_IsTheLinesBytes(t *testing.T) {
	h := newLineHasher()
	base := h.sum([]byte(validLine))
	assert.Len(t, base, 64)
	assert.Equal(t, base, h.sum([]byte(validLine)), "the same line hashes the same, hasher reused")
	assert.Equal(t, base, newLineHasher().sum([]byte(validLine)))
	for _, change := range []struct{ from, to string }{
		{`"# Hi"`, `"# Hi!"`}, {`" Hello "`, `"Hello2"`}, {`["a","b","a"]`, `["b","a"]`}, {`"Ada"`, `"Ada L."`},
		{`"published"`, `"draft"`}, {`2020-01-03T00:00:00Z`, `2020-01-03T00:00:01Z`},
		// Re-formatting is a change too: the post is rewritten once, the same.
		{`,"title"`, `, "title"`},
	} {
		assert.NotEqual(t, base, h.sum([]byte(strings.Replace(validLine, change.from, change.to, 1))), "changing %s to %s", change.from, change.to)
	}
}

func TestPeekExternalID(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"plain", validLine, "e1"},
		{"escaped", `{"title":"x","external_id":"a\"b\u00e9"}`, `a"bé`},
		{"nested key is not it", `{"meta":{"external_id":"inner"},"external_id":"outer"}`, "outer"},
		{"only nested", `{"meta":{"external_id":"inner"}}`, ""},
		{"number", `{"external_id":17}`, ""},
		{"missing", `{"title":"t"}`, ""},
		{"empty", `{"external_id":""}`, ""},
		{"too long", `{"external_id":"` + strings.Repeat("e", 256) + `"}`, ""},
		{"invalid UTF-8", "{\"external_id\":\"\xff\"}", ""},
		{"malformed", `{"external_id":`, ""},
		{"not an object", `["external_id","x"]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, peekExternalID([]byte(tt.line)))
		})
	}
}
