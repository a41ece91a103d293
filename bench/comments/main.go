// Command comments seeds the post of bench/comments_read.sh: one published
// post with -n comments (default 10,000) written through comments.Service
// (the same rules, transactions and counters as the API), in a realistic
// shape — mostly top-level comments, some short reply chains, a few deep
// threads down to the depth cap — plus votes and likes by -users readers so
// the ranked sorts have something to rank. It prints the post's id.
//
//	MYSQL_HOST=127.0.0.1 MYSQL_PORT=13306 MYSQL_USER=inkwell MYSQL_PASSWORD=inkwell \
//	  MYSQL_DATABASE=inkwell_bench_x go run ./bench/comments -n 10000
//
// The database must be migrated (inkwell migrate up).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"

	"inkwell/cache"
	"inkwell/comments"
	"inkwell/config"
	"inkwell/database"
	"inkwell/models"
	"inkwell/posts"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

// run is the whole benchmark; it returns its errors so that main exits only
// after the deferred db.Close has run.
func run() error {
	n := flag.Int("n", 10_000, "comments on the post")
	nUsers := flag.Int("users", 50, "commenters and voters")
	votes := flag.Int("votes", 4_000, "votes (and a like with every fourth)")
	workers := flag.Int("workers", 8, "concurrent writers")
	deepThreads := flag.Int("deep", 5, "threads going down to the depth cap")
	flag.Parse()

	ctx := context.Background()
	port, _ := strconv.Atoi(os.Getenv("MYSQL_PORT"))
	if port == 0 {
		port = 3306
	}
	cfg := config.Config{DBDriver: "mysql", MySQL: config.MySQL{Host: os.Getenv("MYSQL_HOST"), Port: port,
		User: os.Getenv("MYSQL_USER"), Password: os.Getenv("MYSQL_PASSWORD"), Database: os.Getenv("MYSQL_DATABASE")}}
	if cfg.MySQL.Host == "" || cfg.MySQL.Database == "" {
		return errors.New("set MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD and MYSQL_DATABASE (migrated)")
	}
	db, err := database.Open(ctx, cfg, "default")
	if err != nil {
		return err
	}
	defer db.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	mem := cache.NewMemory(64 << 20)
	ps := posts.NewService(db, mem, quiet)
	cs := comments.NewService(db, mem, ps, quiet)

	users := make([]int64, *nUsers)
	for i := range users {
		u := &models.User{Issuer: "https://accounts.google.com", IssuerID: fmt.Sprintf("bench-commenter-%d", i),
			Email: fmt.Sprintf("commenter%d@example.com", i), Name: fmt.Sprintf("Commenter %d", i),
			Picture: fmt.Sprintf("https://example.com/c%d.png", i)}
		if err := models.InsertUser(ctx, db.Orm(), u); err != nil {
			return err
		}
		users[i] = u.ID
	}
	post, err := ps.Create(ctx, users[0], posts.CreateInput{Title: "A post everyone talks about", Status: "published",
		BodyMarkdown: "Discuss."})
	if err != nil {
		return err
	}

	// The shape, decided up front (parents always before children):
	// deep threads: one chain each down to the cap; then every other
	// comment is top-level (70 %) or a reply to a recent comment that is
	// not at the cap (30 %), which makes short chains and small fan-outs.
	rng := rand.New(rand.NewPCG(16, 10_000))
	type plan struct{ parent, depth int }
	plans := make([]plan, 0, *n)
	for range *deepThreads {
		plans = append(plans, plan{parent: -1})
		for d := 1; d <= comments.MaxCommentDepth && len(plans) < *n; d++ {
			plans = append(plans, plan{parent: len(plans) - 1, depth: d})
		}
	}
	for len(plans) < *n {
		i := len(plans)
		p := plan{parent: -1}
		if rng.IntN(10) < 3 {
			cand := i - 1 - rng.IntN(min(i, 200))
			if plans[cand].depth < 4 {
				p = plan{parent: cand, depth: plans[cand].depth + 1}
			}
		}
		plans = append(plans, p)
	}

	// Write level by level so parents exist; within a level, in parallel.
	ids := make([]int64, len(plans))
	for depth := 0; depth <= comments.MaxCommentDepth; depth++ {
		var level []int
		for i, p := range plans {
			if p.depth == depth {
				level = append(level, i)
			}
		}
		parallel(len(level), *workers, func(k int) {
			i := level[k]
			in := comments.CreateInput{BodyMarkdown: fmt.Sprintf("Comment %d: *some* thoughts, with a [link](https://example.com/%d) and enough words to look like a real reply in a busy thread.", i, i)}
			if plans[i].parent >= 0 {
				parent := ids[plans[i].parent]
				in.ParentID = &parent
			}
			c, err := cs.Create(ctx, post.ID, users[(i*7)%len(users)], in)
			if err != nil {
				log.Fatalf("comment %d: %v", i, err)
			}
			ids[i] = c.ID
		})
	}
	// Votes (-1 one time in four) and some likes, by random readers.
	parallel(*votes, *workers, func(k int) {
		r := rand.New(rand.NewPCG(uint64(k), 99))
		id := ids[r.IntN(len(ids))]
		user := users[r.IntN(len(users))]
		v := 1
		if r.IntN(4) == 0 {
			v = -1
		}
		if _, err := cs.Vote(ctx, id, user, comments.VoteInput{Value: v}); err != nil {
			log.Fatalf("vote: %v", err)
		}
		if k%4 == 0 {
			if _, err := cs.Like(ctx, id, user); err != nil {
				log.Fatalf("like: %v", err)
			}
		}
	})
	fmt.Println(post.ID)
	return nil
}

func parallel(n, workers int, fn func(k int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for k := range next {
				fn(k)
			}
		})
	}
	for k := range n {
		next <- k
	}
	close(next)
	wg.Wait()
}
