package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestMaintenanceFlagAtomic switches maintenance on (with a long note) and
// off over and over while another goroutine reads the flag file as a
// server would: every read finds no file or a whole one, never a part.
func TestMaintenanceFlagAtomic(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	os.Mkdir(site, 0o755)
	config := filepath.Join(dir, "errpages.toml")
	os.WriteFile(config, []byte("codes = [503]\nlocales = [\"en\"]\n[maintenance]\nenabled = true\n[server]\ntargets = [\"nginx\"]\nroot = \""+site+"\"\n"), 0o644)
	flag := filepath.Join(site, "maintenance.on")
	message := strings.Repeat("the database is being migrated ", 16)

	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads, whole atomic.Int64
	wg.Go(func() {
		for !stop.Load() {
			data, err := os.ReadFile(flag)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			reads.Add(1)
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			s := string(data)
			if !strings.HasPrefix(s, "since: ") || !strings.HasSuffix(s, "message: "+strings.TrimSpace(message)+"\n") && !strings.HasSuffix(s, "message: "+message+"\n") {
				t.Errorf("a read found part of the flag file (%d bytes):\n%q", len(s), s)
				return
			}
			whole.Add(1)
		}
	})
	for i := range 200 {
		args := []string{"maintenance", "on", "-c", config, "--message", message}
		if i%2 == 1 {
			args = []string{"maintenance", "off", "-c", config}
		}
		if code := run(context.Background(), args, io.Discard, io.Discard); code != exitOK {
			t.Fatalf("%v: exit %d", args, code)
		}
	}
	stop.Store(true)
	wg.Wait()
	if reads.Load() == 0 {
		t.Fatal("the reader never found the flag file: the test proved nothing")
	}
	t.Logf("%d reads of the flag file, all whole", whole.Load())
	// No temporary file is left beside it.
	if left, _ := filepath.Glob(filepath.Join(site, ".maintenance-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
