package tests

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"inkwell/auth/authtest"
)

// buildInkwell builds the real binary into the test's temporary folder.
func buildInkwell(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "inkwell")
	out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// childEnv is the parent's environment without any Inkwell setting, plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "GOOGLE_"), strings.HasPrefix(name, "AUTH_"), strings.HasPrefix(name, "MYSQL_"),
			strings.HasPrefix(name, "DB_"), strings.HasPrefix(name, "SQLITE_"), name == "RUNMODE", name == "HTTP_PORT":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// The built binary, as deployed: prod refuses unsafe sign-in settings with
// a clear message, serves Google tokens only, and dev login works in dev.
func TestBinary_AuthSettings(t *testing.T) {
	bin := buildInkwell(t)
	t.Run("prod refusals", func(t *testing.T) { prodRefusals(t, bin) })
	t.Run("prod serves Google tokens only", func(t *testing.T) { prodServesGoogleTokensOnly(t, bin) })
	t.Run("dev login outside prod", func(t *testing.T) { devLoginOutsideProd(t, bin) })
}

func prodRefusals(t *testing.T, bin string) {
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"dev login in prod", []string{"RUNMODE=prod", "AUTH_DEV_LOGIN=true", "GOOGLE_CLIENT_ID=web.apps.googleusercontent.com"},
			"AUTH_DEV_LOGIN=true is refused when RUNMODE=prod"},
		{"no client id in prod", []string{"RUNMODE=prod"}, "GOOGLE_CLIENT_ID is required when RUNMODE=prod"},
		{"blank client id in prod", []string{"RUNMODE=prod", "GOOGLE_CLIENT_ID= , "}, "GOOGLE_CLIENT_ID is required when RUNMODE=prod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "serve")
			cmd.Dir = ".."
			cmd.Env = childEnv(append(tc.env, "SQLITE_PATH="+filepath.Join(t.TempDir(), "i.db"), "HTTP_PORT="+freePort(t))...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			require.True(t, errors.As(err, &exit), "the process must exit by itself with an error, got %v; stdout: %s", err, stdout.String())
			assert.Equal(t, 1, exit.ExitCode())
			assert.Contains(t, stderr.String(), tc.want)
			assert.NotContains(t, stdout.String(), "listening", "it must refuse before serving")
		})
	}
}

func prodServesGoogleTokensOnly(t *testing.T, bin string) {
	google := authtest.NewProvider(t)
	base := startInkwell(t, bin, append(google.Env(), "RUNMODE=prod")...)

	resp := mustGet(t, base+"/api/v1/me", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "Bearer", resp.Header.Get("WWW-Authenticate"))
	resp = mustGet(t, base+"/api/v1/me", bearer(google.Token(t, "8", "p@example.com", "Prod")))
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	login, err := http.Post(base+"/auth/dev-login", "application/json", strings.NewReader(`{"name":"alice"}`))
	require.NoError(t, err)
	login.Body.Close()
	assert.Equal(t, http.StatusNotFound, login.StatusCode)
}

func devLoginOutsideProd(t *testing.T, bin string) {
	google := authtest.NewProvider(t)
	base := startInkwell(t, bin, append(google.Env(), "RUNMODE=dev", "AUTH_DEV_LOGIN=true")...)
	login, err := http.Post(base+"/auth/dev-login", "application/json", strings.NewReader(`{"name":"bob"}`))
	require.NoError(t, err)
	defer login.Body.Close()
	require.Equal(t, http.StatusOK, login.StatusCode)
	var body struct{ Token string }
	require.NoError(t, jsonDecode(login, &body))
	resp := mustGet(t, base+"/api/v1/me", bearer(body.Token))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// startInkwell runs the binary on SQLite with env until the test ends and
// returns its base URL once /healthz answers.
func startInkwell(t *testing.T, bin string, env ...string) string {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(bin, "serve")
	cmd.Dir = ".."
	cmd.Env = childEnv(append(env, "HTTP_PORT="+port, "SQLITE_PATH="+filepath.Join(t.TempDir(), "i.db"))...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	base := "http://127.0.0.1:" + port
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("inkwell exited early: %v\n%s", err, out.String())
		default:
		}
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("inkwell did not answer /healthz in time\n%s", out.String())
	return ""
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func mustGet(t *testing.T, url, authorization string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}
