package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTrustedProxies_RejectsWhatIsNotAnAddress(t *testing.T) {
	for _, entry := range []string{"haproxy", "10.0.0.0/33", "10.0.0.1/", "1.2.3"} {
		_, err := ParseTrustedProxies([]string{entry})
		assert.Error(t, err, entry)
	}
	p, err := ParseTrustedProxies([]string{"10.0.0.0/8", "192.168.1.7", "::1", "fd00::/8"})
	require.NoError(t, err)
	assert.Len(t, p.prefixes, 4)
}

func TestForwarded_BelievesHeadersOnlyFromTrustedPeers(t *testing.T) {
	proxies, err := ParseTrustedProxies([]string{"10.0.0.0/8", "127.0.0.1"})
	require.NoError(t, err)
	tests := []struct {
		name       string
		remote     string
		tls        bool
		xff        []string
		proto      []string
		wantIP     string
		wantScheme string
		wantXFF    string // what Beego's Input.IP will read afterwards
		wantProto  string
	}{
		{name: "untrusted peer: headers ignored and removed", remote: "203.0.113.9:5000",
			xff: []string{"1.2.3.4"}, proto: []string{"https"},
			wantIP: "203.0.113.9", wantScheme: "http"},
		{name: "untrusted peer over TLS", remote: "203.0.113.9:5000", tls: true,
			proto: []string{"http"}, wantIP: "203.0.113.9", wantScheme: "https"},
		{name: "trusted proxy: client from X-Forwarded-For", remote: "10.1.2.3:40000",
			xff: []string{"198.51.100.7"}, proto: []string{"https"},
			wantIP: "198.51.100.7", wantScheme: "https", wantXFF: "198.51.100.7", wantProto: "https"},
		{name: "forged left-most hops are skipped", remote: "10.1.2.3:40000",
			xff: []string{"6.6.6.6, 198.51.100.7"}, proto: []string{"https"},
			wantIP: "198.51.100.7", wantScheme: "https", wantXFF: "198.51.100.7", wantProto: "https"},
		{name: "chain of trusted proxies over several header lines", remote: "127.0.0.1:1234",
			xff: []string{"6.6.6.6", "198.51.100.7, 10.9.9.9"}, proto: []string{"https"},
			wantIP: "198.51.100.7", wantScheme: "https", wantXFF: "198.51.100.7", wantProto: "https"},
		{name: "IPv6 client with port", remote: "10.1.2.3:40000",
			xff: []string{"[2001:db8::5]:443"}, proto: []string{"https"},
			wantIP: "2001:db8::5", wantScheme: "https", wantXFF: "2001:db8::5", wantProto: "https"},
		{name: "garbage hop stops the walk at the last trusted hop", remote: "10.1.2.3:40000",
			xff: []string{"not-an-ip, 10.4.4.4"}, proto: []string{"https"},
			wantIP: "10.4.4.4", wantScheme: "https", wantXFF: "10.4.4.4", wantProto: "https"},
		{name: "trusted proxy without headers", remote: "10.1.2.3:40000",
			wantIP: "10.1.2.3", wantScheme: "http", wantXFF: "10.1.2.3", wantProto: "http"},
		{name: "unknown scheme is not believed", remote: "10.1.2.3:40000",
			xff: []string{"198.51.100.7"}, proto: []string{"gopher"},
			wantIP: "198.51.100.7", wantScheme: "http", wantXFF: "198.51.100.7", wantProto: "http"},
		{name: "IPv4-mapped peer address", remote: "[::ffff:10.1.2.3]:40000",
			xff: []string{"198.51.100.7"}, proto: []string{"HTTPS"},
			wantIP: "198.51.100.7", wantScheme: "https", wantXFF: "198.51.100.7", wantProto: "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Client
			var seen http.Header
			h := Forwarded(proxies, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var ok bool
				got, ok = ClientFrom(r.Context())
				require.True(t, ok)
				seen = r.Header.Clone()
			}))
			r := httptest.NewRequest(http.MethodGet, "/healthz", http.NoBody)
			r.RemoteAddr = tt.remote
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			for _, v := range tt.proto {
				r.Header.Add("X-Forwarded-Proto", v)
			}
			r.Header.Set("X-Real-Ip", "6.6.6.6")
			r.Header.Set("Forwarded", "for=6.6.6.6")
			h.ServeHTTP(httptest.NewRecorder(), r)

			assert.Equal(t, Client{IP: tt.wantIP, Scheme: tt.wantScheme}, got)
			assert.Equal(t, tt.wantXFF, seen.Get("X-Forwarded-For"))
			assert.Len(t, seen.Values("X-Forwarded-For"), len(nonEmpty(tt.wantXFF)))
			assert.Equal(t, tt.wantProto, seen.Get("X-Forwarded-Proto"))
			assert.Empty(t, seen.Get("X-Real-Ip"))
			assert.Empty(t, seen.Get("Forwarded"))
		})
	}
}

func TestForwarded_NilTrustsNobody(t *testing.T) {
	var got Client
	h := Forwarded(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, _ = ClientFrom(r.Context()) }))
	r := httptest.NewRequest(http.MethodGet, "/", http.NoBody)
	r.RemoteAddr = "127.0.0.1:9"
	r.Header.Set("X-Forwarded-For", "1.2.3.4")
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, Client{IP: "127.0.0.1", Scheme: "http"}, got)
}

func TestMiddleware_LogsTheResolvedClient(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	proxies, err := ParseTrustedProxies([]string{"10.0.0.1"})
	require.NoError(t, err)
	h := Forwarded(proxies, Middleware(log, 1024, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	r := httptest.NewRequest(http.MethodGet, "/x", http.NoBody).WithContext(context.Background())
	r.RemoteAddr = "10.0.0.1:5555"
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	r.Header.Set("X-Forwarded-Proto", "https")
	h.ServeHTTP(httptest.NewRecorder(), r)

	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	assert.Equal(t, "198.51.100.7", line["client_ip"])
	assert.Equal(t, "https", line["scheme"])
	assert.Equal(t, "10.0.0.1:5555", line["remote"])
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
