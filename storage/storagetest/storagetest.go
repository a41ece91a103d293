// Package storagetest gives tests each kind of bucket Inkwell runs on: a
// local folder, and an S3 bucket on an in-process S3-protocol server
// (gofakes3) reached through the AWS SDK exactly as a real bucket is.
package storagetest

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"inkwell/storage"
)

// Kinds names the buckets Each runs on.
var Kinds = []string{"file", "s3"}

// Each runs fn as a subtest on a fresh local folder and on a fresh S3 bucket.
func Each(t *testing.T, fn func(t *testing.T, b *storage.Bucket)) {
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) { fn(t, Open(t, kind)) })
	}
}

// Open returns a fresh, empty bucket of kind, closed after the test.
func Open(t *testing.T, kind string) *storage.Bucket {
	t.Helper()
	var b *storage.Bucket
	var err error
	switch kind {
	case "file":
		b, err = storage.Open(context.Background(), "file://"+filepath.ToSlash(t.TempDir()))
	case "s3":
		b, err = storage.Open(context.Background(), S3URL(t, "media"))
	default:
		t.Fatalf("storagetest: unknown kind %q", kind)
	}
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

// fakeCredentials is the AWS environment the in-process server accepts
// (and nothing that could reach a real account).
func fakeCredentials(dir string) map[string]string {
	return map[string]string{"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"),
		"AWS_EC2_METADATA_DISABLED": "true"}
}

// UseFakeCredentials sets the fake AWS environment for the whole process:
// for a TestMain whose package's tests run in parallel (t.Setenv, which
// S3URL uses, refuses parallel tests), before OpenParallel.
func UseFakeCredentials() error {
	for k, v := range fakeCredentials(os.TempDir()) {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// S3URL starts an in-process S3 server with an empty bucket and returns
// its STORAGE_URL; credentials come from the AWS_* environment.
func S3URL(t *testing.T, bucket string) string {
	t.Helper()
	for k, v := range fakeCredentials(t.TempDir()) {
		t.Setenv(k, v)
	}
	return s3Server(t, bucket)
}

// OpenParallel is Open for parallel tests: the S3 kind needs the
// process-wide environment of UseFakeCredentials.
func OpenParallel(t testing.TB, kind string) *storage.Bucket {
	t.Helper()
	rawURL := "file://" + filepath.ToSlash(t.TempDir())
	if kind == "s3" {
		require.Equal(t, "test-key", os.Getenv("AWS_ACCESS_KEY_ID"), "storagetest: call UseFakeCredentials in TestMain first")
		rawURL = s3Server(t, "media")
	}
	b, err := storage.Open(context.Background(), rawURL)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func s3Server(t testing.TB, bucket string) string {
	server := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(server.Close)
	client := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(server.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test-key", "test-secret", "")})
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	return "s3://" + bucket + "?endpoint=" + url.QueryEscape(server.URL) + "&region=eu-west-1"
}
