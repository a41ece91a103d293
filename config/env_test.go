package config_test

import (
	"os"
	"testing"
)

// unsetenv removes v for the rest of the test; t.Setenv has already
// registered the restore of its original value.
func unsetenv(t *testing.T, v string) {
	t.Helper()
	if err := os.Unsetenv(v); err != nil {
		t.Fatal(err)
	}
}
