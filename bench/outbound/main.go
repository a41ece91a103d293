// Command outbound measures the outbound client's circuit breaker, in one
// run, on loopback (PHASE2-NOTES.md F13 benchmark b and c):
//
//   - how long a call to a host whose breaker is open takes to be refused;
//
//   - a healthy host's latency alone, and while another host's refusals run
//     next to it (rounds alternate, so machine noise hits both alike);
//
//   - the goroutine count before and after all the refusals.
//
//     go run ./bench/outbound -duration 2s -rounds 3
//
// The hanging host listens on 127.0.0.2 and never answers; the healthy one
// answers "ok" on 127.0.0.3; both are opened with AllowCIDRs. Figures go
// into docs/outbound.md, never into assertions.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"inkwell/outbound"
)

func main() {
	duration := flag.Duration("duration", 2*time.Second, "length of each measured phase")
	rounds := flag.Int("rounds", 3, "alternations of the healthy-alone and healthy-beside-refusals phases")
	refusers := flag.Int("refusers", 4, "concurrent callers of the host whose breaker is open")
	rate := flag.Int("rate", 2000, "refused calls per second, all refusers together (0: as fast as they can, which measures CPU starvation more than the client)")
	flag.Parse()

	hanging := hangingListener("127.0.0.2:0")
	healthy := healthyServer("127.0.0.3:0")
	c := outbound.New(outbound.Policy{
		AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32"), netip.MustParsePrefix("127.0.0.3/32")},
		// Short enough to trip the breaker in seconds, long enough that a
		// loaded machine does not time the healthy host out.
		HeaderTimeout:  time.Second,
		RequestTimeout: 2 * time.Second,
	})
	hangingURL := "http://" + hanging + "/"
	healthyURL := "http://" + healthy + "/"

	for i := 0; ; i++ {
		resp, err := c.Get(context.Background(), hangingURL, outbound.Fetch{})
		if err == nil {
			resp.Body.Close()
		}
		var open *outbound.UnavailableError
		if errors.As(err, &open) {
			fmt.Printf("breaker opened after %d timeouts\n", i)
			break
		}
	}
	c.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	goroutinesBefore := runtime.NumGoroutine()

	var alone, beside, refused []time.Duration
	for range *rounds {
		alone = append(alone, run(*duration, 1, func() { fetch(c, healthyURL) })...)
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range *refusers {
			wg.Go(func() {
				var mine []time.Duration
				var tick <-chan time.Time
				if *rate > 0 {
					ticker := time.NewTicker(time.Duration(*refusers) * time.Second / time.Duration(*rate))
					defer ticker.Stop()
					tick = ticker.C
				}
				for {
					if tick != nil {
						select {
						case <-tick:
						case <-stop:
						}
					}
					select {
					case <-stop:
						mu.Lock()
						refused = append(refused, mine...)
						mu.Unlock()
						return
					default:
					}
					start := time.Now()
					if resp, err := c.Get(context.Background(), hangingURL, outbound.Fetch{}); err == nil {
						resp.Body.Close()
						log.Fatal("the hanging host answered")
					}
					mine = append(mine, time.Since(start))
				}
			})
		}
		beside = append(beside, run(*duration, 1, func() { fetch(c, healthyURL) })...)
		close(stop)
		wg.Wait()
	}
	c.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	goroutinesAfter := runtime.NumGoroutine()

	fmt.Printf("GOMAXPROCS=%d rounds=%d duration=%s refusers=%d rate=%d/s\n", runtime.GOMAXPROCS(0), *rounds, *duration, *refusers, *rate)
	report("breaker-open refusals", refused)
	report("healthy host alone", alone)
	report("healthy host beside refusals", beside)
	fmt.Printf("healthy p99 beside/alone: %.2f\n", float64(pct(beside, .99))/float64(pct(alone, .99)))
	fmt.Printf("healthy host errors: %d\n", healthyErrors.Load())
	fmt.Printf("goroutines before=%d after %d refusals=%d\n", goroutinesBefore, len(refused), goroutinesAfter)
}

// run calls f from workers until d has passed and returns each call's time.
func run(d time.Duration, workers int, f func()) []time.Duration {
	var mu sync.Mutex
	var all []time.Duration
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				start := time.Now()
				f()
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all
}

var healthyErrors atomic.Int64

func fetch(c *outbound.Client, u string) {
	resp, err := c.Get(context.Background(), u, outbound.Fetch{})
	if err != nil {
		healthyErrors.Add(1)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func pct(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

func report(name string, d []time.Duration) {
	fmt.Printf("%-30s n=%-8d p50=%-10s p99=%-10s max=%s\n", name, len(d), pct(d, .5), pct(d, .99), slices.Max(d))
}

// heldConns keeps the hanging listener's connections reachable, so that
// no finalizer closes them behind the benchmark's back (only the one
// accepting goroutine appends).
var heldConns []net.Conn

func hangingListener(addr string) string {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			heldConns = append(heldConns, conn) // never answered, never closed
		}
	}()
	return ln.Addr().String()
}

func healthyServer(addr string) string {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "ok")
		})))
	}()
	return ln.Addr().String()
}
