package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"inkwell/posts"
)

// BenchmarkPostRead measures the cached GET /api/v1/posts/{id} in-process
// (auth filter with a cached token, in-process post cache, SQLite behind
// it), next to /healthz on the same server. Use it with -cpuprofile to see
// where a read's time goes; bench/posts_read.sh is the end-to-end figure.
func BenchmarkPostRead(b *testing.B) {
	url, token, _ := authBenchApp(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get(b, client, url+"/api/v1/me", "Bearer "+token)
	body, _ := json.Marshal(map[string]any{"title": "A post", "status": "published", "tags": []string{"go"},
		"body_markdown": "# Heading\n\nSome **markdown** and a [link](https://example.com).\n\n- one\n- two\n"})
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/posts", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var p posts.Post
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("create: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	postURL := fmt.Sprintf("%s/api/v1/posts/%d", url, p.ID)
	b.Run("healthz-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get(b, client, url+"/healthz", "")
			}
		})
	})
	b.Run("post-read-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				get(b, client, postURL, "Bearer "+token)
			}
		})
	})
}
