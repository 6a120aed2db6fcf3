package generator

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/errpages/errpages"
	"github.com/rogpeppe/go-internal/txtar"
)

// projectFS turns an inline txtar archive into a project folder.
func projectFS(archive string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, f := range txtar.Parse([]byte(archive)).Files {
		fsys[f.Name] = &fstest.MapFile{Data: f.Data, Mode: 0o644}
	}
	return fsys
}

// load loads an inline project, failing the test on error.
func load(t testing.TB, archive string) *Project {
	t.Helper()
	p, err := loadErr(archive)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

func loadErr(archive string) (*Project, error) {
	return Load(Options{Project: projectFS(archive), Builtin: builtinFS})
}

// build builds an inline project into a fresh folder and returns it.
func build(t testing.TB, archive string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "dist")
	if _, err := load(t, archive).Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatalf("Build: %v", err)
	}
	return out
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantErr asserts err's text contains every fragment.
func wantErr(t testing.TB, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
}

var builtinFS = errpages.Builtin()
