package ot

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse(t testing.TB, s string) Op {
	t.Helper()
	op, err := Parse([]byte(s))
	require.NoError(t, err, s)
	return op
}

func TestApply_CountsCodePoints(t *testing.T) {
	cases := []struct{ doc, op, want string }{
		{"hi there", `[3,{"d":5},"🤖👻💃"]`, "hi 🤖👻💃"},
		{"😅abc", `[1,{"d":1},"X"]`, "😅Xbc"},
		{"e\u0301x", `[2,"!"]`, "e\u0301!x"},
		{"👩‍👩‍👧!", `[5,{"d":1}]`, "👩‍👩‍👧"},
		{"", `["new"]`, "new"},
		{"keep", `[]`, "keep"},
	}
	for _, c := range cases {
		got, err := Apply(c.doc, mustParse(t, c.op))
		require.NoError(t, err, c.op)
		assert.Equal(t, c.want, got, c.op)
	}
}

func TestApply_RefusesOpsLongerThanTheDocument(t *testing.T) {
	for _, op := range []string{`[4,"x"]`, `[{"d":4}]`, `[2,{"d":2}]`} {
		_, err := Apply("😅bc", mustParse(t, op))
		assert.ErrorIs(t, err, ErrTooLong, op)
	}
}

func TestParse_ChecksLikeThePackageAndBoundsWork(t *testing.T) {
	valid := []string{`[]`, `["x"]`, `[{"d":1}]`, `[{"d":"xy"}]`, `["a","b"]`, `[1e2,"x"]`, `[3.0,{"d":2},"😅"]`}
	for _, s := range valid {
		_, err := Parse([]byte(s))
		assert.NoError(t, err, s)
	}
	invalid := []string{`[1]`, `[""]`, `[{"d":0}]`, `[0,"x"]`, `[1,2,"x"]`, `[1,"x",1]`, `[1.5,"x"]`,
		`[true]`, `[null]`, `[[1]]`, `{"d":1}`, `"x"`, `[{"d":1,"x":2}]`, `[{"e":1}]`, `[99999999999,"x"]`, `null`, `[-1,"x"]`}
	for _, s := range invalid {
		_, err := Parse([]byte(s))
		assert.ErrorIs(t, err, ErrSyntax, s)
	}
	many := make([]any, MaxComponents+1)
	for i := range many {
		many[i] = "x"
	}
	data, _ := json.Marshal(many)
	_, err := Parse(data)
	assert.ErrorIs(t, err, ErrSyntax)
}

func TestParse_StringDeleteIsReadAsItsLength(t *testing.T) {
	assert.Equal(t, Op{Retain(1), Delete(2)}, mustParse(t, `[1,{"d":"😅é"}]`))
}

func TestMarshalJSON_RoundTrips(t *testing.T) {
	op := Op{Retain(3), Insert("a\"<😅"), Delete(2)}
	data, err := json.Marshal(op)
	require.NoError(t, err)
	assert.Equal(t, op, mustParse(t, string(data)))
	empty, _ := json.Marshal(Op(nil))
	assert.Equal(t, "[]", string(empty))
}

func TestTransform_ConcurrentInsertsAtOnePositionOrderBySide(t *testing.T) {
	a := Op{Retain(1), Insert("A")}
	b := Op{Retain(1), Insert("B")}
	left, err := Transform(a, b, Left)
	require.NoError(t, err)
	right, err := Transform(a, b, Right)
	require.NoError(t, err)
	assert.Equal(t, Op{Retain(1), Insert("A")}, left)
	assert.Equal(t, Op{Retain(2), Insert("A")}, right)
}

func TestTransform_DeleteOfDeletedTextVanishes(t *testing.T) {
	got, err := Transform(Op{Retain(1), Delete(3)}, Op{Delete(2)}, Left)
	require.NoError(t, err)
	assert.Equal(t, Op{Delete(2)}, got)
}

func TestTransform_ChecksBothOps(t *testing.T) {
	_, err := Transform(Op{Retain(1)}, nil, Left)
	assert.ErrorIs(t, err, ErrTrailingRetain)
	_, err = Compose(nil, Op{Insert("")})
	assert.ErrorIs(t, err, ErrEmptyInsert)
}

func TestCompose_InsertThenDeleteCancels(t *testing.T) {
	got, err := Compose(Op{Retain(2), Insert("hi there")}, Op{Retain(2), Delete(8)})
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestTransformPosition(t *testing.T) {
	op := Op{Retain(2), Insert("😅😅"), Delete(3)}
	assert.Equal(t, 1, TransformPosition(1, op))
	assert.Equal(t, 2, TransformPosition(2, op))
	assert.Equal(t, 4, TransformPosition(3, op)) // inside the deletion: to its start, after the insert
	assert.Equal(t, 4, TransformPosition(5, op))
	assert.Equal(t, 7, TransformPosition(8, op))
}

func TestNormalize_MergesAndTrims(t *testing.T) {
	raw := Op{Retain(0), Insert("a"), Insert("b"), Delete(1), Delete(0), Delete(2), Retain(4)}
	assert.Equal(t, Op{Insert("ab"), Delete(3)}, Normalize(raw))
	assert.NoError(t, Check(Normalize(raw)))
}
