package main

import (
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// runPlain downloads every URL with a plain http.Client and discards the
// bodies, at most concurrency at once and, like the outbound client, at
// most 2 per host: the baseline.
func runPlain(urls []string, concurrency int) (result, error) {
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 2, MaxIdleConnsPerHost: 2}, Timeout: 30 * time.Second}
	perHost := map[string]chan struct{}{}
	for _, u := range urls {
		p, err := url.Parse(u)
		if err != nil {
			return result{}, err
		}
		if perHost[p.Host] == nil {
			perHost[p.Host] = make(chan struct{}, 2)
		}
	}
	next := make(chan string)
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range next {
				p, _ := url.Parse(u) // parsed above
				slot := perHost[p.Host]
				slot <- struct{}{}
				resp, err := client.Get(u)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				<-slot
				if err != nil || resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	for _, u := range urls {
		next <- u
	}
	close(next)
	wg.Wait()
	return result{Side: "plain", Items: len(urls) - int(failed.Load()), Failed: int(failed.Load()),
		Seconds: time.Since(start).Seconds()}, nil
}
