package generator

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenProjects are canonical builds whose whole output is kept under
// testdata/golden/<name>. Run `go test ./generator -update` after an
// intended change and review the diff.
var goldenProjects = map[string]string{
	"acme": `
-- errpages.toml --
name = "Acme"
url = "https://acme.example/"
contact = "mailto:webmaster@acme.example"
logo = "assets/logo.svg"
locales = ["en", "de"]
codes = [401, 404, 503]
[colors.light]
accent = "#0b57d0"
-- assets/logo.svg --
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">
  <!-- a blue square -->
  <rect width="40" height="40" rx="8" fill="#0b57d0"/>
</svg>
-- content/en/404.md --
+++
summary = "We looked everywhere, but this page is not here."
related = [410]
+++
1. **Check the address** for typos.
2. Search the [help centre](https://help.acme.example/).
`,
}

func TestGolden(t *testing.T) {
	for name, project := range goldenProjects {
		t.Run(name, func(t *testing.T) {
			compareTree(t, build(t, project), filepath.Join("testdata", "golden", name))
		})
	}
	// The default build is large: its manifest (every file's sha256) stands
	// for it, plus two whole pages.
	t.Run("default", func(t *testing.T) {
		out := build(t, "")
		dir := filepath.Join("testdata", "golden", "default")
		for _, name := range []string{ManifestName, "pages/en/401.html", "pages/de/404.html",
			"nginx/http.conf", "nginx/server.conf", "apache/errpages.conf", "apache/htaccess.conf", "pages/401.var", "iis/web.config"} {
			compareFile(t, filepath.Join(out, name), filepath.Join(dir, name))
		}
	})
}

// compareTree compares a build with its golden tree. A file with the
// same bytes as one before it (the IIS language folders hold copies of the
// pages) is not kept twice: copies.txt lists each copy and its original.
func compareTree(t *testing.T, got, want string) {
	t.Helper()
	if *update {
		os.RemoveAll(want)
	}
	kept := map[string]bool{copiesName: true}
	first := map[[32]byte]string{}
	var copies strings.Builder
	filepath.WalkDir(got, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(got, p)
		rel = filepath.ToSlash(rel)
		if orig, ok := first[sha256.Sum256(data)]; ok {
			fmt.Fprintf(&copies, "%s = %s\n", rel, orig)
			return nil
		}
		first[sha256.Sum256(data)] = rel
		kept[rel] = true
		compareFile(t, p, filepath.Join(want, rel))
		return nil
	})
	list := filepath.Join(t.TempDir(), copiesName)
	if err := os.WriteFile(list, []byte(copies.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	compareFile(t, list, filepath.Join(want, copiesName))
	filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if rel, _ := filepath.Rel(want, p); !kept[filepath.ToSlash(rel)] {
				t.Errorf("%s: golden file not produced by the build", p)
			}
		}
		return nil
	})
}

const copiesName = "copies.txt"

// compareFile fails naming the first differing line.
func compareFile(t *testing.T, got, want string) {
	t.Helper()
	g, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		os.MkdirAll(filepath.Dir(want), 0o755)
		if err := os.WriteFile(want, g, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	w, err := os.ReadFile(want)
	if err != nil {
		t.Errorf("%v (run go test ./generator -update to create it)", err)
		return
	}
	if bytes.Equal(g, w) {
		return
	}
	gl, wl := strings.Split(string(g), "\n"), strings.Split(string(w), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var a, b string
		if i < len(gl) {
			a = gl[i]
		}
		if i < len(wl) {
			b = wl[i]
		}
		if a != b {
			j := 0
			for j < min(len(a), len(b)) && a[j] == b[j] {
				j++
			}
			from := max(0, j-40)
			t.Errorf("%s:%d:%d differs from the build (run with -update if intended):\n got: …%.120s\nwant: …%.120s", want, i+1, j+1, a[from:], b[from:])
			return
		}
	}
}
