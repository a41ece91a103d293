// Package cachetest gives tests a Redis to share: TEST_REDIS_URL, with a
// fresh key prefix per test so parallel runs never see each other's keys.
// Under CI (CI=true) a missing TEST_REDIS_URL fails the test.
package cachetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"testing"

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
