package deploy_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// dyingReplica stands in front of a real replica as HAProxy's server: it
// passes every request on, but a POST, once the replica has answered it
// (committed), gets no answer at all: the connection is reset, as when a
// replica dies between its commit and its response (issue 14, item 3).
type dyingReplica struct {
	port   int
	killed atomic.Int64 // POSTs committed and left unanswered
}

func newDyingReplica(t *testing.T, target int) *dyingReplica {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	d := &dyingReplica{port: ln.Addr().(*net.TCPAddr).Port}
	upstream := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(upstream.CloseIdleConnections)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go d.serve(conn.(*net.TCPConn), upstream, target)
		}
	}()
	return d
}

func (d *dyingReplica) serve(conn *net.TCPConn, upstream http.RoundTripper, target int) {
	defer func() { _ = conn.Close() }()
	rd := bufio.NewReader(conn)
	for {
		req, err := http.ReadRequest(rd)
		if err != nil {
			return
		}
		req.RequestURI = ""
		req.URL.Scheme, req.URL.Host = "http", fmt.Sprintf("127.0.0.1:%d", target)
		resp, err := upstream.RoundTrip(req)
		if err != nil {
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return
		}
		if req.Method == http.MethodPost {
			d.killed.Add(1)
			_ = conn.SetLinger(0) // reset: not even a FIN that could pass for an answer
			return
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.TransferEncoding = nil
		if err := resp.Write(conn); err != nil {
			return
		}
	}
}
