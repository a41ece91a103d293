// Command fakegoogle serves a fake Google's signing keys (authtest's JWKS)
// for benchmarks that run several replicas: a development sign-in token is
// signed by a key each process makes at start, so only a Google-style token
// is accepted by every replica. It prints the environment the replicas need
// and one token, then serves until killed.
//
//	go run ./bench/fakegoogle >google.env
package main

import (
	"fmt"
	"log"
	"os"
	"testing"

	"inkwell/auth/authtest"
)

// process is a testing.TB for authtest outside a test: failures end the
// program, and the JWKS server lives until it exits.
type process struct{ testing.TB }

func (process) Helper()                           {}
func (process) Cleanup(func())                    {}
func (process) Errorf(format string, args ...any) { log.Fatalf(format, args...) }
func (process) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }
func (process) FailNow()                          { os.Exit(1) }

func main() {
	p := authtest.NewProvider(process{})
	p.SetKeysMaxAge(86400)
	for _, kv := range p.Env() {
		fmt.Println(kv)
	}
	fmt.Println("TOKEN=" + p.Token(process{}, "bench-reader", "reader@example.com", "Bench Reader"))
	select {}
}
