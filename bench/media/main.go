// Command media measures uploads of a 12 MP phone JPEG through the media
// library (media.Service.Upload: spool, sniff, pixel check, decode with
// orientation, re-encode, two thumbnails, store, index on SQLite) next to
// storing the same bytes unprocessed (spool + put), with the same
// concurrency, in one run. Each side runs in its own child process so its
// peak RSS is its own.
//
//	go run ./bench/media -duration 60s -concurrency 4
//
//	go run ./bench/media -http -duration 60s -concurrency 4 -list
//
// -http puts HTTP in the loop: POST /api/v1/media on the whole app
// (middleware, token filter, multipart streaming) next to a plain net/http
// handler spooling and storing the same multipart uploads. -list adds a
// folder listing of 1,000 items next to plain net/http serving its bytes.
//
// Every upload carries distinct bytes (a counter in a JPEG comment), so
// per-owner dedup never short-cuts the work. Figures go into docs/media.md,
// never into assertions.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"log"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"inkwell/cache"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/media"
	"inkwell/models"
	"inkwell/storage"
)

type result struct {
	Phase   string  `json:"phase"`
	Uploads int     `json:"uploads"`
	P50ms   float64 `json:"p50_ms"`
	P99ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
	Bytes   int     `json:"bytes"`
	Seconds float64 `json:"seconds"`
	RSSMB   float64 `json:"rss_mb"`
	CPUms   float64 `json:"cpu_ms"`
	// LoopCPUms is the CPU the uploads took (set-up excluded), per upload.
	LoopCPUms float64 `json:"loop_cpu_ms_per_upload"`
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	duration := flag.Duration("duration", 60*time.Second, "how long each side uploads")
	concurrency := flag.Int("concurrency", 4, "uploads at once")
	phase := flag.String("phase", "", "internal: run one side (raw, pipeline, http-raw, http-app) in this process")
	overHTTP := flag.Bool("http", false, "upload over HTTP: POST /api/v1/media next to plain net/http storing the bytes")
	listing := flag.Bool("list", false, "also measure a folder listing of 1,000 items next to plain net/http")
	listFor := flag.Duration("list-duration", 10*time.Second, "how long each listing side runs")
	flag.Parse()
	if *phase != "" {
		run := run
		if *phase == "http-raw" || *phase == "http-app" {
			run = runHTTP
		}
		res, err := run(*phase, *duration, *concurrency)
		if err != nil {
			log.Fatal(err)
		}
		_ = json.NewEncoder(os.Stdout).Encode(res)
		return
	}
	var results []result
	sides := []string{"raw", "pipeline"}
	if *overHTTP {
		sides = []string{"http-raw", "http-app"}
	}
	for _, p := range sides {
		cmd := exec.Command(os.Args[0], "-phase", p, "-duration", duration.String(), "-concurrency", fmt.Sprint(*concurrency))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			log.Fatalf("%s: %v", p, err)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			log.Fatalf("%s: %v: %s", p, err, out)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		r.RSSMB = float64(ru.Maxrss) / 1024
		r.CPUms = float64((cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Milliseconds())
		results = append(results, r)
	}
	fmt.Printf("12 MP JPEG (%.1f MB), %d at once, %s per side\n\n", float64(results[0].Bytes)/1e6, *concurrency, duration)
	// CPU is the whole child process's, set-up (database, fixture) included;
	// on a shared machine it says more than wall-clock latencies do.
	fmt.Printf("%-24s %8s %9s %9s %9s %10s %14s %16s\n", "side", "uploads", "p50 ms", "p99 ms", "max ms", "peak RSS", "process CPU s", "CPU ms / upload")
	for _, r := range results {
		name := map[string]string{"raw": "store unprocessed", "pipeline": "media.Service.Upload",
			"http-raw": "net/http, unprocessed", "http-app": "POST /api/v1/media"}[r.Phase]
		fmt.Printf("%-24s %8d %9.0f %9.0f %9.0f %7.0f MB %14.1f %16.0f\n", name, r.Uploads, r.P50ms, r.P99ms, r.MaxMs, r.RSSMB, r.CPUms/1000, r.LoopCPUms)
	}
	var load [3]float64
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		// A malformed line leaves the load at zero, which the report shows as is.
		_, _ = fmt.Sscanf(string(b), "%f %f %f", &load[0], &load[1], &load[2])
	}
	if *listing {
		if err := runList(*listFor, *concurrency); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("\n%d CPUs, load average %.1f at the end (latencies stretch with the machine's load; CPU per upload does not)\n", runtime.NumCPU(), load[0])
}

// phoneJPEG is a 4032×3024 photo-like JPEG: smooth gradients with sensor
// noise, which compresses about as a real photo does.
func phoneJPEG() []byte {
	const w, h = 4032, 3024
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[y*img.YStride+x] = uint8(x*200/w + y*40/h + rng.IntN(24))
		}
	}
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			img.Cb[y*img.CStride+x] = uint8(100 + x*60/(w/2) + rng.IntN(6))
			img.Cr[y*img.CStride+x] = uint8(140 - y*40/(h/2) + rng.IntN(6))
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

// withCounter makes the bytes distinct: a COM segment after SOI.
func withCounter(photo []byte, n int) []byte {
	com := []byte{0xFF, 0xFE, 0, 10}
	com = binary.BigEndian.AppendUint64(com, uint64(n))
	out := make([]byte, 0, len(photo)+len(com))
	out = append(out, photo[:2]...)
	out = append(out, com...)
	return append(out, photo[2:]...)
}

func run(phase string, duration time.Duration, concurrency int) (result, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "inkwell-bench-media-")
	if err != nil {
		return result{}, err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a scratch directory: what is left behind is only litter in TMPDIR
	cfg := config.Config{RunMode: "test", DBDriver: "sqlite", SQLitePath: filepath.Join(dir, "bench.db"), PublicBaseURL: "http://localhost:8080"}
	db, err := database.Open(ctx, cfg, "default")
	if err != nil {
		return result{}, err
	}
	defer db.Close()
	if _, err := (&schema.Runner{DB: db.SQL, Dialect: db.Dialect}).Up(ctx); err != nil {
		return result{}, err
	}
	o := db.Orm()
	user := &models.User{Issuer: "bench", IssuerID: "1", Email: "bench@example.com", Name: "Bench"}
	if err := models.InsertUser(ctx, o, user); err != nil {
		return result{}, err
	}
	bucket, err := storage.OpenDir(filepath.Join(dir, "media"))
	if err != nil {
		return result{}, err
	}
	defer bucket.Close()
	svc := media.NewService(db, bucket, cache.NewMemory(1<<20), media.Options{PublicBase: "http://localhost:8080/media", TempDir: dir,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	photo := phoneJPEG()

	var mu sync.Mutex
	var lat []time.Duration
	var next int
	var firstErr error
	deadline := time.Now().Add(duration)
	start, cpu0 := time.Now(), cpuNow()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				mu.Lock()
				next++
				n := next
				mu.Unlock()
				body := withCounter(photo, n)
				t0 := time.Now()
				var err error
				if phase == "raw" {
					err = storeRaw(ctx, bucket, dir, body, n)
				} else {
					_, _, err = svc.Upload(ctx, media.UploadInput{Owner: user.ID, Folder: "bench", Body: bytes.NewReader(body)})
				}
				d := time.Since(t0)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return result{}, firstErr
	}
	loopCPU := cpuNow() - cpu0
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	return result{Phase: phase, Uploads: len(lat), P50ms: pct(0.50), P99ms: pct(0.99), MaxMs: pct(1),
		Bytes: len(photo), Seconds: time.Since(start).Seconds(), LoopCPUms: float64(loopCPU.Milliseconds()) / float64(len(lat))}, nil
}

// storeRaw is the baseline: the same spool to a temporary file, then the
// bytes stored as they came.
func storeRaw(ctx context.Context, bucket *storage.Bucket, dir string, body []byte, n int) error {
	up, err := media.Spool(bytes.NewReader(body), media.DefaultMaxUploadBytes, dir)
	if err != nil {
		return err
	}
	defer func() { _ = up.Close() }() // removes the spool file; a failure only leaves a temp file
	return bucket.Put(ctx, fmt.Sprintf("raw/%d.jpg", n), up.Reader(), storage.Attrs{ContentType: "image/jpeg"})
}
