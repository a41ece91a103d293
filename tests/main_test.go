package tests

import (
	"fmt"
	"os"
	"testing"

	"inkwell/storage/storagetest"
	"inkwell/tests/apptest"
)

// TestMain gives the package's parallel tests the fake AWS environment of
// the in-process S3 server once (t.Setenv refuses parallel tests), and
// removes the app binary the black-box tests built.
func TestMain(m *testing.M) {
	if err := storagetest.UseFakeCredentials(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(apptest.Main(m))
}
