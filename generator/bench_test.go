package generator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// BenchmarkBuildDefault builds the built-in default project, every
// language, code and server configuration, written to disk: fresh (into a
// new folder each time), rebuilt with no change (over its own previous
// output), and rebuilt after one content file changed.
func BenchmarkBuildDefault(b *testing.B) {
	b.Run("fresh", func(b *testing.B) {
		p := load(b, "")
		dir := b.TempDir()
		b.ReportAllocs()
		var sum Summary
		i := 0
		for b.Loop() {
			out := filepath.Join(dir, strconv.Itoa(i))
			var err error
			if sum, err = p.Build(context.Background(), out, BuildOptions{}); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			os.RemoveAll(out)
			i++
			b.StartTimer()
		}
		reportRate(b, sum)
	})
	b.Run("rebuild", func(b *testing.B) { benchBuild(b, "") })
	b.Run("one-edit", func(b *testing.B) {
		// Two projects that differ in one content file, built in turn.
		edit := func(text string) *Project {
			return load(b, "-- content/en/404.md --\n+++\nrelated = [410]\n+++\n1. **"+text+".** Check the address.\n")
		}
		ps := []*Project{edit("One"), edit("Two")}
		out := filepath.Join(b.TempDir(), "dist")
		if _, err := ps[1].Build(context.Background(), out, BuildOptions{}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		var sum Summary
		i := 0
		for b.Loop() {
			var err error
			if sum, err = ps[i%2].Build(context.Background(), out, BuildOptions{}); err != nil {
				b.Fatal(err)
			}
			i++
		}
		reportRate(b, sum)
	})
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

// benchBuild builds a project over its own previous output: a rebuild.
func benchBuild(b *testing.B, project string) {
	p := load(b, project)
	out := filepath.Join(b.TempDir(), "dist")
	if _, err := p.Build(context.Background(), out, BuildOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var sum Summary
	for b.Loop() {
		var err error
		if sum, err = p.Build(context.Background(), out, BuildOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, sum)
}

func reportRate(b *testing.B, sum Summary) {
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(sum.Pages*b.N)/secs, "pages/s")
	b.ReportMetric(float64(sum.Files*b.N)/secs, "files/s")
}
