package metrics_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/metrics"
)

func TestBuildInfo(t *testing.T) {
	m := metrics.New(metrics.Build{Version: "1.2.3", Commit: "abc"})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	var line string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "inkwell_build_info{") {
			line = l
		}
	}
	assert.Contains(t, line, `version="1.2.3"`)
	assert.Contains(t, line, `commit="abc"`)
	assert.True(t, strings.HasSuffix(line, " 1"), line)
}
