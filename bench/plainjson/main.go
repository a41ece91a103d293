// Command plainjson is the yardstick of bench/posts_read.sh: a bare
// net/http server answering every GET with the same JSON body, read once
// from a file into memory. Whatever Inkwell does per request beyond this
// (routing, auth, cache, JSON encoding, logging) is what the ratio measures.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18311", "listen address")
	file := flag.String("body", "", "file holding the JSON to serve")
	contentType := flag.String("content-type", "application/json; charset=utf-8", "Content-Type of the body (bench/public_page.sh serves HTML)")
	flag.Parse()
	body, err := os.ReadFile(*file)
	if err != nil {
		log.Fatalf("plainjson: read body: %v", err)
	}
	length := strconv.Itoa(len(body))
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", *contentType)
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	})))
}
