package importer

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"inkwell/storage"
)

// s3Source is a bucket prefix read with the AWS SDK. Credentials come from
// the standard chain; ?endpoint= selects an S3-compatible server (MinIO,
// Ceph, tests) addressed path-style. The client is storage.NewS3Client, the
// same configuration the media storage uses.
type s3Source struct {
	client   *s3.Client
	bucket   string
	prefix   string
	location string
}

func newS3Source(ctx context.Context, u *url.URL) (*s3Source, error) {
	loc, err := storage.ParseS3URL(u)
	if err != nil {
		return nil, fmt.Errorf("import: source: %w", err)
	}
	client, err := storage.NewS3Client(ctx, loc)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return &s3Source{client: client, bucket: loc.Bucket, prefix: loc.Prefix, location: "s3://" + loc.Bucket + "/" + loc.Prefix}, nil
}

func (s *s3Source) Location() string { return s.location }

func (s *s3Source) List(ctx context.Context) ([]File, error) {
	var files []File
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("import: list s3://%s/%s: %w", s.bucket, s.prefix, err)
		}
		for _, obj := range page.Contents {
			key := aws.ToString(obj.Key)
			if !isJSONLines(key) {
				continue
			}
			files = append(files, File{Name: key, Version: strings.Trim(aws.ToString(obj.ETag), `"`), Size: aws.ToInt64(obj.Size)})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}

func (s *s3Source) Open(ctx context.Context, f File) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(f.Name)}
	if f.Version != "" {
		// The object read is the one listed: a file replaced meanwhile fails
		// here instead of mixing two versions under one checkpoint.
		in.IfMatch = aws.String(`"` + f.Version + `"`)
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("import: get s3://%s/%s: %w", s.bucket, f.Name, err)
	}
	return out.Body, nil
}
