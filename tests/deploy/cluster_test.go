package deploy_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
)

// TestRealCluster is issue 20's proof on a real Kubernetes: the CI step
// .ci/steps/cluster.sh brings a single-node cluster up (.ci/cluster/up.sh),
// imports the images it built from the Dockerfile, and runs this test with
// CLUSTER_KUBECONFIG set. It applies k8s/overlays/minikube as a user would
// (plain `kubectl apply -k` of the overlay with a build tag), checks the
// stack through HAProxy over TLS, rolls the app out to a new image and
// restarts HAProxy under a steady load (zero failed requests, no duplicated
// write), re-applies, and backs MySQL up and restores it with the runbook.
// Without CLUSTER_KUBECONFIG it is skipped: `make test` needs no cluster.
func TestRealCluster(t *testing.T) {
	kubeconfig := os.Getenv("CLUSTER_KUBECONFIG")
	if kubeconfig == "" {
		t.Skip("CLUSTER_KUBECONFIG not set: the real-cluster step (.ci/steps/cluster.sh) runs this")
	}
	k := &kube{t: t, kubectl: os.Getenv("CLUSTER_KUBECTL"), env: append(os.Environ(), "KUBECONFIG="+kubeconfig)}
	work := os.Getenv("CLUSTER_WORK")
	nodeIP := os.Getenv("CLUSTER_NODE_IP")
	tags := strings.Fields(os.Getenv("CLUSTER_TAGS"))
	require.Len(t, tags, 2, "CLUSTER_TAGS: the image to install and the one to roll out")
	require.NotEmpty(t, nodeIP)
	require.NotEmpty(t, work)
	k.env = append(k.env, "PATH="+filepath.Dir(k.kubectl)+":"+os.Getenv("PATH"), "LOCAL_CA_DIR="+filepath.Join(work, "ca"))

	// Google stands outside: its JWKS is served from this machine on the
	// node address, where the pods can reach it.
	google := authtest.NewProvider(t)
	certsURL := relayJWKS(t, nodeIP, google.CertsURL)

	step := func(name string) { t.Logf("[%s] %s", time.Now().UTC().Format("15:04:05"), name) }

	step("storage: hostPath volumes for MySQL's data and its backups (there is no provisioner)")
	for _, dir := range []string{"mysql-data", "mysql-backups"} {
		require.NoError(t, os.MkdirAll(filepath.Join(work, dir), 0o700))
		require.NoError(t, os.Chown(filepath.Join(work, dir), 999, 999))
	}
	k.apply(fmt.Sprintf(persistentVolumes, filepath.Join(work, "mysql-data"), filepath.Join(work, "mysql-backups")))

	step("namespace and Secrets, as deploy/minikube-up.sh makes them")
	k.run("create", "namespace", "inkwell")
	k.script("deploy/create-secrets.sh", "inkwell", "inkwell.local", nodeIP)

	overlay := func(tag string) string {
		dir := filepath.Join(work, "overlay-"+tag)
		k.script("deploy/tagged-overlay.sh", "k8s/overlays/minikube", tag, dir)
		// CI only: the Google stand-in above instead of Google.
		f, err := os.OpenFile(filepath.Join(dir, "kustomization.yaml"), os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = fmt.Fprintf(f, "configMapGenerator:\n  - name: inkwell-config\n    behavior: merge\n    literals:\n      - GOOGLE_CERTS_URL=%s\n      - GOOGLE_CLIENT_ID=%s\n", certsURL, google.ClientID)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		return dir
	}

	step("install: kubectl apply -k, image " + tags[0])
	first := overlay(tags[0])
	k.run("apply", "-k", first)
	k.run("-n", "inkwell", "rollout", "status", "statefulset/mysql", "--timeout=300s")
	k.run("-n", "inkwell", "wait", "--for=condition=complete", "job/inkwell-migrate-"+tags[0], "--timeout=300s")
	// The app's pods ready (its rollout also waits minReadySeconds, which
	// only matters once there are old pods to replace), then HAProxy, which
	// is ready only with a replica up behind it.
	k.run("-n", "inkwell", "rollout", "status", "deployment/redis", "--timeout=300s")
	k.run("-n", "inkwell", "wait", "--for=condition=Ready", "pod", "-l", "app.kubernetes.io/component=app", "--timeout=300s")
	k.run("-n", "inkwell", "rollout", "status", "deployment/haproxy", "--timeout=300s")

	caPEM, err := os.ReadFile(filepath.Join(work, "ca", "ca.crt"))
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	c := edgeClient(pool, nodeIP)
	base := "https://inkwell.local:30443"

	step("through HAProxy over TLS: readiness, HSTS, the PWA, the redirect, a signed-in write and read")
	resp, body := get(t, c, base+"/readyz", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "max-age=63072000; includeSubDomains", resp.Header.Get("Strict-Transport-Security"))
	resp, body = get(t, c, base+"/", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `rel="manifest"`)
	resp, body = get(t, c, base+"/sw.js", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "addEventListener('fetch'")
	resp, _ = get(t, c, "http://inkwell.local:30080/posts?x=1", nil)
	assert.Equal(t, http.StatusPermanentRedirect, resp.StatusCode)
	assert.Equal(t, base+"/posts?x=1", resp.Header.Get("Location"))
	token := google.Token(t, "cluster-reader", "reader@example.com", "Reader")
	out, err := call(c, http.MethodPost, base+"/api/v1/posts", token, `{"title":"cluster smoke","body_markdown":"hello *cluster*","status":"published"}`, http.StatusCreated)
	require.NoError(t, err)
	id := regexp.MustCompile(`"id":(\d+)`).FindSubmatch(out)
	require.NotNil(t, id, "%s", out)
	out, err = call(c, http.MethodGet, base+"/api/v1/posts/"+string(id[1]), token, "", http.StatusOK)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"cluster smoke"`)
	version := k.output("-n", "inkwell", "exec", "deploy/inkwell-app", "-c", "inkwell", "--", "/app/inkwell", "version")
	assert.Contains(t, version, tags[0], "the binary carries its build tag")

	step("steady load; roll the app out to " + tags[1] + " with kubectl apply -k, then restart HAProxy")
	// Enough writers that the steady load (4 workers pausing 20 ms: at most
	// 100 writes/s, 15 per user per minute) stays inside the default write
	// budget of each (RATE_LIMIT_WRITES, 60 per
	// user per minute): the deployment is tested with its limits on, as a
	// user applies it, and a 429 counts as a failed request. The count is
	// odd so that request n's user (n mod count) and its operation (n mod
	// 4) are independent: with 64, creates and likes fell on 32 users only
	// and went over their budget.
	var tokens []string
	for i := range 401 {
		tokens = append(tokens, google.Token(t, fmt.Sprintf("cluster-writer-%d", i), fmt.Sprintf("cw%d@example.com", i), fmt.Sprintf("Writer %d", i)))
	}
	created := &ledger{}
	l := &load{client: edgeClient(pool, nodeIP), base: base, ops: postOperations(tokens, created), workers: 4, maxRequests: 200000, pause: 20 * time.Millisecond}
	ctx, stopLoad := context.WithCancel(context.Background())
	wait := l.run(ctx)
	// Sizing: what the app pods use under this load (cgroup v1 counters on
	// the node), reported for the production requests (docs/deploy.md).
	usage := k.podUsage("app.kubernetes.io/component=app")
	time.Sleep(15 * time.Second)
	k.reportUsage(usage, 15*time.Second, l)
	second := overlay(tags[1])
	started := time.Now()
	k.run("apply", "-k", second)
	k.run("-n", "inkwell", "wait", "--for=condition=complete", "job/inkwell-migrate-"+tags[1], "--timeout=300s")
	k.run("-n", "inkwell", "rollout", "status", "deployment/inkwell-app", "--timeout=600s")
	t.Logf("app rollout to %s took %s with %d requests so far", tags[1], time.Since(started).Round(time.Second), l.total())
	started = time.Now()
	k.run("-n", "inkwell", "rollout", "restart", "deployment/haproxy")
	k.run("-n", "inkwell", "rollout", "status", "deployment/haproxy", "--timeout=300s")
	// The old HAProxy pods finish their soft stop after the rollout reports done.
	time.Sleep(10 * time.Second)
	t.Logf("HAProxy rolling restart took %s", time.Since(started).Round(time.Second))
	stopLoad()
	wait()
	t.Logf("%d requests through HAProxy during the rollout and the restart, %d posts created, %d failed", l.total(), len(created.ids), len(l.failures))
	assert.Empty(t, l.failures, "no request may fail during a rollout or an HAProxy restart")
	assert.Greater(t, l.total(), int64(500), "the load must really have run")
	for _, img := range strings.Fields(k.output("-n", "inkwell", "get", "pods", "-l", "app.kubernetes.io/component=app", "-o", "jsonpath={.items[*].spec.containers[0].image}")) {
		assert.Equal(t, "inkwell:"+tags[1], img)
	}

	step("every acknowledged write is stored exactly once")
	rows := k.sql("SELECT id, title FROM posts WHERE title LIKE 'load %'")
	stored := map[int64]string{}
	for _, line := range strings.Split(strings.TrimSpace(rows), "\n") {
		if line == "" {
			continue
		}
		idStr, title, ok := strings.Cut(line, "\t")
		require.True(t, ok, line)
		n, err := strconv.ParseInt(idStr, 10, 64)
		require.NoError(t, err)
		stored[n] = title
	}
	assert.Equal(t, created.titles, stored)

	step("re-apply: the same image again changes nothing")
	// Judged by the server, not by kubectl's wording: client-side apply
	// prints "configured" for no-op patches of PodDisruptionBudgets,
	// NetworkPolicies and StatefulSets (integer-or-string fields).
	diff, err := k.exec(k.kubectl, "diff", "-k", second)
	assert.NoError(t, err, "kubectl diff finds changes in a re-apply of the same image:\n%s", diff)
	generations := func() string {
		return k.output("-n", "inkwell", "get", "deployment,statefulset,cronjob,job,pdb,networkpolicy", "-o",
			`jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.generation}{"\n"}{end}`)
	}
	gens := generations()
	k.run("apply", "-k", second)
	assert.Equal(t, gens, generations(), "re-applying the same image changed a spec")

	step("backup (the CronJob, run now) and restore (deploy/mysql-restore.sh)")
	k.run("-n", "inkwell", "create", "job", "--from=cronjob/mysql-backup", "mysql-backup-ci")
	k.run("-n", "inkwell", "wait", "--for=condition=complete", "job/mysql-backup-ci", "--timeout=300s")
	logs := k.output("-n", "inkwell", "logs", "job/mysql-backup-ci")
	file := regexp.MustCompile(`backup written: /backups/(inkwell-[0-9TZ]+\.sql\.gz)`).FindStringSubmatch(logs)
	require.NotNil(t, file, logs)
	before := strings.TrimSpace(k.sql("SELECT COUNT(*) FROM posts"))
	_, err = call(c, http.MethodPost, base+"/api/v1/posts", token, `{"title":"after the backup","body_markdown":"x","status":"published"}`, http.StatusCreated)
	require.NoError(t, err)
	require.NotEqual(t, before, strings.TrimSpace(k.sql("SELECT COUNT(*) FROM posts")))
	k.script("deploy/mysql-restore.sh", file[1])
	assert.Equal(t, before, strings.TrimSpace(k.sql("SELECT COUNT(*) FROM posts")), "the restore brings back the database as it was at the backup")
	resp, _ = get(t, c, base+"/readyz", nil) // the script waited for HAProxy to be ready
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the app serves again after the restore")
}

// kube runs kubectl and the deploy/ scripts against the cluster.
type kube struct {
	t       *testing.T
	kubectl string
	env     []string
}

// podCounters are one pod's CPU time and peak memory from its cgroup.
type podCounters struct {
	name     string
	cgroup   string
	cpuNanos int64
}

// cgroupV1 is where the v1 controllers' hierarchies are mounted.
const cgroupV1 = "/sys/fs/cgroup"

// podUsage reads the cgroups (v1, cgroupfs driver) of the pods matching selector.
func (k *kube) podUsage(selector string) []podCounters {
	k.t.Helper()
	var out []podCounters
	for _, line := range strings.Split(strings.TrimSpace(k.output("-n", "inkwell", "get", "pods", "-l", selector, "-o",
		`jsonpath={range .items[*]}{.metadata.name} {.metadata.uid} {.status.qosClass}{"\n"}{end}`)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		cg := fmt.Sprintf("kubepods/%s/pod%s", strings.ToLower(f[2]), f[1])
		out = append(out, podCounters{name: f[0], cgroup: cg, cpuNanos: readInt(filepath.Join(cgroupV1, "cpuacct", cg, "cpuacct.usage"))})
	}
	return out
}

// reportUsage logs each pod's CPU (cores, over d) and peak memory.
func (k *kube) reportUsage(before []podCounters, d time.Duration, l *load) {
	for _, p := range before {
		cpu := readInt(filepath.Join(cgroupV1, "cpuacct", p.cgroup, "cpuacct.usage")) - p.cpuNanos
		peak := readInt(filepath.Join(cgroupV1, "memory", p.cgroup, "memory.max_usage_in_bytes"))
		rss := readMemStat(filepath.Join(cgroupV1, "memory", p.cgroup, "memory.stat"), "total_rss")
		k.t.Logf("sizing: %s used %.3f CPU cores over %s, memory peak %d MiB (rss now %d MiB), %d requests in total so far",
			p.name, float64(cpu)/float64(d.Nanoseconds()), d, peak>>20, rss>>20, l.total())
	}
}

func readInt(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n
}

func readMemStat(path, key string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

// persistentVolumes are the two hostPath volumes, bound to the claims the
// overlay makes (MySQL's data, the backups).
const persistentVolumes = `
apiVersion: v1
kind: PersistentVolume
metadata:
  name: ci-mysql-data
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: %s}
  claimRef: {namespace: inkwell, name: data-mysql-0}
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: ci-mysql-backups
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: %s}
  claimRef: {namespace: inkwell, name: mysql-backups}
`

func (k *kube) exec(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = repoRoot
	cmd.Env = k.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (k *kube) run(args ...string) {
	k.t.Helper()
	out, err := k.exec(k.kubectl, args...)
	require.NoError(k.t, err, "kubectl %s:\n%s%s", strings.Join(args, " "), out, k.diagnose())
}

func (k *kube) output(args ...string) string {
	k.t.Helper()
	cmd := exec.Command(k.kubectl, args...)
	cmd.Dir, cmd.Env = repoRoot, k.env
	out, err := cmd.Output()
	var stderr []byte
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		stderr = ee.Stderr
	}
	require.NoError(k.t, err, "kubectl %s: %s", strings.Join(args, " "), stderr)
	return string(out)
}

func (k *kube) script(path string, args ...string) {
	k.t.Helper()
	abs, err := filepath.Abs(filepath.Join(repoRoot, path))
	require.NoError(k.t, err)
	out, err := k.exec(abs, args...)
	require.NoError(k.t, err, "%s %s:\n%s%s", path, strings.Join(args, " "), out, k.diagnose())
	k.t.Logf("%s: %s", path, strings.TrimSpace(tail(out, 4)))
}

func (k *kube) apply(manifest string) {
	k.t.Helper()
	cmd := exec.Command(k.kubectl, "apply", "-f", "-")
	cmd.Env, cmd.Stdin = k.env, strings.NewReader(manifest)
	out, err := cmd.CombinedOutput()
	require.NoError(k.t, err, "kubectl apply: %s", out)
}

// sql runs a query in the MySQL pod as the app's user (tab-separated rows).
func (k *kube) sql(query string) string {
	k.t.Helper()
	return k.output("-n", "inkwell", "exec", "mysql-0", "--", "sh", "-c",
		`MYSQL_PWD="$MYSQL_PASSWORD" mysql -N -B -u "$MYSQL_USER" "$MYSQL_DATABASE" -e "$0"`, query)
}

// diagnose is what a failed step prints: pods, events, the last log lines.
func (k *kube) diagnose() string {
	var b strings.Builder
	for _, args := range [][]string{
		{"get", "pods", "-A", "-o", "wide"},
		{"-n", "inkwell", "get", "events", "--sort-by=.lastTimestamp"},
		{"-n", "inkwell", "logs", "-l", "app.kubernetes.io/name=inkwell", "--tail=20", "--all-containers", "--prefix"},
	} {
		out, _ := k.exec(k.kubectl, args...)
		fmt.Fprintf(&b, "\n$ kubectl %s\n%s", strings.Join(args, " "), tail(out, 40))
	}
	return b.String()
}

// edgeClient talks to HAProxy's NodePorts as a browser would to
// inkwell.local (an /etc/hosts entry), trusting only the local CA.
func edgeClient(pool *x509.CertPool, nodeIP string) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 20 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				_, port, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				return dialer.DialContext(ctx, network, net.JoinHostPort(nodeIP, port))
			},
			MaxIdleConnsPerHost: 8,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// relayJWKS serves the fake Google's keys on the node address (pods cannot
// reach the provider's loopback listener) and returns the URL.
func relayJWKS(t *testing.T, nodeIP, certsURL string) string {
	ln, err := net.Listen("tcp", net.JoinHostPort(nodeIP, "0"))
	require.NoError(t, err)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(certsURL)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for _, h := range []string{"Content-Type", "Cache-Control"} {
			w.Header().Set(h, resp.Header.Get(h))
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return fmt.Sprintf("http://%s/oauth2/v3/certs", ln.Addr())
}
