package paging

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCursor_RoundTripsAndRefusesEverythingElse(t *testing.T) {
	c := Encode(FeedCursor, 1_700_000_000_000_000, 42)
	v, err := Decode(c, FeedCursor, 2)
	assert.NoError(t, err)
	assert.Equal(t, []int64{1_700_000_000_000_000, 42}, v)

	for name, bad := range map[string]string{
		"another kind":       Encode(DraftsCursor, 42),
		"too few values":     Encode(FeedCursor, 42),
		"zero value":         Encode(FeedCursor, 5, 0),
		"negative value":     Encode(FeedCursor, -5, 3),
		"padded":             c + "=",
		"not base64url":      "%%%",
		"old wallet cursor":  "ZTE6NQ", // "e1:5", the format before paging
		"truncated":          c[:len(c)-2],
		"standard base64 +/": "AQ+/",
	} {
		_, err := Decode(bad, FeedCursor, 2)
		assert.ErrorIs(t, err, ErrCursor, name)
	}
}

func TestQueryParse_NamesEachBadParameter(t *testing.T) {
	good := Encode(EntriesCursor, 9)
	tests := []struct {
		q      Query
		want   Request
		fields map[string]string
	}{
		{Query{}, Request{Limit: DefaultLimit}, map[string]string{}},
		{Query{Limit: "100", Cursor: good}, Request{Limit: 100, After: []int64{9}}, map[string]string{}},
		{Query{Limit: "0"}, Request{}, map[string]string{"limit": LimitMessage}},
		{Query{Limit: "101"}, Request{Limit: 101}, map[string]string{"limit": LimitMessage}},
		{Query{Limit: "x"}, Request{}, map[string]string{"limit": LimitMessage}},
		{Query{Cursor: Encode(DraftsCursor, 9)}, Request{Limit: DefaultLimit}, map[string]string{"cursor": CursorMessage}},
	}
	for _, tt := range tests {
		fields := map[string]string{}
		got := tt.q.Parse(EntriesCursor, 1, fields)
		assert.Equal(t, tt.fields, fields, "%+v", tt.q)
		if len(tt.fields) == 0 {
			assert.Equal(t, tt.want, got, "%+v", tt.q)
		}
	}
}

func TestNext_IsNullOnTheLastPage(t *testing.T) {
	assert.Nil(t, Next(""))
	assert.Equal(t, "abc", *Next("abc"))
}
