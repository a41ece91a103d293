package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// operation is one kind of request the load sends; run returns an error
// for anything but the expected answer.
type operation struct {
	name string
	run  func(c *http.Client, base string, n int64) error
}

// load runs workers that send the operations in turn until stopped or
// until maxRequests in total; every error is recorded as a failure.
type load struct {
	client      *http.Client
	base        string
	ops         []operation
	workers     int
	maxRequests int64
	pause       time.Duration

	sent     atomic.Int64
	mu       sync.Mutex
	failures []string
}

func (l *load) run(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	for w := 0; w < l.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n := l.sent.Add(1)
				if n > l.maxRequests {
					return
				}
				op := l.ops[int(n)%len(l.ops)]
				if err := op.run(l.client, l.base, n); err != nil {
					l.mu.Lock()
					l.failures = append(l.failures, fmt.Sprintf("%s #%d: %v", op.name, n, err))
					l.mu.Unlock()
				}
				time.Sleep(l.pause)
			}
		}()
	}
	return wg.Wait
}

// total is how many requests were sent.
func (l *load) total() int64 {
	if n := l.sent.Load(); n < l.maxRequests {
		return n
	}
	return l.maxRequests
}

// call sends one API request as the holder of token and checks the status.
func call(c *http.Client, method, url, token, body string, want int) ([]byte, error) {
	return callKeyed(c, method, url, token, body, "", want)
}

// callKeyed is call with an Idempotency-Key (none when key is ""). With
// one, Go's transport resends the request by itself when the connection it
// was sent on closes before any answer (a proxy or replica shutting down),
// and the server makes the repeat harmless, as the PWA relies on.
func callKeyed(c *http.Client, method, url, token, body, key string, want int) ([]byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if resp.StatusCode != want {
		return out, fmt.Errorf("%s %s: status %d, want %d: %s", method, url, resp.StatusCode, want, out)
	}
	return out, nil
}

// ledger remembers every post the load created, to prove afterwards that
// each acknowledged write is there exactly once.
type ledger struct {
	mu     sync.Mutex
	titles map[int64]string
	ids    []int64
}

func (l *ledger) add(id int64, title string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.titles == nil {
		l.titles = map[int64]string{}
	}
	l.titles[id] = title
	l.ids = append(l.ids, id)
}

// pick returns a created post at random, ok false while there is none.
func (l *ledger) pick() (id int64, title string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ids) == 0 {
		return 0, "", false
	}
	id = l.ids[rand.IntN(len(l.ids))]
	return id, l.titles[id], true
}

type postBody struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// postOperations are authenticated reads and writes of posts: create
// (published), read by id, the feed, and like, by a few users in turn.
// Creates carry an Idempotency-Key as the PWA's do; likes (PUT, idempotent
// by definition) carry one too so the transport may resend them.
func postOperations(tokens []string, created *ledger) []operation {
	token := func(n int64) string { return tokens[int(n)%len(tokens)] }
	run := time.Now().UnixNano()
	key := func(op string, n int64) string { return fmt.Sprintf("load-%d-%s-%d", run, op, n) }
	return []operation{
		{name: "create post", run: func(c *http.Client, base string, n int64) error {
			title := fmt.Sprintf("load %d", n)
			body, err := json.Marshal(map[string]any{"title": title, "body_markdown": "written during a *rolling restart*", "status": "published"})
			if err != nil {
				return err
			}
			out, err := callKeyed(c, http.MethodPost, base+"/api/v1/posts", token(n), string(body), key("create", n), http.StatusCreated)
			if err != nil {
				return err
			}
			var p postBody
			if err := json.Unmarshal(out, &p); err != nil || p.ID == 0 || p.Title != title {
				return fmt.Errorf("created post answer %s (%w)", out, err)
			}
			created.add(p.ID, title)
			return nil
		}},
		{name: "read post", run: func(c *http.Client, base string, n int64) error {
			id, title, ok := created.pick()
			if !ok {
				_, err := call(c, http.MethodGet, base+"/api/v1/posts?limit=5", token(n), "", http.StatusOK)
				return err
			}
			out, err := call(c, http.MethodGet, fmt.Sprintf("%s/api/v1/posts/%d", base, id), token(n), "", http.StatusOK)
			if err != nil {
				return err
			}
			var p postBody
			if err := json.Unmarshal(out, &p); err != nil || p.ID != id || p.Title != title {
				return fmt.Errorf("post %d answer %s, want title %q (%w)", id, out, title, err)
			}
			return nil
		}},
		{name: "feed", run: func(c *http.Client, base string, n int64) error {
			_, err := call(c, http.MethodGet, base+"/api/v1/posts?limit=10", token(n), "", http.StatusOK)
			return err
		}},
		{name: "like post", run: func(c *http.Client, base string, n int64) error {
			id, _, ok := created.pick()
			if !ok {
				_, err := call(c, http.MethodGet, base+"/api/v1/me", token(n), "", http.StatusOK)
				return err
			}
			_, err := callKeyed(c, http.MethodPut, fmt.Sprintf("%s/api/v1/posts/%d/like", base, id), token(n), "", key("like", n), http.StatusOK)
			return err
		}},
	}
}
