// Package outbound is the one HTTP client for every URL a user supplies
// (link previews, media backup, later webhooks). It cannot be pointed at
// the inside of our network: the destination is judged on the address
// actually connected to, after DNS, on every redirect hop, so neither DNS
// rebinding nor a redirect into private space gets through. It is also a
// polite client: per-host concurrency, a per-host circuit breaker and
// Retry-After. See docs/outbound.md.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Client fetches user-supplied URLs under a Policy. It is safe for
// concurrent use; make one per process and share it.
type Client struct {
	policy    Policy
	hosts     *hostTable
	transport *http.Transport
	http      *http.Client
}

// New builds a client for p (zero fields take Defaults).
func New(p Policy) *Client {
	p = p.withDefaults()
	c := &Client{policy: p, hosts: newHostTable(p)}
	dialer := &net.Dialer{
		Timeout:  p.DialTimeout,
		Resolver: p.Resolver,
		// Control runs after DNS, for each address tried, just before
		// connect: the address judged is the address connected to.
		Control: c.checkDial,
	}
	c.transport = &http.Transport{
		// Never an environment proxy: the check would then judge the
		// proxy's address instead of the destination's (Miniflux #4456).
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    p.TLSTimeout,
		ResponseHeaderTimeout:  p.HeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: p.MaxHeaderBytes,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    p.PerHostConcurrency,
		MaxConnsPerHost:        p.PerHostConcurrency,
		IdleConnTimeout:        30 * time.Second,
	}
	c.http = &http.Client{
		Transport:     &guardedTransport{base: c.transport, hosts: c.hosts, policy: p},
		CheckRedirect: c.checkRedirect,
		// No Jar: no cookies are kept between fetches or users.
	}
	return c
}

// Policy returns the effective policy (defaults filled in).
func (c *Client) Policy() Policy { return c.policy }

// CloseIdleConnections drops pooled connections (tests, shutdown).
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }

// Fetch says what a Get wants and how much of it.
type Fetch struct {
	// Accept is sent as the Accept header when set.
	Accept string
	// MaxBytes caps the body after decompression; reading past it fails
	// with ErrBodyTooLarge. Zero means 1 MiB.
	MaxBytes int64
	// Header adds request headers (If-None-Match, …); User-Agent, Host
	// and Cookie are the client's own and are ignored here.
	Header http.Header
}

// DefaultMaxBytes is the body cap when Fetch.MaxBytes is zero: enough for
// an HTML page's head.
const DefaultMaxBytes = 1 << 20

// Get fetches rawURL, following at most Policy.MaxRedirects redirects, and
// returns the final response whatever its status; resp.Request.URL is the
// final URL. The caller must close resp.Body; the whole request, body
// included, is bounded by Policy.RequestTimeout.
//
// Errors are *BlockedError (refused destination), *UnavailableError
// (breaker open, Retry-After pending) or *UpstreamError (everything else);
// AppError maps them onto the API's errors.
func (c *Client) Get(ctx context.Context, rawURL string, f Fetch) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &BlockedError{Reason: "the URL cannot be parsed"}
	}
	if err := checkURL(u); err != nil {
		return nil, err
	}
	// The fast path under attack or outage: no request, no timer. Every
	// hop is checked again in the transport.
	if err := c.hosts.get(strings.ToLower(u.Hostname())).refuseEarly(time.Now()); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.policy.RequestTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), http.NoBody)
	if err != nil {
		cancel()
		return nil, &BlockedError{URL: u.Redacted(), Reason: "the URL cannot be requested"}
	}
	for k, vs := range f.Header {
		switch http.CanonicalHeaderKey(k) {
		case "User-Agent", "Host", "Cookie", "Accept-Encoding":
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", c.policy.UserAgent())
	if f.Accept != "" {
		req.Header.Set("Accept", f.Accept)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		return nil, classify(u, err)
	}
	limit := f.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	resp.Body = &cappedBody{body: resp.Body, left: limit, cancel: cancel}
	return resp, nil
}

// classify turns what http.Client returns into the package's three error
// kinds, keeping the cause in the chain.
func classify(u *url.URL, err error) error {
	var blocked *BlockedError
	if errors.As(err, &blocked) {
		if blocked.URL == "" {
			blocked.URL = u.Redacted()
		}
		return blocked
	}
	var unavailable *UnavailableError
	if errors.As(err, &unavailable) {
		return unavailable
	}
	var upstream *UpstreamError
	if errors.As(err, &upstream) {
		return upstream
	}
	return &UpstreamError{Host: u.Hostname(), Err: err}
}

// checkDial is the net.Dialer's Control hook: address is the resolved
// ip:port about to be connected to.
func (c *Client) checkDial(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedError{Addr: address, Reason: "the destination is not an IP address and port"}
	}
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return &BlockedError{Addr: address, Reason: "only TCP connections are made"}
	}
	return c.policy.allowed(ap.Addr(), int(ap.Port()))
}

// checkRedirect re-checks every hop's URL (the dial check runs on every
// hop anyway) and caps the chain.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.policy.MaxRedirects {
		return fmt.Errorf("%w (more than %d)", ErrTooManyRedirects, c.policy.MaxRedirects)
	}
	return checkURL(req.URL)
}

// UpstreamStatus reports resp's status as an *UpstreamError, for callers
// that can only use some statuses.
func UpstreamStatus(resp *http.Response) error {
	return &UpstreamError{Host: resp.Request.URL.Hostname(), StatusCode: resp.StatusCode}
}

// guardedTransport runs each hop through its host's Retry-After, breaker
// and concurrency slots before the real transport.
type guardedTransport struct {
	base   http.RoundTripper
	hosts  *hostTable
	policy Policy
}

func (t *guardedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h := t.hosts.get(strings.ToLower(req.URL.Hostname()))
	if err := h.refuseEarly(time.Now()); err != nil {
		return nil, err
	}
	if err := h.acquire(req.Context()); err != nil {
		return nil, err
	}
	done, err := h.breaker.Allow()
	if err != nil {
		h.release()
		return nil, h.openError(time.Now())
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		done(err)
		h.release()
		return nil, err
	}
	h.noteRetryAfter(resp, t.policy.MaxRetryAfter, time.Now())
	var statusErr error
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		statusErr = &UpstreamError{Host: h.name, StatusCode: resp.StatusCode}
	}
	// The outcome is known once the body is read or closed: a body that
	// times out half-way is a failure too.
	resp.Body = &trackedBody{body: resp.Body, finish: func(readErr error) {
		if statusErr != nil {
			readErr = statusErr
		}
		done(readErr)
		h.release()
	}}
	return resp, nil
}

// trackedBody reports the hop's outcome to its host once: at EOF, on the
// first read error, or on Close.
type trackedBody struct {
	body   io.ReadCloser
	once   sync.Once
	finish func(error)
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	switch {
	case err == io.EOF:
		b.once.Do(func() { b.finish(nil) })
	case err != nil:
		b.once.Do(func() { b.finish(err) })
	}
	return n, err
}

func (b *trackedBody) Close() error {
	err := b.body.Close()
	b.once.Do(func() { b.finish(nil) })
	return err
}

// cappedBody fails reads past the cap and ends the request's deadline on Close.
type cappedBody struct {
	body   io.ReadCloser
	left   int64
	cancel context.CancelFunc
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more than the cap tells a body of exactly the cap
		// from a longer one.
		var one [1]byte
		n, err := b.body.Read(one[:])
		if n > 0 {
			return 0, ErrBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error {
	err := b.body.Close()
	b.cancel()
	return err
}
