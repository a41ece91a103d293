package outbound_test

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/apperror"
	"inkwell/outbound"
	"inkwell/outbound/outboundtest"
)

// hangingListener accepts connections on addr and never answers them.
type hangingListener struct {
	net.Listener
	accepted atomic.Int64
}

func listenHanging(t *testing.T, addr string) *hangingListener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	h := &hangingListener{Listener: ln}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			h.accepted.Add(1)
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return h
}

func serverOn(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

var twoHosts = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32"), netip.MustParsePrefix("127.0.0.3/32")}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

// TestBreaker_AHangingHostTripsItAndLaterCallsFailWithoutConnecting: five
// timeouts open the hanging host's breaker; from then on its calls are
// refused (503 with Retry-After) without a connection, while another host
// keeps working. Latencies are printed, not asserted (shared machine).
func TestBreaker_AHangingHostTripsItAndLaterCallsFailWithoutConnecting(t *testing.T) {
	hanging := listenHanging(t, "127.0.0.2:0")
	healthy := serverOn(t, "127.0.0.3:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "fine")
	}))
	c := outbound.New(outbound.Policy{AllowCIDRs: twoHosts, HeaderTimeout: 100 * time.Millisecond,
		RequestTimeout: time.Second, BreakerFailures: 5, BreakerOpenFor: time.Minute})
	hangingURL := "http://" + hanging.Addr().String() + "/"

	for i := range 5 {
		_, err := get(c, hangingURL)
		var upstream *outbound.UpstreamError
		require.ErrorAs(t, err, &upstream, "call %d", i+1)
		ae, _ := apperror.As(outbound.AppError(err, "url"))
		assert.Equal(t, apperror.CodeUpstreamFailed, ae.Code)
	}
	acceptedWhenTripped := hanging.accepted.Load()
	require.Positive(t, acceptedWhenTripped)

	_, err := get(c, hangingURL)
	var open *outbound.UnavailableError
	require.ErrorAs(t, err, &open)
	ae, _ := apperror.As(outbound.AppError(err, "url"))
	assert.Equal(t, apperror.CodeUnavailable, ae.Code)
	assert.Greater(t, ae.RetryAfter, 50*time.Second, "Retry-After is the time left open")
	assert.LessOrEqual(t, ae.RetryAfter, time.Minute)

	const n = 1000
	refused := make([]time.Duration, n)
	for i := range n {
		start := time.Now()
		_, err := c.Get(context.Background(), hangingURL, outbound.Fetch{})
		refused[i] = time.Since(start)
		require.ErrorAs(t, err, &open)
	}
	assert.Equal(t, acceptedWhenTripped, hanging.accepted.Load(), "an open breaker makes no connection")

	served := make([]time.Duration, 50)
	for i := range served {
		start := time.Now()
		resp, err := get(c, healthy.URL)
		served[i] = time.Since(start)
		require.NoError(t, err, "the healthy host is unaffected")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	t.Logf("breaker-open refusals: n=%d p50=%s p99=%s max=%s", n, percentile(refused, .5), percentile(refused, .99), slices.Max(refused))
	t.Logf("healthy host meanwhile: n=%d p50=%s p99=%s", len(served), percentile(served, .5), percentile(served, .99))
}

// TestRefusals_LeaveNoGoroutinesBehind: 10,000 breaker-open refusals and
// 10,000 refused destinations later, the goroutine count is back where
// it was.
func TestRefusals_LeaveNoGoroutinesBehind(t *testing.T) {
	hanging := listenHanging(t, "127.0.0.2:0")
	c := outbound.New(outbound.Policy{AllowCIDRs: twoHosts, HeaderTimeout: 50 * time.Millisecond,
		RequestTimeout: time.Second, BreakerFailures: 2, BreakerOpenFor: time.Minute})
	hangingURL := "http://" + hanging.Addr().String() + "/"
	for range 2 {
		_, err := get(c, hangingURL)
		require.Error(t, err)
	}
	c.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	before := runtime.NumGoroutine()

	var open *outbound.UnavailableError
	var blocked *outbound.BlockedError
	for i := range 10_000 {
		_, err := c.Get(context.Background(), hangingURL, outbound.Fetch{})
		require.ErrorAs(t, err, &open)
		_, err = c.Get(context.Background(), fmt.Sprintf("http://127.0.0.1:%d/", 1024+i%1000), outbound.Fetch{})
		require.ErrorAs(t, err, &blocked)
	}
	c.CloseIdleConnections()
	after := settledGoroutines(before)
	t.Logf("goroutines before=%d after 20,000 refusals=%d", before, after)
	assert.LessOrEqual(t, after, before+2)
}

// settledGoroutines waits (up to 2 s) for the count to come down to
// target, since finished goroutines take a moment to exit.
func settledGoroutines(target int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 40 && n > target; i++ {
		time.Sleep(50 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func TestRetryAfter_IsHonouredBeforeTheHostIsAskedAgain(t *testing.T) {
	var hits atomic.Int64
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	c := outbound.New(outbound.Policy{AllowCIDRs: outboundtest.AllowCIDRs})
	resp, err := get(c, site.URL)
	require.NoError(t, err, "the 429 itself is an answer; callers judge statuses")
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)

	_, err = get(c, site.URL)
	var wait *outbound.UnavailableError
	require.ErrorAs(t, err, &wait)
	assert.Greater(t, wait.RetryAfter, 100*time.Second)
	assert.LessOrEqual(t, wait.RetryAfter, 120*time.Second)
	assert.Equal(t, int64(1), hits.Load(), "the host was not asked again")
}

func TestBodyCap_AppliesAfterDecompression(t *testing.T) {
	const maxBytes = 1 << 20
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zeros := make([]byte, 64<<10)
		for range 8 * 16 { // 8 MiB of zeros, about 8 KiB on the wire
			if _, err := zw.Write(zeros); err != nil {
				return
			}
		}
		require.NoError(t, zw.Close())
	}))
	c := outbound.New(outbound.Policy{AllowCIDRs: outboundtest.AllowCIDRs})
	resp, err := c.Get(context.Background(), site.URL, outbound.Fetch{MaxBytes: maxBytes})
	require.NoError(t, err)
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	assert.ErrorIs(t, err, outbound.ErrBodyTooLarge)
	assert.Equal(t, int64(maxBytes), n)

	exact := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, 1000))
	}))
	resp, err = c.Get(context.Background(), exact.URL, outbound.Fetch{MaxBytes: 1000})
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "a body of exactly the cap is fine")
	assert.Len(t, body, 1000)
}

func TestHeaderCap_AndRedirectCap_AreUpstreamFailures(t *testing.T) {
	var hops atomic.Int64
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big-header" {
			w.Header().Set("X-Big", strings.Repeat("a", 100<<10))
			return
		}
		hops.Add(1)
		http.Redirect(w, r, fmt.Sprintf("/loop/%d", hops.Load()), http.StatusFound)
	}))
	c := outbound.New(outbound.Policy{AllowCIDRs: outboundtest.AllowCIDRs})

	_, err := get(c, site.URL+"/big-header")
	var upstream *outbound.UpstreamError
	require.ErrorAs(t, err, &upstream)

	_, err = get(c, site.URL+"/loop/0")
	require.ErrorAs(t, err, &upstream)
	assert.ErrorIs(t, err, outbound.ErrTooManyRedirects)
	assert.Equal(t, int64(6), hops.Load(), "the first request and five redirects")
}

func TestRequests_CarryOurUserAgentAndNoCookiesAndIgnoreHTTPProxy(t *testing.T) {
	proxy := outboundtest.Listen(t, "127.0.0.1:0")
	t.Setenv("HTTP_PROXY", fmt.Sprintf("http://127.0.0.1:%d", proxy.Port()))
	t.Setenv("http_proxy", fmt.Sprintf("http://127.0.0.1:%d", proxy.Port()))
	var ua, cookie atomic.Value
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
		cookie.Store(r.Header.Get("Cookie"))
		http.SetCookie(w, &http.Cookie{Name: "track", Value: "me"})
	}))
	port := site.Listener.Addr().(*net.TCPAddr).Port
	dns := outboundtest.StartDNS(t, outboundtest.Static(map[string][]netip.Addr{"site.test": {netip.MustParseAddr(outboundtest.AllowedAddr)}}))
	c := outbound.New(outbound.Policy{AllowCIDRs: outboundtest.AllowCIDRs, Resolver: dns.Resolver(),
		PublicBaseURL: "https://ink.example/"})
	u := fmt.Sprintf("http://site.test:%d/", port)
	for range 2 {
		resp, err := get(c, u)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	assert.Equal(t, "Mozilla/5.0 (compatible; Inkwell/2; +https://ink.example)", ua.Load())
	assert.Empty(t, cookie.Load(), "no cookie jar")
	assert.Zero(t, proxy.Accepted(), "HTTP_PROXY was used")
}

func TestPerHostConcurrency_IsBounded(t *testing.T) {
	var inFlight, most atomic.Int64
	release := make(chan struct{})
	site := outboundtest.Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
	}))
	c := outbound.New(outbound.Policy{AllowCIDRs: outboundtest.AllowCIDRs, PerHostConcurrency: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			_, err := get(c, site.URL)
			errs <- err
		})
	}
	assert.Eventually(t, func() bool { return inFlight.Load() >= 2 }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // room for a third request to arrive, were it allowed
	assert.Equal(t, int64(2), most.Load())
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Equal(t, int64(2), most.Load())
}

func TestCallerCancellation_DoesNotCountAgainstTheHost(t *testing.T) {
	hanging := listenHanging(t, "127.0.0.2:0")
	c := outbound.New(outbound.Policy{AllowCIDRs: outboundtest.AllowCIDRs, BreakerFailures: 2, HeaderTimeout: 200 * time.Millisecond})
	hangingURL := "http://" + hanging.Addr().String() + "/"
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for hanging.accepted.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		_, err := c.Get(ctx, hangingURL, outbound.Fetch{})
		require.Error(t, err)
		assert.True(t, errors.Is(err, context.Canceled), "%v", err)
		cancel()
	}
	_, err := c.Get(context.Background(), "http://"+hanging.Addr().String()+"/", outbound.Fetch{})
	var open *outbound.UnavailableError
	assert.False(t, errors.As(err, &open), "five cancellations must not open the breaker")
}
