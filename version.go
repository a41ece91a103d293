package main

import (
	"fmt"
	"os"
)

// Build metadata, set at link time by the Dockerfile (and `make build`):
//
//	-ldflags "-X main.version=0.1.0-g1a2b3c4d -X main.commit=<full hash>"
//
// deploy/image-tag.sh gives the version; it is also the image tag.
var (
	version = "dev"
	commit  = "unknown"
)

// `inkwell version` answers before anything else runs (no configuration,
// no database), so it works in any image and any environment.
func init() {
	if len(os.Args) == 2 && (os.Args[1] == "version" || os.Args[1] == "--version") {
		fmt.Printf("inkwell %s (commit %s)\n", version, commit)
		os.Exit(0)
	}
}
