package outbound

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestHostTable_IsBoundedWhateverTheNumberOfHosts(t *testing.T) {
	table := newHostTable(Policy{Hosts: 10}.withDefaults())
	first := table.get("a.example")
	assert.Same(t, first, table.get("a.example"), "one state per host")
	for i := range 1000 {
		table.get(fmt.Sprintf("sub%d.attacker.example", i))
	}
	assert.Equal(t, 10, table.hosts.Len())
}

func TestParseRetryAfter_SecondsAndHTTPDates(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	d, ok := parseRetryAfter("120", now)
	assert.True(t, ok)
	assert.Equal(t, 2*time.Minute, d)
	d, ok = parseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now)
	assert.True(t, ok)
	assert.Equal(t, 90*time.Second, d)
	for _, bad := range []string{"", "soon", "-5", "99999999999"} {
		_, ok := parseRetryAfter(bad, now)
		assert.False(t, ok, bad)
	}
}
