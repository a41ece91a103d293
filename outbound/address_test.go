package outbound

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsBlockedAddr_SpecialPurposeRangesAndTheirEmbeddedForms(t *testing.T) {
	blocked := []string{
		"0.1.2.3", "10.9.8.7", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.255.254",
		"169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.170", "192.0.2.55", "192.88.99.1",
		"192.168.0.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.251",
		"239.255.255.250", "240.0.0.1", "255.255.255.255",
		"::", "::1", "::7f00:1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b::a00:1",
		"64:ff9b:1::1", "100::1", "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::1",
		"2002:a9fe:a9fe::1", "2002:7f00:1::", "3fff::1", "5f00::1", "fc00::1", "fd12:3456::1",
		"fe80::1", "fec0::1", "ff02::1", "ff05::1:3",
	}
	for _, s := range blocked {
		ok, why := isBlockedAddr(netip.MustParseAddr(s))
		assert.True(t, ok, s)
		assert.NotEmpty(t, why, s)
	}
	public := []string{
		"1.1.1.1", "8.8.8.8", "93.184.215.14", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1",
		"192.0.1.1", "198.17.255.255", "198.20.0.1", "223.255.255.255",
		"2606:4700:4700::1111", "2a00:1450:4001:82a::200e",
		"64:ff9b::808:808",     // NAT64 of 8.8.8.8: reachable for IPv6-only deployments
		"2002:808:808::1",      // 6to4 of 8.8.8.8
		"::ffff:93.184.215.14", // mapped public IPv4
	}
	for _, s := range public {
		ok, why := isBlockedAddr(netip.MustParseAddr(s))
		assert.False(t, ok, "%s: %s", s, why)
	}
}

func TestPolicyAllowed_PortsOutsideTheAllowListAndAnyPortInside(t *testing.T) {
	p := Policy{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}.withDefaults()
	public := netip.MustParseAddr("93.184.215.14")
	assert.NoError(t, p.allowed(public, 80))
	assert.NoError(t, p.allowed(public, 443))
	assert.Error(t, p.allowed(public, 22))
	assert.Error(t, p.allowed(public, 8080))
	assert.NoError(t, p.allowed(netip.MustParseAddr("10.1.2.3"), 6379), "inside OUTBOUND_ALLOW_CIDRS any port goes")
	assert.NoError(t, p.allowed(netip.MustParseAddr("::ffff:10.1.2.3"), 5432), "mapped forms of an allowed address too")
	assert.Error(t, p.allowed(netip.MustParseAddr("10.2.0.1"), 80), "the rest of 10/8 stays closed")
}
