package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/errpages/errpages/generator"
)

// consistent checks that out is a complete errpages output: every file its
// manifest lists exists with the listed bytes. It returns the brand name
// found in the 404 page, to tell the old output from a new one.
func consistent(t *testing.T, out string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, generator.ManifestName))
	if err != nil {
		t.Fatalf("no manifest: %v", err)
	}
	var m generator.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(out, f.Path))
		sum := sha256.Sum256(b)
		if err != nil || hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Fatalf("%s does not match the manifest (%v): a damaged output", f.Path, err)
		}
	}
	page, _ := os.ReadFile(filepath.Join(out, "pages/en/404.html"))
	for _, name := range []string{"Before", "After"} {
		if bytes.Contains(page, []byte(name)) {
			return name
		}
	}
	return ""
}

// TestInterruptedBuilds kills errpages build with SIGKILL at random points
// and checks that the output is always one complete build, the previous one
// unless the new build had finished; the next build leaves no temporary
// folders. SIGINT stops a build with exit 130 and the same guarantee.
func TestInterruptedBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "errpages")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	config := func(name string) string {
		p := filepath.Join(dir, name+".toml")
		// Six languages: the kills land anywhere in a build of any size,
		// and a small one keeps the twenty rounds short.
		os.WriteFile(p, []byte("name = \""+name+"\"\nlocales = [\"en\", \"de\", \"ar\", \"ja\", \"fr\", \"es\"]\n[server]\ntargets = [\"nginx\", \"apache\"]\n"), 0o644)
		return p
	}
	before, after := config("Before"), config("After")
	out := filepath.Join(dir, "out")
	build := func(cfg string) *exec.Cmd {
		return exec.Command(bin, "build", "-q", "-c", cfg, "-o", out)
	}
	if b, err := build(before).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	// The kills land within the shorter of two rebuilds over an earlier
	// output, the kind of build they interrupt: this file system's speed
	// varies from run to run.
	full := time.Duration(math.MaxInt64)
	for _, cfg := range []string{after, before} {
		start := time.Now()
		if b, err := build(cfg).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		full = min(full, time.Since(start))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	interrupted := 0
	for i := range 20 {
		cmd := build(after)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAfter(cmd, time.Duration(rng.Int64N(int64(full))), syscall.SIGKILL)
		// The output is always one whole build: the previous one, or the new
		// one when the kill came after the swap that ends a build.
		switch got := consistent(t, out); got {
		case "Before":
			interrupted++
		case "After":
			// Put the old output back, so the next kill is meaningful.
			if b, err := build(before).CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
		default:
			t.Fatalf("run %d: the output is neither build", i)
		}
	}
	if interrupted < 10 {
		t.Errorf("only %d of 20 kills interrupted a build", interrupted)
	}
	if b, err := build(before).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".out.errpages-*")); len(left) > 0 {
		t.Errorf("temporary folders left after the next build: %v", left)
	}

	// SIGINT while the build writes (its temporary folder exists): exit
	// 130, previous output intact, nothing left behind. On a loaded
	// machine a build can finish before the signal lands: try again.
	for attempt := 1; ; attempt++ {
		cmd := build(after)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		err := interruptWhileWriting(cmd, filepath.Join(dir, ".out.errpages-*"))
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 130 {
			break
		}
		if err != nil || attempt == 5 {
			t.Fatalf("SIGINT: %v, want exit status 130", err)
		}
		// The build finished first: put the old output back.
		if b, err := build(before).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
	}
	if got := consistent(t, out); got != "Before" {
		t.Errorf("after SIGINT the output is %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".out.errpages-*")); len(left) > 0 {
		t.Errorf("SIGINT left temporary folders: %v", left)
	}
	t.Logf("full build %v; %d of 20 kills interrupted a build", full.Round(time.Millisecond), interrupted)
}

// killAfter sends sig to the started cmd after d, unless it has exited by
// then, and returns how it exited.
func killAfter(cmd *exec.Cmd, d time.Duration, sig os.Signal) error {
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-exited:
		return err
	case <-timer.C:
		cmd.Process.Signal(sig)
		return <-exited
	}
}

// interruptWhileWriting sends SIGINT to the started cmd as soon as a path
// matching tmp exists, and returns how cmd exited.
func interruptWhileWriting(cmd *exec.Cmd, tmp string) error {
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			return err
		case <-tick.C:
			if m, _ := filepath.Glob(tmp); len(m) > 0 {
				cmd.Process.Signal(syscall.SIGINT)
				return <-exited
			}
		}
	}
}
