// Package apptest runs the real inkwell binary for black-box tests: it
// builds it once per test process, starts it on a free port with the
// environment a test gives, and stops it with SIGTERM like Kubernetes does.
package apptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"inkwell/testsupport"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// RepoRoot finds the module root (the folder holding go.mod).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if b, _ := os.ReadFile(filepath.Join(dir, "go.mod")); bytes.HasPrefix(b, []byte("module inkwell\n")) {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("apptest: go.mod of module inkwell not found above the working directory")
		}
		dir = parent
	}
}

// Binary builds bin/inkwell into a temporary folder once and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "inkwell-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "inkwell")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("apptest: go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Main runs a package's tests and then removes the binary Binary built
// (about 80 MB a run, which nothing else would delete). Call it from the
// package's TestMain: os.Exit(apptest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if binPath != "" {
		if err := os.RemoveAll(filepath.Dir(binPath)); err != nil {
			fmt.Fprintln(os.Stderr, "apptest: remove the test binary:", err)
		}
	}
	return code
}

// App is one running inkwell process.
type App struct {
	URL  string
	Port int
	// MetricsURL is the process's /metrics (METRICS_ADDR, a port of its own).
	MetricsURL string
	cmd        *exec.Cmd
	out        *testsupport.SyncBuffer
	done       chan struct{}
	err        error
}

// FreePort asks the kernel for a free loopback port.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs `inkwell serve` with env (on top of a clean environment) in a
// temporary working directory and waits until /healthz answers. The process
// is stopped when the test ends.
func Start(t testing.TB, env ...string) *App {
	t.Helper()
	port := FreePort(t)
	a := &App{Port: port, URL: fmt.Sprintf("http://127.0.0.1:%d", port), out: &testsupport.SyncBuffer{}, done: make(chan struct{})}
	a.cmd = exec.Command(Binary(t), "serve")
	a.cmd.Dir = WorkDir(t)
	// Each process its own metrics port: the default would collide between
	// processes of one test run. env may override it.
	a.MetricsURL = fmt.Sprintf("http://127.0.0.1:%d/metrics", FreePort(t))
	a.cmd.Env = append(baseEnv(), append([]string{fmt.Sprintf("HTTP_PORT=%d", port),
		"METRICS_ADDR=" + strings.TrimSuffix(strings.TrimPrefix(a.MetricsURL, "http://"), "/metrics")}, env...)...)
	a.cmd.Stdout = a.out
	a.cmd.Stderr = a.out
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("apptest: start inkwell: %v", err)
	}
	go func() { a.err = a.cmd.Wait(); close(a.done) }()
	t.Cleanup(func() {
		a.Stop(t)
		if t.Failed() {
			t.Logf("inkwell output:\n%s", a.Logs())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-a.done:
			t.Fatalf("apptest: inkwell exited before serving: %v\n%s", a.err, a.Logs())
		default:
		}
		resp, err := http.Get(a.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("apptest: inkwell did not answer /healthz within 30s\n%s", a.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Signal sends sig to the process without waiting for it to exit.
func (a *App) Signal(sig os.Signal) error { return a.cmd.Process.Signal(sig) }

// Stop sends SIGTERM, waits for the exit and returns the exit code.
func (a *App) Stop(t testing.TB) int {
	select {
	case <-a.done:
	default:
		_ = a.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-a.done:
		case <-time.After(40 * time.Second):
			_ = a.cmd.Process.Kill()
			<-a.done
			t.Errorf("apptest: inkwell did not stop within 40s of SIGTERM")
		}
	}
	return a.cmd.ProcessState.ExitCode()
}

// Logs returns everything the process printed so far.
func (a *App) Logs() string { return a.out.String() }

// Run executes the binary with args and env to completion and returns its
// combined output and exit code.
func Run(t testing.TB, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), args...)
	cmd.Dir = WorkDir(t)
	cmd.Env = append(baseEnv(), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("apptest: run inkwell %v: %v", args, err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// WorkDir makes a working directory laid out like the container's: the
// binary runs next to a copy of conf/app.conf (Beego reads it from there).
func WorkDir(t testing.TB) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile(filepath.Join(root, "conf", "app.conf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "app.conf"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// baseEnv keeps PATH and HOME but none of the developer's Inkwell settings.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PATH", "HOME", "TMPDIR", "LANG":
			env = append(env, kv)
		}
	}
	return env
}
