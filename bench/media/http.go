package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"inkwell/auth"
	"inkwell/cache"
	"inkwell/config"
	"inkwell/database"
	"inkwell/database/schema"
	"inkwell/ledger"
	"inkwell/media"
	"inkwell/models"
	"inkwell/posts"
	"inkwell/routers"
	"inkwell/storage"
	"inkwell/users"
)

// benchApp is the whole Inkwell app (routers.New as serve.go wires it:
// middleware, auth filter, controllers, media service) on SQLite and a
// local folder, over loopback HTTP, with a development token.
type benchApp struct {
	url, token string
	db         *database.DB
	owner      int64
	bucket     *storage.Bucket
	close      func()
}

func startApp(ctx context.Context, dir string) (*benchApp, error) {
	cfg := config.Config{RunMode: "dev", DBDriver: "sqlite", SQLitePath: filepath.Join(dir, "bench.db"), PublicBaseURL: "http://localhost:8080",
		MaxBodyBytes: 1 << 20, MaxUploadBytes: media.DefaultMaxUploadBytes, AuthDevLogin: true,
		GoogleCertsURL: config.DefaultGoogleCertsURL}
	db, err := database.Open(ctx, cfg, "default")
	if err != nil {
		return nil, err
	}
	if _, err := (&schema.Runner{DB: db.SQL, Dialect: db.Dialect}).Up(ctx); err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	authn, err := auth.New(ctx, cfg, users.Directory{DB: db}, log)
	if err != nil {
		return nil, err
	}
	bucket, err := storage.OpenDir(filepath.Join(dir, "media"))
	if err != nil {
		return nil, err
	}
	c := cache.NewMemory(cache.DefaultMemoryBytes)
	library := media.NewService(db, bucket, c, media.Options{PublicBase: "http://localhost:8080/media", TempDir: dir, Log: log})
	app := routers.New(routers.Deps{Users: users.Directory{DB: db}, Ledger: ledger.NewService(db), Config: cfg, Log: log, DB: db, Auth: authn,
		Migrations: &schema.Runner{DB: db.SQL, Dialect: db.Dialect}, Posts: posts.NewService(db, c, log), Media: library})
	srv := httptest.NewServer(app.Handler(cfg.MaxBodyBytes))
	token, _, err := authn.DevSigner().Mint("bench")
	if err != nil {
		return nil, err
	}
	a := &benchApp{url: srv.URL, token: token, db: db, bucket: bucket, close: func() { srv.Close(); bucket.Close(); db.Close() }}
	// The first signed-in request creates the user.
	me, err := fetch(srv.URL+"/api/v1/me", token)
	if err != nil {
		return nil, err
	}
	var who struct{ ID int64 }
	if err := json.Unmarshal(me, &who); err != nil {
		return nil, err
	}
	a.owner = who.ID
	return a, nil
}

// plainUploadServer is the yardstick: net/http reading the same multipart
// body, spooling the file the same way and storing it unprocessed.
func plainUploadServer(dir string, bucket *storage.Bucket) *httptest.Server {
	var n atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		part, err := mr.NextPart()
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		up, err := media.Spool(part, media.DefaultMaxUploadBytes, dir)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		defer func() { _ = up.Close() }() // removes the spool file; a failure only leaves a temp file
		key := fmt.Sprintf("raw/%d-%s.jpg", n.Add(1), hex.EncodeToString(up.SHA256[:4]))
		if err := bucket.Put(r.Context(), key, up.Reader(), storage.Attrs{ContentType: "image/jpeg"}); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
}

func multipartBody(body []byte) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "photo.jpg")
	_, _ = fw.Write(body)
	_ = mw.WriteField("folder", "bench")
	_ = mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// runHTTP is one side of the upload benchmark over HTTP: "http-raw" (plain
// net/http storing the bytes) or "http-app" (POST /api/v1/media).
func runHTTP(phase string, duration time.Duration, concurrency int) (result, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "inkwell-bench-media-http-")
	if err != nil {
		return result{}, err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a scratch directory: what is left behind is only litter in TMPDIR
	target, token := "", ""
	if phase == "http-raw" {
		bucket, err := storage.OpenDir(filepath.Join(dir, "media"))
		if err != nil {
			return result{}, err
		}
		defer bucket.Close()
		srv := plainUploadServer(dir, bucket)
		defer srv.Close()
		target = srv.URL + "/upload"
	} else {
		app, err := startApp(ctx, dir)
		if err != nil {
			return result{}, err
		}
		defer app.close()
		target, token = app.url+"/api/v1/media", app.token
	}
	photo := phoneJPEG()
	var mu sync.Mutex
	var lat []time.Duration
	var next int
	var firstErr error
	deadline := time.Now().Add(duration)
	start, cpu0 := time.Now(), cpuNow()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				mu.Lock()
				next++
				n := next
				mu.Unlock()
				ct, body := multipartBody(withCounter(photo, n))
				req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
				req.Header.Set("Content-Type", ct)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				t0 := time.Now()
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						err = fmt.Errorf("%s: status %d", phase, resp.StatusCode)
					}
				}
				d := time.Since(t0)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, d)
				mu.Unlock()
			}
		})
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

// runList measures GET /api/v1/media?folder=bench&limit=100 on a folder of
// 1,000 items (served from the listing cache) next to plain net/http
// writing the same bytes, each for duration with concurrency clients.
func runList(duration time.Duration, concurrency int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "inkwell-bench-media-list-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a scratch directory: what is left behind is only litter in TMPDIR
	app, err := startApp(ctx, dir)
	if err != nil {
		return err
	}
	defer app.close()
	o := app.db.Orm()
	for i := range 1000 {
		sha := fmt.Sprintf("%064x", i+1)
		thumb := "u/1/" + sha[:2] + "/" + sha + "_w320.jpg"
		w, h := int64(4032), int64(3024)
		if err := models.InsertMediaItem(ctx, o, &models.MediaItem{OwnerID: app.owner, Folder: "bench", Name: fmt.Sprintf("IMG_%04d.jpg", i),
			SHA256: sha, StorageKey: "u/1/" + sha[:2] + "/" + sha + ".jpg", ThumbKey: &thumb, ContentType: "image/jpeg", Bytes: 3_700_000,
			Width: &w, Height: &h, Source: models.MediaFromUpload, CreatedAt: time.Now().UTC()}); err != nil {
			return err
		}
	}
	path := "/api/v1/media?folder=bench&limit=100"
	body, err := fetch(app.url+path, app.token)
	if err != nil {
		return err
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(body)
	}))
	defer plain.Close()
	fmt.Printf("\nfolder listing: 1,000 items in the folder, first page of 100 (%d bytes), %d clients, %s each\n", len(body), concurrency, duration)
	appRate, err := hammer(app.url+path, app.token, duration, concurrency)
	if err != nil {
		return err
	}
	plainRate, err := hammer(plain.URL+path, "", duration, concurrency)
	if err != nil {
		return err
	}
	fmt.Printf("%-34s %10.0f req/s\n%-34s %10.0f req/s\n%-34s %9.0f %%\n", "plain net/http, same bytes", plainRate,
		"GET /api/v1/media (cached)", appRate, "Inkwell / plain", 100*appRate/plainRate)
	return nil
}

func fetch(url, token string) ([]byte, error) {
	req, _ := http.NewRequest(http.MethodGet, url, http.NoBody)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, b)
	}
	return b, err
}

func hammer(url, token string, duration time.Duration, concurrency int) (float64, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	var n atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(duration)
	start := time.Now()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodGet, url, http.NoBody)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := client.Do(req)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return 0, err
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}
