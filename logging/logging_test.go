package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"inkwell/logging"
)

func lastLine(t *testing.T, buf *bytes.Buffer) map[string]any {
	t.Helper()
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	var m map[string]any
	require.NoError(t, json.Unmarshal(lines[len(lines)-1], &m))
	return m
}

// A line logged inside a span names the trace and span; one logged
// without any carries no such fields.
func TestNew_LinesCarryTheSpansIDs(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(&buf, "prod").With("component", "test")
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	ctx, span := tp.Tracer("t").Start(context.Background(), "request")
	defer span.End()

	log.InfoContext(ctx, "inside")
	line := lastLine(t, &buf)
	assert.Equal(t, span.SpanContext().TraceID().String(), line["trace_id"])
	assert.Equal(t, span.SpanContext().SpanID().String(), line["span_id"])
	assert.Equal(t, true, line["trace_sampled"])
	assert.Equal(t, "test", line["component"])

	log.LogAttrs(context.Background(), slog.LevelInfo, "outside")
	line = lastLine(t, &buf)
	assert.NotContains(t, line, "trace_id")
	assert.NotContains(t, line, "span_id")
}
