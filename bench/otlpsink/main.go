// Command otlpsink is the local trace collector of bench/observability.sh:
// an OTLP/HTTP endpoint that decodes every export (as a collector would)
// and counts the spans, printing the total when it is stopped.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18318", "listen address")
	flag.Parse()
	var spans, exports atomic.Int64
	ok, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	http.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req collectortrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				spans.Add(int64(len(ss.GetSpans())))
			}
		}
		exports.Add(1)
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(ok)
	})
	go func() { log.Fatal(http.ListenAndServe(*addr, nil)) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	// Its own CPU time: on a shared machine the collector's decoding is
	// taken from the app under test, so the report shows how much.
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	fmt.Printf("otlpsink: %d spans in %d exports, %.1f CPU-s of its own\n", spans.Load(), exports.Load(), cpu)
}
