package e2e

import (
	"os"
	"testing"
)

// TestMain stops the Chromium the browser tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	stopChrome()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}
