package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"inkwell/tests/apptest"
)

func TestServe_LogsTheOutboundAllowListAtStart(t *testing.T) {
	app := apptest.Start(t, "OUTBOUND_ALLOW_CIDRS=127.0.0.2, 10.0.0.0/8")
	logs := app.Logs()
	assert.Contains(t, logs, "OUTBOUND_ALLOW_CIDRS opens")
	assert.Contains(t, logs, "127.0.0.2/32")
	assert.Contains(t, logs, "10.0.0.0/8")

	plain := apptest.Start(t)
	assert.NotContains(t, plain.Logs(), "OUTBOUND_ALLOW_CIDRS", "nothing is opened, nothing is said")
}

func TestStart_RefusesAMalformedOutboundAllowList(t *testing.T) {
	out, code := apptest.Run(t, []string{"OUTBOUND_ALLOW_CIDRS=10.0.0.0/8,intranet"}, "serve")
	assert.Equal(t, 1, code, out)
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(out), "\n")+1, "exactly one line: %q", out)
	assert.Contains(t, out, `inkwell: config: OUTBOUND_ALLOW_CIDRS must list CIDRs such as 10.0.0.0/8, got "intranet"`)
}
