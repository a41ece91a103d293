package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"inkwell/auth"
	"inkwell/auth/authtest"
	"inkwell/cache"
	"inkwell/config"
	"inkwell/database/dbtest"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/logging"
	"inkwell/metrics"
	"inkwell/posts"
	"inkwell/routers"
	"inkwell/server"
	"inkwell/tracing"
	"inkwell/users"
)

// BenchmarkObservedPostRead is the CPU cost per cached GET
// /api/v1/posts/{id} of the three instrumentation levels, in-process and
// serial (no network, no wrk): the handler chain serve.go builds, JSON
// access log included, with
//
//	uninstrumented   no metrics, no tracing
//	metrics          the Prometheus registry (requests, histogram, cache)
//	metrics+tracing  the same plus tracing at the default sampler
//	                 (parentbased_traceidratio 0.1), spans batched and
//	                 exported over OTLP/HTTP to a local sink that decodes them
//	metrics+tracing-none-sampled  tracing on, no trace kept: the cost every
//	                 request pays whether sampled or not
//
// Compare ns/op; bench/observability.sh is the end-to-end figure.
func BenchmarkObservedPostRead(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(sink.Close)
	for _, variant := range []string{"uninstrumented", "metrics", "metrics+tracing", "metrics+tracing-none-sampled"} {
		b.Run(variant, func(b *testing.B) {
			h, postPath, token := observedApp(b, variant, sink.URL)
			b.ReportAllocs()
			cpuBefore := processCPU(b)
			b.ResetTimer()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, postPath, http.NoBody)
				req.Header.Set("Authorization", token)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
			b.StopTimer()
			// CPU time, unlike ns/op, is not charged while the process
			// waits for a core: on a shared machine it is the steadier figure.
			b.ReportMetric(float64(processCPU(b)-cpuBefore)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time (user + system) the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func observedApp(b *testing.B, variant, sinkURL string) (http.Handler, string, string) {
	db := dbtest.Open(b, "sqlite", true)
	google := authtest.NewProvider(b)
	cfg := config.Config{RunMode: "prod", DBDriver: "sqlite", MaxBodyBytes: 1 << 20}
	google.Configure(&cfg)
	log := logging.New(io.Discard, "prod")
	authn, err := auth.New(context.Background(), cfg, users.Directory{DB: db}, log)
	if err != nil {
		b.Fatal(err)
	}
	var postCache cache.Cache = cache.NewMemory(cache.DefaultMemoryBytes)
	var meter *metrics.Metrics
	var tr *tracing.Tracing
	if variant != "uninstrumented" {
		meter = metrics.New(metrics.Build{Version: "bench"})
		postCache = meter.Cache(postCache)
	}
	if strings.HasPrefix(variant, "metrics+tracing") {
		exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(sinkURL+"/v1/traces"))
		if err != nil {
			b.Fatal(err)
		}
		sampler, _ := tracing.SamplerFromEnv(func(string) string { return "" })
		if variant == "metrics+tracing-none-sampled" {
			// What every request pays whether or not its trace is kept.
			sampler = sdktrace.ParentBased(sdktrace.NeverSample())
		}
		tr = tracing.New(tracing.Build{Version: "bench"}, sdktrace.WithBatcher(exp), sampler)
		b.Cleanup(func() { _ = tr.Shutdown(5e9) })
	}
	app := routers.New(routers.Deps{Users: users.Directory{DB: db}, Ledger: ledger.NewService(db), Config: cfg, Log: log, DB: db, Auth: authn,
		Migrations: &schema.Runner{DB: db.SQL, Dialect: db.Dialect},
		Posts:      posts.NewService(db, postCache, log), Metrics: meter, Tracing: tr})
	h := server.Forwarded(nil, app.Handler(cfg.MaxBodyBytes))
	token := "Bearer " + google.Token(b, "1001", "obs@example.com", "Obs")

	body, _ := json.Marshal(map[string]any{"title": "A post", "status": "published", "tags": []string{"go"},
		"body_markdown": "# Heading\n\nSome **markdown** and a [link](https://example.com).\n\n- one\n- two\n"})
	req := httptest.NewRequest(http.MethodPost, "/api/v1/posts", bytes.NewReader(body))
	req.Header.Set("Authorization", token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var p posts.Post
	if err := json.NewDecoder(rec.Body).Decode(&p); err != nil || rec.Code != http.StatusCreated {
		b.Fatalf("create: %d %v", rec.Code, err)
	}
	path := fmt.Sprintf("/api/v1/posts/%d", p.ID)
	for range 3 { // token and post cached
		req := httptest.NewRequest(http.MethodGet, path, http.NoBody)
		req.Header.Set("Authorization", token)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	return h, path, token
}
