package bench

import (
	"os"
	"testing"

	"inkwell/tests/apptest"
)

// TestMain removes the app binary the opt-in live benchmark builds.
func TestMain(m *testing.M) { os.Exit(apptest.Main(m)) }
