// Package cachetest gives tests a Redis to share: TEST_REDIS_URL, with a
// fresh key prefix per test so parallel runs never see each other's keys.
// Under CI (CI=true) a missing TEST_REDIS_URL fails the test.
package cachetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"inkwell/cache"
)

// RedisURL is TEST_REDIS_URL; without it the test is skipped, or failed
// under CI=true.
func RedisURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("cachetest: CI=true but TEST_REDIS_URL is not set: the Redis-backed tests must run in CI")
		}
		t.Skip("TEST_REDIS_URL not set; Redis tests run in CI")
	}
	return url
}

// Prefix is a key prefix no other test uses.
func Prefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "test:" + hex.EncodeToString(b[:]) + ":"
}

// Redis is a Redis cache under a fresh prefix, closed (and its keys
// removed) after the test.
func Redis(t testing.TB) *cache.Redis {
	t.Helper()
	prefix := Prefix()
	r, err := cache.NewRedis(context.Background(), RedisURL(t), prefix)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	DeleteAfter(t, RedisURL(t), prefix)
	return r
}

// DeleteAfter removes every key under prefix from the Redis at url when
// the test ends, so a shared Redis does not collect test keys.
func DeleteAfter(t testing.TB, url, prefix string) {
	t.Helper()
	opts, err := redis.ParseURL(url)
	require.NoError(t, err)
	t.Cleanup(func() {
		client := redis.NewClient(opts)
		defer func() { _ = client.Close() }()
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
}

// Server is a redis-server of the test's own, for tests that restart Redis
// or count the commands it processes (a shared server would see other
// tests' traffic).
type Server struct {
	URL  string
	port int
	dir  string
	cmd  *exec.Cmd
}

// StartServer starts redis-server on a free loopback port and stops it
// after the test. Without the binary the test is skipped, or failed under
// CI=true.
func StartServer(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("cachetest: CI=true but redis-server is not installed")
		}
		t.Skip("redis-server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	s := &Server{URL: "redis://127.0.0.1:" + strconv.Itoa(port) + "/0", port: port, dir: t.TempDir()}
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Start (re)starts the server with an empty data set.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	s.cmd = exec.Command("redis-server", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--dir", s.dir, "--save", "", "--appendonly", "no")
	require.NoError(t, s.cmd.Start())
	opts, err := redis.ParseURL(s.URL)
	require.NoError(t, err)
	client := redis.NewClient(opts)
	defer func() { _ = client.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for client.Ping(context.Background()).Err() != nil {
		require.True(t, time.Now().Before(deadline), "redis-server on port %d did not start", s.port)
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server at once (no shutdown, like a crash).
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// CommandsProcessed is the server's total_commands_processed.
func (s *Server) CommandsProcessed(t testing.TB) int64 {
	t.Helper()
	opts, err := redis.ParseURL(s.URL)
	require.NoError(t, err)
	client := redis.NewClient(opts)
	defer func() { _ = client.Close() }()
	info, err := client.Info(context.Background(), "stats").Result()
	require.NoError(t, err)
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "total_commands_processed:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no total_commands_processed in INFO stats")
	return 0
}
