// Package deploy_test runs the production shape on one machine: the built
// inkwell binary twice on one MariaDB database, behind the real HAProxy
// configured by deploy/haproxy/haproxy.cfg with a generated certificate.
package deploy_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
	"inkwell/config"
	"inkwell/database/dbtest"
	"inkwell/testsupport"
)

const repoRoot = "../.."

// stack is HAProxy plus two inkwell replicas.
type stack struct {
	t                   *testing.T
	bin                 string
	env                 []string // settings shared by the replicas: database, Redis, token issuer
	db                  config.Config
	google              *authtest.Provider
	replicas            []*replica
	proxy               *process
	httpPort, httpsPort int
	healthPort          int
	certFile            string
	certPool            *x509.CertPool
}

// replica is one inkwell process and the port it keeps across restarts.
type replica struct {
	name string
	port int
	proc *process
}

// process is a child whose output the test reads (access log lines).
type process struct {
	cmd  *exec.Cmd
	out  *testsupport.SyncBuffer
	done chan error
}

func start(t *testing.T, dir string, env []string, name string, args ...string) *process {
	t.Helper()
	p := &process{out: &testsupport.SyncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(name, args...)
	p.cmd.Dir = dir
	p.cmd.Env = env
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	require.NoError(t, p.cmd.Start(), "start %s", name)
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			t.Logf("%s killed: %v", name, <-p.done)
		}
		if t.Failed() {
			t.Logf("output of %s %v:\n%s", name, args, tail(p.out.String(), 40))
		}
	})
	return p
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// requireTools fails under CI (and skips elsewhere) when HAProxy, MariaDB
// or Redis are missing: this test is the deployment's end-to-end check.
func requireTools(t *testing.T) {
	if os.Getenv("TEST_REDIS_URL") == "" {
		if dbtest.Required() {
			t.Fatalf("CI=true but TEST_REDIS_URL is not set: replicas share their cache through Redis")
		}
		t.Skip("TEST_REDIS_URL not set; this test runs in CI")
	}
	if _, err := exec.LookPath("haproxy"); err != nil {
		if dbtest.Required() {
			t.Fatalf("CI=true but haproxy is not installed: %v", err)
		}
		t.Skip("haproxy not installed")
	}
	if !dbtest.MySQLConfigured() {
		if dbtest.Required() {
			t.Fatalf("CI=true but MYSQL_HOST is not set: the replicas share a MariaDB database")
		}
		t.Skip("MYSQL_HOST not set; this test runs in CI")
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// newStack builds the binary, migrates a fresh MariaDB database, starts two
// replicas and HAProxy, and waits until HAProxy serves /readyz.
func newStack(t *testing.T) *stack {
	requireTools(t)
	dir := t.TempDir()
	s := &stack{t: t, bin: filepath.Join(dir, "inkwell")}

	build := exec.Command("go", "build", "-o", s.bin, ".")
	build.Dir = repoRoot
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	s.db = dbtest.Config(t, "mysql")
	// Google stands outside: a local JWKS whose tokens every replica accepts.
	s.google = authtest.NewProvider(t)
	s.env = append(append(os.Environ(), dbtest.Env(s.db)...), s.google.Env()...)
	s.env = append(s.env, "REDIS_URL="+os.Getenv("TEST_REDIS_URL"), "CACHE_KEY_PREFIX="+s.db.MySQL.Database+":")
	// The load below writes far faster than a person; the limits have their
	// own tests (tests/ratelimit_test.go), here they would only get in the way.
	s.env = append(s.env, "RATE_LIMIT_WRITES=off")
	migrate := exec.Command(s.bin, "migrate", "up")
	migrate.Dir, migrate.Env = dir, s.env
	out, err = migrate.CombinedOutput()
	require.NoError(t, err, "inkwell migrate up: %s", out)

	for i := 1; i <= 2; i++ {
		r := &replica{name: fmt.Sprintf("app%d", i), port: freePort(t)}
		s.replicas = append(s.replicas, r)
		s.startReplica(r)
	}

	s.certFile = filepath.Join(dir, "site.pem")
	s.certPool = writeCert(t, s.certFile)
	var servers []string
	for _, r := range s.replicas {
		servers = append(servers, fmt.Sprintf("%s 127.0.0.1:%d", r.name, r.port))
	}
	s.proxy, s.httpPort, s.httpsPort, s.healthPort = s.startProxy(servers)

	for _, r := range s.replicas {
		s.waitServing(r)
	}
	return s
}

// startProxy starts HAProxy with deploy/haproxy/haproxy.cfg, its replicas
// block replaced by servers ("name host:port"), on fresh ports.
func (s *stack) startProxy(servers []string) (p *process, httpPort, httpsPort, healthPort int) {
	dir := s.t.TempDir()
	httpPort, httpsPort, healthPort = freePort(s.t), freePort(s.t), freePort(s.t)
	cfgFile := filepath.Join(dir, "haproxy.cfg")
	require.NoError(s.t, os.WriteFile(cfgFile, []byte(haproxyConfig(s.t, servers)), 0o600))
	proxyEnv := append(os.Environ(),
		fmt.Sprintf("HTTP_PORT=%d", httpPort), fmt.Sprintf("HTTPS_PORT=%d", httpsPort),
		fmt.Sprintf("HEALTH_PORT=%d", healthPort), "TLS_CERT="+s.certFile,
		"PUBLIC_HOSTS=inkwell.local localhost", fmt.Sprintf("HTTPS_REDIRECT_PORT=:%d", httpsPort))
	check := exec.Command("haproxy", "-c", "-f", cfgFile)
	check.Env = proxyEnv
	out, err := check.CombinedOutput()
	require.NoError(s.t, err, "haproxy -c: %s", out)
	require.NotContains(s.t, string(out), "WARNING", "haproxy -c: %s", out)
	return start(s.t, dir, proxyEnv, "haproxy", "-db", "-f", cfgFile), httpPort, httpsPort, healthPort
}

func (s *stack) startReplica(r *replica) {
	env := append(append([]string{}, s.env...),
		fmt.Sprintf("HTTP_PORT=%d", r.port),
		// HAProxy connects from loopback: only it may set X-Forwarded-*.
		"TRUSTED_PROXIES=127.0.0.1",
		// Longer than HAProxy needs to see /readyz fail (fall 2 x inter 1s).
		"SHUTDOWN_DRAIN_DELAY=3s",
		"SHUTDOWN_TIMEOUT=10s")
	r.proc = start(s.t, s.t.TempDir(), env, s.bin, "serve")
	require.Eventually(s.t, func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", r.port))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 100*time.Millisecond, "%s never became ready", r.name)
}

// haproxyConfig is deploy/haproxy/haproxy.cfg with its replicas block (a
// DNS server-template in Kubernetes) replaced by local servers.
func haproxyConfig(t *testing.T, servers []string) string {
	src, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "haproxy", "haproxy.cfg"))
	require.NoError(t, err)
	block := regexp.MustCompile(`(?s)(# --- replicas: begin ---\n).*?(\s*# --- replicas: end ---)`)
	require.Regexp(t, block, string(src), "haproxy.cfg lost its replicas markers")
	var lines strings.Builder
	for _, srv := range servers {
		fmt.Fprintf(&lines, "    server %s\n", srv)
	}
	return block.ReplaceAllString(string(src), "${1}"+strings.ReplaceAll(lines.String(), "$", "$$")+"${2}")
}

// writeCert writes a self-signed certificate for localhost to certFile and
// its key to certFile+".key" (HAProxy's ssl-load-extra-files layout).
func writeCert(t *testing.T, certFile string) *x509.CertPool {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "inkwell.local"},
		DNSNames:     []string{"inkwell.local", "localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(certFile+".key", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// client speaks HTTPS to HAProxy, trusting only the generated certificate.
func (s *stack) client(minTLS, maxTLS uint16) *http.Client {
	return &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: s.certPool, MinVersion: minTLS, MaxVersion: maxTLS},
			MaxIdleConnsPerHost: 8,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (s *stack) url(path string) string {
	return fmt.Sprintf("https://localhost:%d%s", s.httpsPort, path)
}

// proxyLog finds HAProxy's JSON access log line of request id.
func proxyLog(t *testing.T, p *process, id string) map[string]any {
	sc := bufio.NewScanner(strings.NewReader(p.out.String()))
	for sc.Scan() {
		if !strings.Contains(sc.Text(), `"request_id":"`+id+`"`) {
			continue
		}
		var line map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "HAProxy log line is not JSON: %s", sc.Text())
		return line
	}
	return nil
}

// waitServing waits until HAProxy routes load to r: a request id sent
// through HAProxy shows up in r's access log.
func (s *stack) waitServing(r *replica) {
	c := s.client(tls.VersionTLS12, 0)
	require.Eventually(s.t, func() bool {
		id := fmt.Sprintf("probe-%s-%d", r.name, time.Now().UnixNano())
		req, _ := http.NewRequest(http.MethodGet, s.url("/healthz"), http.NoBody)
		req.Header.Set("X-Request-Id", id)
		resp, err := c.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return strings.Contains(r.proc.out.String(), `"request_id":"`+id+`"`)
	}, 30*time.Second, 50*time.Millisecond, "HAProxy never routed to %s", r.name)
}

// accessLog finds the access log line of request id in any replica.
func (s *stack) accessLog(id string) map[string]any {
	for _, r := range s.replicas {
		sc := bufio.NewScanner(strings.NewReader(r.proc.out.String()))
		for sc.Scan() {
			if !strings.Contains(sc.Text(), `"request_id":"`+id+`"`) {
				continue
			}
			var line map[string]any
			require.NoError(s.t, json.Unmarshal(sc.Bytes(), &line))
			return line
		}
	}
	return nil
}

// stop sends SIGTERM to r and checks the drain sequence: /readyz fails
// while the replica still serves, then the process exits cleanly.
func (s *stack) stop(r *replica) {
	require.NoError(s.t, r.proc.cmd.Process.Signal(syscall.SIGTERM))
	require.Eventually(s.t, func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", r.port))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	}, 5*time.Second, 50*time.Millisecond, "%s must fail /readyz while draining", r.name)
	select {
	case err := <-r.proc.done:
		require.NoError(s.t, err, "%s must exit 0 after SIGTERM", r.name)
	case <-time.After(30 * time.Second):
		s.t.Fatalf("%s did not exit after SIGTERM", r.name)
	}
}
