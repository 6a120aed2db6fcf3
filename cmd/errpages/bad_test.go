package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestBadInput runs every project of testdata/bad: errpages build must
// exit 1 with the expected line on stderr, never panic, and write nothing.
//
// Each file is a txtar archive of the project. Its comment holds:
//
//	want: the exact line expected on stderr
//	want-re: or a regular expression for it
//	args: the command line (default: build -o out)
//	generate: PATH SIZE, a file of SIZE bytes too large to commit
//	symlink: PATH TARGET, a symbolic link
//	keep: PATH that exists before the build and must be left as it was
func TestBadInput(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.txtar")
	if len(files) < 40 {
		t.Fatalf("only %d bad-input cases", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, f := range a.Files {
				p := filepath.Join(dir, f.Name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"build", "-o", "out"}
			var want *regexp.Regexp
			var keep []string
			for _, line := range strings.Split(string(a.Comment), "\n") {
				key, val, _ := strings.Cut(line, ": ")
				fields := strings.Fields(val)
				switch key {
				case "want":
					want = regexp.MustCompile("^" + regexp.QuoteMeta(val) + "$")
				case "want-re":
					want = regexp.MustCompile("^" + val + "$")
				case "args":
					args = fields
				case "generate":
					size, _ := strconv.Atoi(fields[1])
					p := filepath.Join(dir, fields[0])
					os.MkdirAll(filepath.Dir(p), 0o755)
					if err := os.WriteFile(p, bytes.Repeat([]byte("a"), size), 0o644); err != nil {
						t.Fatal(err)
					}
				case "symlink":
					p := filepath.Join(dir, fields[0])
					os.MkdirAll(filepath.Dir(p), 0o755)
					if err := os.Symlink(fields[1], p); err != nil {
						t.Fatal(err)
					}
				case "keep":
					keep = append(keep, fields[0])
				}
			}
			if want == nil {
				t.Fatal("no want: line")
			}
			before := snapshot(t, dir, keep)
			t.Chdir(dir)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			found := false
			for _, line := range strings.Split(stderr.String(), "\n") {
				found = found || want.MatchString(line)
			}
			if !found {
				t.Errorf("stderr lacks the line %q:\n%s", want, stderr.String())
			}
			if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "goroutine ") {
				t.Errorf("stderr shows a panic:\n%s", stderr.String())
			}
			if len(keep) == 0 {
				if _, err := os.Lstat(filepath.Join(dir, "out")); err == nil {
					t.Error("the failed build wrote an output folder")
				}
			}
			if after := snapshot(t, dir, keep); after != before {
				t.Errorf("the failed build changed %v", keep)
			}
			if tmp, _ := filepath.Glob(filepath.Join(dir, ".*.errpages-*")); len(tmp) > 0 {
				t.Errorf("temporary folders left: %v", tmp)
			}
		})
	}
}

// snapshot describes the files under the kept paths.
func snapshot(t *testing.T, dir string, keep []string) string {
	var b strings.Builder
	for _, k := range keep {
		filepath.Walk(filepath.Join(dir, k), func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				data, _ := os.ReadFile(p)
				b.WriteString(p + "\x00" + string(data) + "\x00")
			}
			return nil
		})
	}
	return b.String()
}
