package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies holds the peers (HAProxy, in production) whose
// X-Forwarded-For and X-Forwarded-Proto headers are believed. Anyone else
// could write those headers themselves, so from them they are dropped.
type TrustedProxies struct {
	prefixes []netip.Prefix
}

// ParseTrustedProxies reads TRUSTED_PROXIES entries: single IPs or CIDRs.
func ParseTrustedProxies(entries []string) (*TrustedProxies, error) {
	t := &TrustedProxies{}
	for _, e := range entries {
		if strings.Contains(e, "/") {
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return nil, fmt.Errorf("server: TRUSTED_PROXIES entry %q is not an IP or CIDR: %w", e, err)
			}
			t.prefixes = append(t.prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(e)
		if err != nil {
			return nil, fmt.Errorf("server: TRUSTED_PROXIES entry %q is not an IP or CIDR: %w", e, err)
		}
		a = a.Unmap()
		t.prefixes = append(t.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return t, nil
}

func (t *TrustedProxies) trusts(a netip.Addr) bool {
	if t == nil || !a.IsValid() {
		return false
	}
	a = a.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedHeaders are what proxies say about the original request; none of
// them is believed from an untrusted peer.
var forwardedHeaders = []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-Ip", "Forwarded"}

// Client is who sent a request and how, as far as the trusted proxies tell.
type Client struct {
	IP     string // the original client's address (the peer's when no trusted proxy is involved)
	Scheme string // "https" or "http" as the client used it
}

type clientKey struct{}

func withClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the Client the middleware resolved for this request.
func ClientFrom(ctx context.Context) (Client, bool) {
	c, ok := ctx.Value(clientKey{}).(Client)
	return c, ok
}

// resolve works out the client and rewrites the forwarded headers so that
// everything downstream (Beego's Input.IP and Input.Scheme read them blindly)
// sees exactly one trustworthy value or none.
func (t *TrustedProxies) resolve(r *http.Request) Client {
	peer := peerAddr(r.RemoteAddr)
	c := Client{IP: peer.String(), Scheme: "http"}
	if r.TLS != nil {
		c.Scheme = "https"
	}
	if !peer.IsValid() {
		c.IP = r.RemoteAddr
	}
	if !t.trusts(peer) {
		for _, h := range forwardedHeaders {
			r.Header.Del(h)
		}
		return c
	}
	// Proxies append, so the right-most address not belonging to one of our
	// proxies is the one the outermost trusted proxy saw; anything to its
	// left was written by the client and could be forged.
	hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break
		}
		c.IP = a.Unmap().String()
		if !t.trusts(a) {
			break
		}
	}
	if proto := lastValue(r.Header.Values("X-Forwarded-Proto")); proto == "https" || proto == "http" {
		c.Scheme = proto
	}
	for _, h := range forwardedHeaders {
		r.Header.Del(h)
	}
	r.Header.Set("X-Forwarded-For", c.IP)
	r.Header.Set("X-Forwarded-Proto", c.Scheme)
	return c
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// forwardedFor flattens every X-Forwarded-For line into its hops, in order.
func forwardedFor(lines []string) []string {
	var hops []string
	for _, line := range lines {
		for _, h := range strings.Split(line, ",") {
			h = strings.TrimSpace(h)
			if host, _, err := net.SplitHostPort(h); err == nil {
				h = host
			}
			hops = append(hops, strings.Trim(h, "[]"))
		}
	}
	return hops
}

func lastValue(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	parts := strings.Split(lines[len(lines)-1], ",")
	return strings.ToLower(strings.TrimSpace(parts[len(parts)-1]))
}
