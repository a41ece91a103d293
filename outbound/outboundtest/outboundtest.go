// Package outboundtest gives tests the edge of the world the outbound
// client talks to: a fake DNS server (so names can resolve anywhere, and
// change their answer between lookups), listeners that count the
// connections they accept, and HTTP servers on 127.0.0.2, the address
// tests open with OUTBOUND_ALLOW_CIDRS while 127.0.0.1 stays blocked.
package outboundtest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"
)

// AllowedAddr is where test servers listen; tests allow it, and only it,
// through Policy.AllowCIDRs / OUTBOUND_ALLOW_CIDRS.
const AllowedAddr = "127.0.0.2"

// AllowCIDRs is the allow list matching AllowedAddr.
var AllowCIDRs = []netip.Prefix{netip.MustParsePrefix(AllowedAddr + "/32")}

// Server is an httptest server listening on 127.0.0.2.
func Server(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", AllowedAddr+":0")
	require.NoError(t, err, "127.0.0.2 must be a usable loopback address")
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// CountingListener accepts TCP connections, counts them and closes them
// at once: a stand-in for an internal service that must never be reached.
type CountingListener struct {
	net.Listener
	accepted atomic.Int64
}

// Listen starts a CountingListener on addr ("127.0.0.1:0", "[::1]:4567").
func Listen(t testing.TB, addr string) *CountingListener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	c := &CountingListener{Listener: ln}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.accepted.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return c
}

// Accepted is the number of connections accepted so far.
func (c *CountingListener) Accepted() int64 { return c.accepted.Load() }

// Port is the listener's port.
func (c *CountingListener) Port() int { return c.Addr().(*net.TCPAddr).Port }

// DNS is a fake authoritative DNS server on 127.0.0.1 (UDP). Answer
// decides each reply: the addresses for a name, by query type.
type DNS struct {
	conn net.PacketConn
	mu   sync.Mutex
	// answer returns the A or AAAA records of name (lower case, no
	// trailing dot).
	answer  func(name string, qtype dnsmessage.Type) []netip.Addr
	queries map[string]int
}

// StartDNS runs a fake DNS server answering with answer until the test ends.
func StartDNS(t testing.TB, answer func(name string, qtype dnsmessage.Type) []netip.Addr) *DNS {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	d := &DNS{conn: conn, answer: answer, queries: map[string]int{}}
	go d.serve()
	t.Cleanup(func() { _ = conn.Close() })
	return d
}

// Static answers each name with fixed addresses.
func Static(records map[string][]netip.Addr) func(string, dnsmessage.Type) []netip.Addr {
	return func(name string, qtype dnsmessage.Type) []netip.Addr {
		return filterType(records[name], qtype)
	}
}

// Alternating answers name with first, then second, then first … (one
// step per A query): DNS rebinding.
func Alternating(name string, first, second netip.Addr) func(string, dnsmessage.Type) []netip.Addr {
	var n atomic.Int64
	return func(q string, qtype dnsmessage.Type) []netip.Addr {
		if q != name || qtype != dnsmessage.TypeA {
			return nil
		}
		if n.Add(1)%2 == 1 {
			return []netip.Addr{first}
		}
		return []netip.Addr{second}
	}
}

func filterType(addrs []netip.Addr, qtype dnsmessage.Type) []netip.Addr {
	var out []netip.Addr
	for _, a := range addrs {
		if (qtype == dnsmessage.TypeA && a.Is4()) || (qtype == dnsmessage.TypeAAAA && a.Is6()) {
			out = append(out, a)
		}
	}
	return out
}

// Resolver is a pure-Go resolver that asks only this server.
func (d *DNS) Resolver() *net.Resolver {
	addr := d.conn.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var dialer net.Dialer
			return dialer.DialContext(ctx, "udp", addr)
		},
	}
}

// Queries is how many queries of type A arrived for name.
func (d *DNS) Queries(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queries[name]
}

func (d *DNS) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		if reply, ok := d.reply(buf[:n]); ok {
			_, _ = d.conn.WriteTo(reply, from)
		}
	}
}

func (d *DNS) reply(msg []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	name := strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")
	if q.Type == dnsmessage.TypeA {
		d.mu.Lock()
		d.queries[name]++
		d.mu.Unlock()
	}
	// An unknown name gets an empty answer (NODATA): Go's resolver
	// reports "no such host" for it as for NXDOMAIN.
	addrs := d.answer(name, q.Type)
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeSuccess})
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	for _, a := range addrs {
		rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
		if a.Is4() {
			_ = b.AResource(rh, dnsmessage.AResource{A: a.As4()})
		} else {
			_ = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
	}
	out, err := b.Finish()
	return out, err == nil
}
