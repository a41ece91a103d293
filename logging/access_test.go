package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"inkwell/logging"
)

// The access line's own encoder writes the same JSON object as slog's JSON
// handler would for the same record, whatever the path holds, with and
// without a span and a proxy-reported client.
func TestLogAccess_WritesWhatTheJSONHandlerWould(t *testing.T) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	spanCtx, span := tp.Tracer("t").Start(context.Background(), "req")
	defer span.End()
	lines := []logging.Access{
		{RequestID: "0011223344556677", Method: "GET", Path: "/api/v1/posts/1", Status: 200,
			Duration: 1234567 * time.Nanosecond, Bytes: 1407, Remote: "127.0.0.1:5555"},
		{RequestID: "r", Method: "POST", Path: "/a\"b\\c</script>&\x01\u00e9\xff/\u2028", Status: 500,
			Duration: 3 * time.Second, Bytes: 0, Remote: "[::1]:1", ClientIP: "203.0.113.9", Scheme: "https"},
		{Method: "GET", Path: "/", Status: 0, Duration: 0},
	}
	for _, ctx := range []context.Context{context.Background(), spanCtx} {
		for i, a := range lines {
			for _, level := range []slog.Level{slog.LevelInfo, slog.LevelError} {
				var fast, slow bytes.Buffer
				logging.LogAccess(ctx, logging.New(&fast, "prod"), level, &a)
				// A logger derived with attributes takes the general path
				// (through slog); an empty With keeps the same output.
				logging.LogAccess(ctx, slog.New(logging.WithTraceIDs(slog.NewJSONHandler(&slow, nil))), level, &a)
				require.Equal(t, 1, strings.Count(fast.String(), "\n"), "line %d: %s", i, fast.String())
				got, want := lastLine(t, &fast), lastLine(t, &slow)
				gotTime, err := time.Parse(time.RFC3339Nano, got["time"].(string))
				require.NoError(t, err)
				assert.WithinDuration(t, time.Now(), gotTime, time.Minute)
				delete(got, "time")
				delete(want, "time")
				assert.Equal(t, want, got, "line %d at %v: %s", i, level, fast.String())
			}
		}
	}
}

// The line respects the logger's level, and lines written at once from
// many goroutines (with the handler's own lines among them) never mix.
func TestLogAccess_LevelAndWholeLines(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(&buf, "prod")
	logging.LogAccess(context.Background(), log, slog.LevelDebug, &logging.Access{Path: "/quiet"})
	assert.Empty(t, buf.String(), "a debug line in prod")

	var wg sync.WaitGroup
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				logging.LogAccess(context.Background(), log, slog.LevelInfo,
					&logging.Access{Method: "GET", Path: "/" + strings.Repeat("x", 100*g), Status: 200})
				log.Info("other", "n", g)
			}
		}()
	}
	wg.Wait()
	out := strings.TrimSpace(buf.String())
	n := 0
	for _, line := range strings.Split(out, "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		n++
	}
	assert.Equal(t, 2000, n)
}
