// Command markdown renders the pathological corpus (markdown/corpus) one
// input at a time and prints, per input, the wall time of markdown.Render,
// the HTML size and the size of that HTML as a JSON string (what a post
// read carries), or the error. The worst case is the figure to watch; run
// it on a quiet machine, or read the figures as upper bounds.
//
//	go run ./bench/markdown -size 200000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"text/tabwriter"
	"time"

	"inkwell/markdown"
	"inkwell/markdown/corpus"
)

func main() {
	size := flag.Int("size", 200_000, "bytes per input")
	only := flag.String("run", "", "only the cases whose name matches this regexp")
	flag.Parse()
	match := regexp.MustCompile(*only)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "case\tinput bytes\tseconds\thtml bytes\tjson bytes\terror\t")
	var worstTime time.Duration
	var worstSize int
	for _, c := range corpus.Pathological(*size) {
		if !match.MatchString(c.Name) {
			continue
		}
		start := time.Now()
		html, err := markdown.Render(c.Markdown)
		took := time.Since(start)
		encoded, _ := json.Marshal(html)
		msg := ""
		if err != nil {
			msg = err.Error()
			if len(msg) > 70 {
				msg = msg[:70] + "…"
			}
		}
		fmt.Fprintf(w, "%s\t%d\t%.3f\t%d\t%d\t%s\t\n", c.Name, len(c.Markdown), took.Seconds(), len(html), len(encoded), msg)
		_ = w.Flush()
		worstTime = max(worstTime, took)
		worstSize = max(worstSize, len(encoded))
	}
	fmt.Fprintf(w, "worst\t\t%.3f\t\t%d\t\t\n", worstTime.Seconds(), worstSize)
	_ = w.Flush()
}
