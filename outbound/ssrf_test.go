package outbound_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/outbound"
	"inkwell/outbound/outboundtest"
)

// requireBlocked checks that err is a refused destination, answered as
// 400 validation_failed on fields.url.
func requireBlocked(t *testing.T, err error) {
	t.Helper()
	var blocked *outbound.BlockedError
	require.ErrorAs(t, err, &blocked)
	ae, ok := apperror.As(outbound.AppError(err, "url"))
	require.True(t, ok)
	assert.Equal(t, apperror.CodeValidation, ae.Code)
	assert.NotEmpty(t, ae.Fields["url"])
}

func get(c *outbound.Client, rawURL string) (*http.Response, error) {
	resp, err := c.Get(context.Background(), rawURL, outbound.Fetch{})
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

// TestSSRFMatrix_EveryCaseIsRefusedWithZeroAccepts is PHASE2-NOTES.md's
// matrix. The listeners stand where an internal service would, on
// 127.0.0.1 and ::1 at a port the policy allows, so the address alone is
// what refuses each case.
func TestSSRFMatrix_EveryCaseIsRefusedWithZeroAccepts(t *testing.T) {
	v4 := outboundtest.Listen(t, "127.0.0.1:0")
	p := v4.Port()
	v6 := outboundtest.Listen(t, fmt.Sprintf("[::1]:%d", p))
	dns := outboundtest.StartDNS(t, outboundtest.Static(map[string][]netip.Addr{
		"loopback.test":  {netip.MustParseAddr("127.0.0.1")},
		"loopback6.test": {netip.MustParseAddr("::1")},
		"metadata.test":  {netip.MustParseAddr("169.254.169.254")},
		"mapped.test":    {netip.MustParseAddr("::ffff:127.0.0.1")},
		"site.test":      {netip.MustParseAddr(outboundtest.AllowedAddr)},
	}))
	var redirectsServed atomic.Int64
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			redirectsServed.Add(1)
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	c := outbound.New(outbound.Policy{
		AllowCIDRs: outboundtest.AllowCIDRs,
		Ports:      []int{80, 443, p},
		Resolver:   dns.Resolver(),
	})

	// The positive control: the allowed site answers, by address and by
	// name, so a refusal below is the policy and not a broken set-up.
	resp, err := get(c, site.URL)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = get(c, fmt.Sprintf("http://site.test:%d/", site.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	internal := fmt.Sprintf("http://127.0.0.1:%d/", p)
	cases := []string{
		// literals
		internal,
		fmt.Sprintf("http://localhost:%d/", p),
		fmt.Sprintf("http://LOCALHOST.:%d/", p),
		fmt.Sprintf("http://app.localhost:%d/", p),
		fmt.Sprintf("http://[::1]:%d/", p),
		fmt.Sprintf("http://0.0.0.0:%d/", p),
		fmt.Sprintf("http://[::]:%d/", p),
		fmt.Sprintf("http://2130706433:%d/", p),
		fmt.Sprintf("http://0x7f.1:%d/", p),
		fmt.Sprintf("http://0177.0.0.1:%d/", p),
		fmt.Sprintf("http://127.1:%d/", p),
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", p),
		fmt.Sprintf("http://[::ffff:7f00:1]:%d/", p),
		fmt.Sprintf("http://[::127.0.0.1]:%d/", p),
		"http://169.254.169.254/latest/meta-data/",
		"http://[::ffff:169.254.169.254]/",
		"http://[64:ff9b::a9fe:a9fe]/",
		"http://[64:ff9b::7f00:1]/",
		"http://[2002:7f00:1::]/",
		"http://[2001::1]/",
		"http://100.64.0.1/",
		"http://10.0.0.1/",
		"http://172.16.0.1/",
		"http://192.168.1.1/",
		"http://198.18.0.1/",
		"http://192.0.2.1/",
		"http://198.51.100.1/",
		"http://203.0.113.1/",
		"http://192.0.0.8/",
		"http://224.0.0.1/",
		"http://255.255.255.255/",
		"http://240.0.0.1/",
		"http://[fd00::1]/",
		"http://[fe80::1]/",
		"http://[fec0::1]/",
		"http://[ff02::1]/",
		"http://[2001:db8::1]/",
		// names resolving inside, through the fake DNS server
		fmt.Sprintf("http://loopback.test:%d/", p),
		fmt.Sprintf("http://loopback6.test:%d/", p),
		fmt.Sprintf("http://mapped.test:%d/", p),
		"http://metadata.test/",
		// schemes and ports
		"file:///etc/passwd",
		fmt.Sprintf("gopher://127.0.0.1:%d/_INFO", p),
		"ftp://site.test/",
		"http://user:secret@site.test/",
		"http://93.184.215.14:22/",
		"http://93.184.215.14:6379/",
		"https://93.184.215.14:8443/",
		// an allowed site redirecting inside, to another scheme, by name
		site.URL + "/?to=" + internal,
		site.URL + "/?to=" + fmt.Sprintf("http://[::1]:%d/", p),
		site.URL + "/?to=file:///etc/passwd",
		site.URL + "/?to=" + fmt.Sprintf("gopher://127.0.0.1:%d/", p),
		site.URL + "/?to=" + fmt.Sprintf("http://loopback.test:%d/", p),
		site.URL + "/?to=http://169.254.169.254/",
	}
	for _, u := range cases {
		t.Run(u, func(t *testing.T) {
			_, err := get(c, u)
			requireBlocked(t, err)
		})
	}
	assert.Equal(t, int64(6), redirectsServed.Load(), "every redirect case reached the allowed site first")
	assert.Zero(t, v4.Accepted(), "127.0.0.1 accepted a connection")
	assert.Zero(t, v6.Accepted(), "::1 accepted a connection")
}

// TestRebinding_TheSecondAnswerIsRefusedAtConnectTime: the name first
// resolves to the allowed 127.0.0.2, then to 127.0.0.1 on the same port.
// A check before the request (on a first lookup) would let the second
// fetch through; the dial-time check refuses it.
func TestRebinding_TheSecondAnswerIsRefusedAtConnectTime(t *testing.T) {
	var served atomic.Int64
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		_, _ = io.WriteString(w, "public content")
	}))
	port := site.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	internal := outboundtest.Listen(t, fmt.Sprintf("127.0.0.1:%d", port))
	dns := outboundtest.StartDNS(t, outboundtest.Alternating("rebind.test",
		netip.MustParseAddr(outboundtest.AllowedAddr), netip.MustParseAddr("127.0.0.1")))
	c := outbound.New(outbound.Policy{AllowCIDRs: outboundtest.AllowCIDRs, Ports: []int{80, 443, int(port)}, Resolver: dns.Resolver()})
	target := fmt.Sprintf("http://rebind.test:%d/", port)

	resp, err := get(c, target)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int64(1), served.Load())

	c.CloseIdleConnections() // a pooled connection would skip the lookup
	_, err = get(c, target)
	requireBlocked(t, err)
	assert.GreaterOrEqual(t, dns.Queries("rebind.test"), 2, "the second fetch resolved again")
	assert.Zero(t, internal.Accepted(), "the rebound address was connected to")
	assert.Equal(t, int64(1), served.Load())
}

func TestAllowCIDRs_OpenOnlyTheListedRangeOnAnyPort(t *testing.T) {
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	internal := outboundtest.Listen(t, "127.0.0.1:0")
	closed := outbound.New(outbound.Policy{})
	_, err := get(closed, site.URL)
	requireBlocked(t, err)

	open := outbound.New(outbound.Policy{AllowCIDRs: outboundtest.AllowCIDRs})
	resp, err := get(open, site.URL) // a random high port: any port inside the range
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	_, err = get(open, fmt.Sprintf("http://127.0.0.1:%d/", internal.Port()))
	requireBlocked(t, err)
	assert.Zero(t, internal.Accepted())
}

func TestBlockedError_KeepsItsTypeThroughTheHTTPClientsWrapping(t *testing.T) {
	c := outbound.New(outbound.Policy{})
	_, err := c.Get(context.Background(), "http://127.0.0.1/", outbound.Fetch{})
	var blocked *outbound.BlockedError
	require.True(t, errors.As(err, &blocked), "%T %v", err, err)
	assert.Equal(t, "127.0.0.1:80", blocked.Addr, "refused at connect time, after resolution")
	assert.Contains(t, blocked.Reason, "127.0.0.0/8")
}
