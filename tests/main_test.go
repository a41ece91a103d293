package tests

import (
	"fmt"
	"os"
	"testing"

	"inkwell/storage/storagetest"
)

// TestMain gives the package's parallel tests the fake AWS environment of
// the in-process S3 server once (t.Setenv refuses parallel tests).
func TestMain(m *testing.M) {
	if err := storagetest.UseFakeCredentials(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
