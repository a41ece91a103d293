package importer

import (
	"strings"
	"testing"
	"time"

	"inkwell/testsupport"

	"github.com/stretchr/testify/assert"
)

func TestLogLines_ReportCountersAndShareOfBytes(t *testing.T) {
	var out testsupport.SyncBuffer
	var c Counters
	c.FilesDone.Store(1)
	c.BytesRead.Store(250)
	c.Read.Store(40)
	c.Inserted.Store(30)
	c.Unchanged.Store(8)
	c.Rejected.Store(2)
	l := &LogLines{Out: &out, Every: time.Millisecond}
	l.Start(4, 1000, &c)
	assert.Eventually(t, func() bool { return strings.Contains(out.String(), "\n") }, 10*time.Second, time.Millisecond)
	l.Stop()
	line := strings.SplitN(out.String(), "\n", 2)[0]
	assert.Contains(t, line, "import: files 1/4, 25.0% of 1000 bytes, read 40, inserted 30, updated 0, unchanged 8, rejected 2,")
	assert.Contains(t, line, "eta ")
}
