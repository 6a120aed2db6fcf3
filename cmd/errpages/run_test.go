package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestExitStatus checks the exit statuses: 0 success, 1 bad input or
// failed build, 2 usage error. (testscript's "! exec" only tells non-zero.)
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.toml"), []byte("name = \n"), 0o644)
	os.WriteFile(filepath.Join(dir, "small.toml"), []byte(small), 0o644)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"build", "-c", filepath.Join(dir, "small.toml"), "-o", filepath.Join(dir, "out")}, 0},
		{[]string{"version"}, 0},
		{[]string{"--help"}, 0},
		{[]string{"build", "--help"}, 0},
		{[]string{"build", "-c", filepath.Join(dir, "bad.toml"), "-o", filepath.Join(dir, "out2")}, 1},
		{[]string{"build", "-c", filepath.Join(dir, "missing.toml")}, 1},
		{nil, 2},
		{[]string{"nope"}, 2},
		{[]string{"build", "--nope"}, 2},
		{[]string{"build", "arg"}, 2},
		// A shard count past any CI matrix: it used to panic (1/4294967296)
		// or build nothing and replace the output (2/4294967297).
		{[]string{"build", "--shard", "1/4294967296", "-o", filepath.Join(dir, "out3")}, 2},
		{[]string{"build", "--shard", "2/4294967297", "-o", filepath.Join(dir, "out3")}, 2},
		{[]string{"build", "--shard", "0/4", "-o", filepath.Join(dir, "out3")}, 2},
	} {
		var stdout, stderr bytes.Buffer
		if got := run(context.Background(), tc.args, &stdout, &stderr); got != tc.want {
			t.Errorf("errpages %q: exit %d, want %d\n%s", tc.args, got, tc.want, stderr.String())
		}
	}
}

// small is a quick project: what these tests check does not depend on
// the project's size (the default build has its own script).
const small = "locales = [\"en\", \"de\"]\ncodes = [401, 404, 503]\n"

// TestInterrupted: a cancelled build exits 130 and keeps the previous output.
func TestInterrupted(t *testing.T) {
	dir := t.TempDir()
	out, config := filepath.Join(dir, "dist"), filepath.Join(dir, "errpages.toml")
	os.WriteFile(config, []byte(small), 0o644)
	var stderr bytes.Buffer
	if run(context.Background(), []string{"build", "-c", config, "-o", out}, &stderr, &stderr) != 0 {
		t.Fatal(stderr.String())
	}
	before, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := run(ctx, []string{"build", "-c", config, "-o", out}, &stderr, &stderr); got != 130 {
		t.Fatalf("exit %d, want 130", got)
	}
	after, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if !bytes.Equal(before, after) || len(after) == 0 {
		t.Error("an interrupted build changed the output")
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".dist.errpages-*")); len(m) != 0 {
		t.Errorf("left temporary folders: %v", m)
	}
}
