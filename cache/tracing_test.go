package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"inkwell/cache"
	"inkwell/cache/cachetest"
)

// With a tracer provider every Redis command is a child span of the
// request's span, including reads answered from local memory.
func TestRedis_CommandsAreChildSpans(t *testing.T) {
	url := cachetest.RedisURL(t)
	prefix := cachetest.Prefix()
	cachetest.DeleteAfter(t, url, prefix)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	r, err := cache.NewRedis(context.Background(), url, prefix, cache.WithTracerProvider(tp))
	require.NoError(t, err)
	defer r.Close()

	ctx, parent := tp.Tracer("test").Start(context.Background(), "request")
	require.NoError(t, r.Set(ctx, "post:1:v", []byte("tok"), time.Minute))
	tok, _, err := r.GetVersioned(ctx, "post:1:v", "post:1:", "")
	require.NoError(t, err)
	assert.Equal(t, "tok", tok)
	parent.End()

	var ops []string
	for _, s := range exp.GetSpans() {
		// Dials (and NewRedis's PING, made without a request) are not
		// commands of the request.
		if s.Name == "request" || s.Name == "redis.dial" || !s.Parent.IsValid() {
			continue
		}
		ops = append(ops, s.Name)
		assert.Equal(t, parent.SpanContext().SpanID(), s.Parent.SpanID(), s.Name)
	}
	// SET, then GetVersioned's GET of the token and its cached GET.
	assert.Equal(t, []string{"SET", "GET", "GET"}, ops)
}
