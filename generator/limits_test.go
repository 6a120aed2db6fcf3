package generator

import (
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
)

// worstInputs are the costliest 1 MiB inputs found for the TOML decoder
// and the Markdown parser: nesting past the limit (refused before decoding)
// and as deep as allowed, repeated to fill the file.
func worstInputs() map[string]struct{ toml, markdown string } {
	const size = 1<<20 - 4096 // room for the rest of the file
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	deepTOML := func(depth int) string {
		return "a = " + strings.Repeat("{ b = ", depth) + "1" + strings.Repeat(" }", depth) + "\n"
	}
	var lines strings.Builder
	for i := 0; lines.Len() < size; i++ {
		lines.WriteString("k" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26) + deepTOML(maxTOMLNesting)[1:])
	}
	return map[string]struct{ toml, markdown string }{
		"past the limit": {
			toml:     "a = " + fill("{ b = "),
			markdown: fill(">") + "\n",
		},
		"at the limit": {
			toml:     lines.String(),
			markdown: fill(strings.Repeat("> ", maxNesting/2) + strings.Repeat("- ", maxNesting/2) + "x\n"),
		},
		"inline runs": {
			toml:     "a = [" + fill("{ b = 1 },") + "]\n",
			markdown: fill("*a **b [c](/d) `e` <f> "),
		},
	}
}

// TestWorstInputsBounded: each worst 1 MiB errpages.toml and content file
// is refused or loaded with under 200 MB allocated. (Time is measured by
// BenchmarkWorstInputs: a shared machine makes wall-clock asserts flaky.)
func TestWorstInputsBounded(t *testing.T) {
	for name, in := range worstInputs() {
		for kind, archive := range map[string]string{
			"toml":     "-- errpages.toml --\nlocales = [\"en\"]\ncodes = [404]\n[other]\n" + in.toml,
			"markdown": "-- errpages.toml --\nlocales = [\"en\"]\ncodes = [404]\n",
		} {
			t.Run(name+"/"+kind, func(t *testing.T) {
				fsys := projectFS(archive)
				if kind == "markdown" {
					fsys["content/en/404.md"] = &fstest.MapFile{Data: []byte(in.markdown), Mode: 0o644}
				}
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				p, err := Load(Options{Project: fsys, Builtin: builtinFS})
				if err == nil {
					_, err = p.RenderPage("", "en", 404)
				}
				runtime.ReadMemStats(&after)
				limit := uint64(200)
				if raceEnabled {
					limit = 300 // the race detector's own allocations
				}
				if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > limit {
					t.Errorf("%d MB allocated, over %d (err %v)", mb, limit, err)
				}
				if name == "past the limit" && (err == nil || !strings.Contains(err.Error(), "nest deeper than")) {
					t.Errorf("not refused: %v", err)
				}
			})
		}
	}
}

func BenchmarkWorstInputs(b *testing.B) {
	for name, in := range worstInputs() {
		for kind, data := range map[string]string{"toml": in.toml, "markdown": in.markdown} {
			b.Run(name+"/"+kind, func(b *testing.B) {
				archive := "-- errpages.toml --\nlocales = [\"en\"]\ncodes = [404]\n"
				fsys := projectFS(archive)
				if kind == "toml" {
					fsys["errpages.toml"] = &fstest.MapFile{Data: []byte(archive[len("-- errpages.toml --\n"):] + "[other]\n" + data), Mode: 0o644}
				} else {
					fsys["content/en/404.md"] = &fstest.MapFile{Data: []byte(data), Mode: 0o644}
				}
				b.ReportAllocs()
				for b.Loop() {
					if p, err := Load(Options{Project: fsys, Builtin: builtinFS}); err == nil {
						p.RenderPage("", "en", 404)
					}
				}
			})
		}
	}
}
