package idempotency

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"inkwell/apperror"
)

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"k1": true, strings.Repeat("k", MaxKeyLen): true, "a-b_c.d~!": true,
		"": false, strings.Repeat("k", MaxKeyLen+1): false, "has space": false, "tab\t": false, "é": false, "del\x7f": false,
	} {
		assert.Equal(t, want, ValidKey(key), "%q", key)
	}
}

func TestCheckHeader_AbsentIsFineMalformedIsBadRequest(t *testing.T) {
	assert.NoError(t, CheckHeader(""))
	assert.NoError(t, CheckHeader("k1"))
	ae, ok := apperror.As(CheckHeader("bad key"))
	if assert.True(t, ok) {
		assert.Equal(t, apperror.CodeBadRequest, ae.Code)
	}
}
