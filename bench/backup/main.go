// Command backup measures media backup's throughput (issue 18, F12; docs
// backup.md "Benchmark"): N distinct JPEGs of about 100 KB served by 20
// HTTP servers on 20 loopback addresses (each its own host for the
// outbound client) with a fixed latency before each answer, downloaded
// once by a plain http.Client + io.Copy(io.Discard) and once backed up by
// backup.Service.All (fetch through outbound, sniff, re-encode, thumbnails,
// store, rows on SQLite) — and, to split the cost, fetched through the
// outbound client alone — each side in its own child process for its own
// peak RSS, in one run. The goal is backup items/s ≥ 60 % of plain, and a
// flat RSS (< 100 MB).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type result struct {
	Side    string  `json:"side"`
	Items   int     `json:"items"`
	Seconds float64 `json:"seconds"`
	Failed  int     `json:"failed"`
	RSSMB   float64 `json:"rss_mb"`
	CPUs    float64 `json:"cpu_s"`
}

func main() {
	images := flag.Int("images", 1000, "images to back up (100 per post)")
	hosts := flag.Int("hosts", 20, "servers, on 127.0.0.2 … 127.0.0.(hosts+1)")
	latency := flag.Duration("latency", 50*time.Millisecond, "server latency before each answer")
	kb := flag.Int("kb", 100, "approximate image size in KB")
	concurrency := flag.Int("concurrency", 40, "downloads at once on each side (the outbound client allows 2 per host)")
	side := flag.String("side", "", "internal: run one side (plain, backup) on the URLs read from stdin")
	flag.Parse()
	if *side != "" {
		urls := readURLs()
		var res result
		var err error
		switch *side {
		case "plain":
			res, err = runPlain(urls, *concurrency)
		case "outbound":
			res, err = runOutbound(urls, *concurrency)
		default:
			res, err = runBackup(urls, *concurrency)
		}
		if err != nil {
			log.Fatal(err)
		}
		_ = json.NewEncoder(os.Stdout).Encode(res)
		return
	}

	img := photoJPEG(*kb * 1024)
	var urls []string
	for h := 0; h < *hosts; h++ {
		addr := fmt.Sprintf("127.0.0.%d:0", h+2)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			log.Fatalf("listen %s: %v (Linux routes 127/8 to loopback; other systems need the aliases)", addr, err)
		}
		srv := &http.Server{Handler: imageServer(img, *latency), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		for i := h; i < *images; i += *hosts {
			urls = append(urls, fmt.Sprintf("http://%s/img/%d.jpg", ln.Addr(), i))
		}
	}
	rand.Shuffle(len(urls), func(i, j int) { urls[i], urls[j] = urls[j], urls[i] })

	var results []result
	for _, s := range []string{"plain", "outbound", "backup"} {
		cmd := exec.Command(os.Args[0], "-side", s, "-concurrency", strconv.Itoa(*concurrency))
		cmd.Stdin = strings.NewReader(strings.Join(urls, "\n"))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			log.Fatalf("%s: %v", s, err)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			log.Fatalf("%s: %v: %s", s, err, out)
		}
		r.RSSMB = float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
		r.CPUs = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
		results = append(results, r)
	}
	var load string
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d images of %d KB (%d×%d) over %d hosts, %s latency, %d at once; load average %s\n\n",
		*images, len(img)/1024, cfg.Width, cfg.Height, *hosts, *latency, *concurrency, load)
	fmt.Printf("%-40s %7s %7s %9s %10s %10s\n", "side", "items", "failed", "items/s", "peak RSS", "CPU s")
	for _, r := range results {
		name := map[string]string{"plain": "http.Client + io.Copy(io.Discard)", "outbound": "outbound.Client + io.Copy (no pipeline)",
			"backup": "backup.Service.All"}[r.Side]
		fmt.Printf("%-40s %7d %7d %9.1f %7.0f MB %10.1f\n", name, r.Items, r.Failed, float64(r.Items)/r.Seconds, r.RSSMB, r.CPUs)
	}
	plain := float64(results[0].Items) / results[0].Seconds
	backup := float64(results[2].Items) / results[2].Seconds
	fetchOnly := float64(results[1].Items) / results[1].Seconds
	fmt.Printf("\nbackup / plain: %.1f %% (goal ≥ 60 %%); backup peak RSS %.0f MB (goal < 100 MB)\n", 100*backup/plain, results[2].RSSMB)
	fmt.Printf("outbound fetch alone / plain: %.1f %% (what is left of the gap is the media pipeline and storing)\n", 100*fetchOnly/plain)
}

// imageServer answers /img/{n}.jpg with img plus n in a trailing comment
// after the end-of-image marker, so every image has its own bytes (and
// its own media item), after latency.
func imageServer(img []byte, latency time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		n := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/img/"), ".jpg")
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Content-Length", strconv.Itoa(len(img)+len(n)))
		_, _ = w.Write(img)
		_, _ = w.Write([]byte(n))
	})
}

// photoJPEG is a photo-like JPEG (smooth gradients plus grain, 4:3) of
// about size bytes: what a 100 KB image on the web is, roughly 800×600 at
// quality 80. Pure noise would make a tiny image of that size, cheap to
// decode; a flat one a huge image.
func photoJPEG(size int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	for w := 320; ; w += 32 {
		h := w * 3 / 4
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				i := img.PixOffset(x, y)
				grain := r.IntN(24)
				img.Pix[i] = byte(x*200/w + grain)
				img.Pix[i+1] = byte(y*180/h + grain)
				img.Pix[i+2] = byte((x+y)*120/(w+h) + 60 + grain)
				img.Pix[i+3] = 255
			}
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
			log.Fatal(err)
		}
		if b.Len() >= size {
			return b.Bytes()
		}
	}
}

func readURLs() []string {
	var urls []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if u := strings.TrimSpace(sc.Text()); u != "" {
			urls = append(urls, u)
		}
	}
	return urls
}
