package storage

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3Location is what an s3:// URL names: a bucket, an optional key prefix
// and how to reach the server.
type S3Location struct {
	Bucket string
	// Prefix is the path after the bucket without its leading slash ("" for the whole bucket).
	Prefix string
	// Region defaults to us-east-1, which S3-compatible servers accept.
	Region string
	// Endpoint is an S3-compatible server (MinIO, Ceph, tests); "" for AWS.
	Endpoint string
	// PathStyle addresses the bucket in the path (endpoint/bucket/key)
	// rather than the host name; the default with an Endpoint.
	PathStyle bool
}

// ParseS3URL reads s3://bucket/prefix?region=…&endpoint=…&use_path_style=…
// Unknown parameters are refused so a misspelt one does not silently fall back to AWS.
func ParseS3URL(u *url.URL) (S3Location, error) {
	if u.Scheme != "s3" {
		return S3Location{}, fmt.Errorf("storage: %s is not an s3:// URL", u.Redacted())
	}
	if u.Host == "" {
		return S3Location{}, fmt.Errorf("storage: %s names no bucket", u.Redacted())
	}
	loc := S3Location{Bucket: u.Host, Region: "us-east-1"}
	if len(u.Path) > 1 {
		loc.Prefix = u.Path[1:]
	}
	pathStyle := ""
	for name, values := range u.Query() {
		v := values[0]
		switch name {
		case "region":
			if v != "" {
				loc.Region = v
			}
		case "endpoint":
			loc.Endpoint = v
		case "use_path_style":
			pathStyle = v
		default:
			return S3Location{}, fmt.Errorf("storage: %s: unknown parameter %q (want region, endpoint, use_path_style)", u.Redacted(), name)
		}
	}
	loc.PathStyle = loc.Endpoint != ""
	if pathStyle != "" {
		b, err := strconv.ParseBool(pathStyle)
		if err != nil {
			return S3Location{}, fmt.Errorf("storage: use_path_style must be true or false, got %q", pathStyle)
		}
		loc.PathStyle = b
	}
	return loc, nil
}

// NewS3Client is the one S3 client configuration of Inkwell, used by the
// media storage and by the importer. Credentials come from the standard
// chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// profiles, instance roles).
func NewS3Client(ctx context.Context, loc S3Location) (*s3.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(loc.Region))
	if err != nil {
		return nil, fmt.Errorf("storage: AWS configuration: %w", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if loc.Endpoint != "" {
			o.BaseEndpoint = aws.String(loc.Endpoint)
		}
		o.UsePathStyle = loc.PathStyle
		// Checksums only where S3 requires them: S3-compatible servers do
		// not all know the SDK's newer default checksums.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}), nil
}

// PublicBase is where the objects of loc are read over plain HTTP when the
// bucket (or the prefix) is public: endpoint/bucket path-style, else the
// bucket's virtual host on AWS.
func (loc S3Location) PublicBase() string {
	var base string
	switch {
	case loc.Endpoint != "" && loc.PathStyle:
		base = trimSlash(loc.Endpoint) + "/" + loc.Bucket
	case loc.Endpoint != "":
		if u, err := url.Parse(loc.Endpoint); err == nil {
			u.Host = loc.Bucket + "." + u.Host
			base = trimSlash(u.String())
		}
	default:
		base = "https://" + loc.Bucket + ".s3." + loc.Region + ".amazonaws.com"
	}
	if loc.Prefix != "" {
		base += "/" + trimSlash(loc.Prefix)
	}
	return base
}

func trimSlash(s string) string {
	for s != "" && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
