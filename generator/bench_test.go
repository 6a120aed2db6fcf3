package generator

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkRenderPage renders one page (HTML and JSON, minified).
func BenchmarkRenderPage(b *testing.B) {
	p := load(b, "-- errpages.toml --\nname = \"Acme\"\nlocales = [\"en\", \"de\"]\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.RenderPage("", "de", 401); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkBuildDefault builds the built-in default project: every
// language, code and server configuration, written to disk.
func BenchmarkBuildDefault(b *testing.B) {
	benchBuild(b, "")
}

// BenchmarkBuildBrands builds projects of N brands, each with three
// languages, every code, and nginx and Apache configuration.
func BenchmarkBuildBrands(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("brands=%d", n), func(b *testing.B) { benchBuild(b, brandsProject(n)) })
	}
}

// brandsProject is a project of n brands with different accents.
func brandsProject(n int) string {
	var s strings.Builder
	s.WriteString("-- errpages.toml --\nlocales = [\"en\", \"de\", \"fr\"]\n[server]\ntargets = [\"nginx\", \"apache\"]\n")
	for i := range n {
		fmt.Fprintf(&s, "[brands.brand%03d]\nname = \"Brand %d\"\n[brands.brand%03d.colors.light]\naccent = \"#%02x4ed8\"\n", i, i, i, i%64)
	}
	return s.String()
}

func benchBuild(b *testing.B, project string) {
	p := load(b, project)
	out := filepath.Join(b.TempDir(), "dist")
	b.ReportAllocs()
	var sum Summary
	for b.Loop() {
		var err error
		if sum, err = p.Build(context.Background(), out, BuildOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(sum.Pages*b.N)/secs, "pages/s")
	b.ReportMetric(float64(sum.Files*b.N)/secs, "files/s")
}
