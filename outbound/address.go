package outbound

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// blockedPrefixes are the special-purpose ranges no user-supplied URL may
// reach: the IANA IPv4 and IPv6 special-purpose registries (the list
// Discourse's FinalDestination filters), plus the gaps Ghost and FreshRSS
// were caught by (CGNAT, benchmarking, NAT64). IPv4-mapped addresses are
// unmapped before the check, and NAT64 and 6to4 addresses are checked again
// by the IPv4 address they embed (see embeddedIPv4).
var blockedPrefixes = mustPrefixes(
	// IPv4
	"0.0.0.0/8",       // "this network"; 0.0.0.0 reaches the local host on Linux
	"10.0.0.0/8",      // RFC 1918
	"100.64.0.0/10",   // CGNAT shared address space (RFC 6598)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, incl. cloud metadata 169.254.169.254
	"172.16.0.0/12",   // RFC 1918
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // TEST-NET-1 documentation
	"192.31.196.0/24", // AS112-v4
	"192.52.193.0/24", // AMT
	"192.88.99.0/24",  // deprecated 6to4 relay anycast
	"192.168.0.0/16",  // RFC 1918
	"192.175.48.0/24", // direct delegation AS112 service
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // TEST-NET-2 documentation
	"203.0.113.0/24",  // TEST-NET-3 documentation
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, incl. broadcast 255.255.255.255
	// IPv6
	"::/128",         // unspecified
	"::1/128",        // loopback
	"::/96",          // deprecated IPv4-compatible addresses
	"::ffff:0:0/96",  // IPv4-mapped (unmapped first; kept as a backstop)
	"64:ff9b:1::/48", // local-use NAT64 (RFC 8215)
	"100::/64",       // discard-only
	"2001::/23",      // IETF protocol assignments, incl. Teredo 2001::/32 and ORCHID
	"2001:db8::/32",  // documentation
	"3fff::/20",      // documentation (RFC 9637)
	"5f00::/16",      // SRv6 SIDs (RFC 9602)
	"fc00::/7",       // unique local addresses
	"fe80::/10",      // link-local
	"fec0::/10",      // deprecated site-local
	"ff00::/8",       // multicast
)

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// isBlockedAddr reports whether addr lies in a special-purpose range, and
// which one, so refusals can name their reason in logs.
func isBlockedAddr(addr netip.Addr) (bool, string) {
	addr = addr.Unmap()
	if addr.Zone() != "" {
		return true, "a scoped (zoned) address"
	}
	for _, p := range blockedPrefixes {
		if p.Contains(addr) {
			return true, "in the special-purpose range " + p.String()
		}
	}
	// A backstop should the table above ever lose a line.
	if addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() || !addr.IsValid() {
		return true, "a private or special-purpose address"
	}
	if v4, ok := embeddedIPv4(addr); ok {
		if blocked, _ := isBlockedAddr(v4); blocked {
			return true, "an IPv6 address embedding the special-purpose IPv4 address " + v4.String()
		}
	}
	return false, ""
}

// embeddedIPv4 extracts the IPv4 address a NAT64 (64:ff9b::/96) or 6to4
// (2002::/16) address routes to: [64:ff9b::a9fe:a9fe] is 169.254.169.254
// once a NAT64 gateway translates it. Public IPv4 addresses embedded this
// way stay reachable, which IPv6-only deployments behind DNS64 need.
func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	if !addr.Is6() {
		return netip.Addr{}, false
	}
	b := addr.As16()
	switch {
	case nat64Prefix.Contains(addr):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// checkURL refuses what can be refused before any DNS: schemes other than
// http and https, credentials in the URL, and host names that only exist
// to dodge the address check. The address itself is judged at dial time.
func checkURL(u *url.URL) error {
	if u == nil {
		return &BlockedError{Reason: "no URL"}
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return &BlockedError{URL: u.Redacted(), Reason: "only http and https URLs can be fetched"}
	}
	if u.User != nil {
		return &BlockedError{URL: u.Redacted(), Reason: "URLs with credentials cannot be fetched"}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return &BlockedError{URL: u.Redacted(), Reason: "the URL has no host"}
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return &BlockedError{URL: u.Redacted(), Reason: "the URL's port is not valid"}
		}
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		// RFC 6761: always the local host, whatever DNS says.
		return &BlockedError{URL: u.Redacted(), Reason: "localhost is not a public destination"}
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil // a literal address is judged by the dialer like any other
	}
	if numericHost(host) {
		// 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 are IPv4 addresses to
		// browsers and to getaddrinfo, but not to Go: refuse them rather
		// than let a resolver decide what they mean.
		return &BlockedError{URL: u.Redacted(), Reason: "numeric host forms other than dotted IPv4 cannot be fetched"}
	}
	return nil
}

// numericHost reports whether host ends in a label the WHATWG URL standard
// would read as a number, which makes the whole host an IPv4 address.
func numericHost(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") || strings.HasPrefix(last, "0X") {
		return true
	}
	for _, r := range last {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
