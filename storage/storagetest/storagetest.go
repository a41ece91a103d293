// Package storagetest gives tests each kind of bucket Inkwell runs on: a
// local folder, and an S3 bucket on an in-process S3-protocol server
// (gofakes3) reached through the AWS SDK exactly as a real bucket is.
package storagetest

import (
	"context"
	"net/http/httptest"
	"net/url"
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

// S3URL starts an in-process S3 server with an empty bucket and returns
// its STORAGE_URL; credentials come from the AWS_* environment.
func S3URL(t *testing.T, bucket string) string {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "test-key")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	server := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(server.Close)
	client := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(server.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test-key", "test-secret", "")})
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	return "s3://" + bucket + "?endpoint=" + url.QueryEscape(server.URL) + "&region=eu-west-1"
}
