package outbound

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"inkwell/config"
)

// Policy is what the client may reach and how hard it tries. The zero
// value of each field means its default (see Defaults); only AllowCIDRs,
// UserAgent's base URL and the test hooks normally change.
type Policy struct {
	// AllowCIDRs open ranges that are otherwise blocked, on any port
	// (OUTBOUND_ALLOW_CIDRS): private deployments and tests.
	AllowCIDRs []netip.Prefix
	// Ports are the destination ports allowed outside AllowCIDRs.
	Ports []int
	// PublicBaseURL names this deployment in the User-Agent.
	PublicBaseURL string

	MaxRedirects   int
	MaxHeaderBytes int64

	DialTimeout    time.Duration
	TLSTimeout     time.Duration
	HeaderTimeout  time.Duration
	RequestTimeout time.Duration

	// PerHostConcurrency bounds requests in flight to one host, so a burst
	// of users previewing one site never becomes a flood (Mastodon#4486).
	PerHostConcurrency int
	// BreakerFailures consecutive failures open a host's breaker ...
	BreakerFailures uint32
	// ... for BreakerOpenFor, after which one request probes it (half-open).
	BreakerOpenFor time.Duration
	// MaxRetryAfter caps how long a host's Retry-After is honoured.
	MaxRetryAfter time.Duration
	// Hosts bounds the per-host state (breakers, limits) kept in an LRU:
	// attackers can mint unlimited subdomains.
	Hosts int

	// Resolver replaces the system resolver; tests point it at a fake DNS
	// server. Nil uses the system's.
	Resolver *net.Resolver
}

// Defaults are the values used for zero fields: the timeouts and limits of
// PHASE2-NOTES.md F13.
var Defaults = Policy{
	Ports:              []int{80, 443},
	PublicBaseURL:      "http://localhost:8080",
	MaxRedirects:       5,
	MaxHeaderBytes:     64 << 10,
	DialTimeout:        3 * time.Second,
	TLSTimeout:         3 * time.Second,
	HeaderTimeout:      4 * time.Second,
	RequestTimeout:     6 * time.Second,
	PerHostConcurrency: 2,
	BreakerFailures:    5,
	BreakerOpenFor:     60 * time.Second,
	MaxRetryAfter:      time.Hour,
	Hosts:              4096,
}

// PolicyFromConfig is the deployment's policy: the defaults, its
// OUTBOUND_ALLOW_CIDRS and its PUBLIC_BASE_URL.
func PolicyFromConfig(cfg config.Config) Policy {
	return Policy{AllowCIDRs: cfg.OutboundAllowCIDRs, PublicBaseURL: cfg.PublicBaseURL}
}

func (p Policy) withDefaults() Policy {
	d := Defaults
	if p.Ports == nil {
		p.Ports = d.Ports
	}
	if p.PublicBaseURL == "" {
		p.PublicBaseURL = d.PublicBaseURL
	}
	setDefault(&p.MaxRedirects, d.MaxRedirects)
	setDefault(&p.MaxHeaderBytes, d.MaxHeaderBytes)
	setDefault(&p.DialTimeout, d.DialTimeout)
	setDefault(&p.TLSTimeout, d.TLSTimeout)
	setDefault(&p.HeaderTimeout, d.HeaderTimeout)
	setDefault(&p.RequestTimeout, d.RequestTimeout)
	setDefault(&p.PerHostConcurrency, d.PerHostConcurrency)
	setDefault(&p.BreakerFailures, d.BreakerFailures)
	setDefault(&p.BreakerOpenFor, d.BreakerOpenFor)
	setDefault(&p.MaxRetryAfter, d.MaxRetryAfter)
	setDefault(&p.Hosts, d.Hosts)
	return p
}

func setDefault[T int | int64 | uint32 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// UserAgent is how Inkwell introduces itself: browser-compatible, since
// many sites answer Go's default with 403 or 429 (Ghost PR #20436), and
// naming the deployment so a site owner knows whom to contact.
func (p Policy) UserAgent() string {
	return "Mozilla/5.0 (compatible; Inkwell/2; +" + strings.TrimRight(p.PublicBaseURL, "/") + ")"
}

// allowed reports whether the policy lets the client connect to addr:port.
func (p Policy) allowed(addr netip.Addr, port int) error {
	addr = addr.Unmap()
	for _, pfx := range p.AllowCIDRs {
		if pfx.Contains(addr) {
			return nil // opened by OUTBOUND_ALLOW_CIDRS, on any port
		}
	}
	if blocked, why := isBlockedAddr(addr); blocked {
		return &BlockedError{Addr: netip.AddrPortFrom(addr, uint16(port)).String(), Reason: "the destination is " + why}
	}
	for _, allowed := range p.Ports {
		if port == allowed {
			return nil
		}
	}
	return &BlockedError{Addr: netip.AddrPortFrom(addr, uint16(port)).String(),
		Reason: fmt.Sprintf("port %d is not allowed (only %s)", port, portList(p.Ports))}
}

func portList(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ", ")
}
