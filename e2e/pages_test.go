package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/errpages/errpages"
)

// themes lists the built-in themes, so that a new theme is tested at once.
func themes(t *testing.T) []string {
	entries, err := fs.ReadDir(errpages.Builtin(), "themes")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

const logo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#1d4ed8"/></svg>`

// buildThemes builds one brand per built-in theme, with a logo, in en, ar
// and ja, including IIS sub-status pages and the maintenance page.
func buildThemes(t *testing.T) string {
	t.Helper()
	var cfg strings.Builder
	cfg.WriteString("name = \"Acme\"\nurl = \"https://acme.example/\"\ncontact = \"mailto:web@acme.example\"\nlogo = \"logo.svg\"\nlocales = [\"en\", \"ar\", \"ja\"]\ncodes = [401, 404, 503]\n[maintenance]\nenabled = true\nretry_after = 900\nstatus_url = \"https://status.acme.example/\"\n[server]\ntargets = [\"iis\"]\n")
	for _, th := range themes(t) {
		fmt.Fprintf(&cfg, "[brands.%s]\ntheme = %q\n", th, th)
	}
	out := filepath.Join(tempDir(t), "out")
	buildProject(t, out, map[string]string{"errpages.toml": cfg.String(), "logo.svg": logo})
	return out
}

// helpCodes are the codes whose built-in pages carry steps, a FAQ and
// related codes.
var helpCodes = []int{400, 401, 403, 404, 405, 408, 410, 413, 414, 429, 431, 451, 500, 501, 502, 503, 504}

// buildHelpThemes builds one brand per built-in theme with the codes that
// carry help, everything a page can add switched on (Retry-After in words,
// the owner's section) and no contact link (the contact hint), in locales
// (every built-in one when empty).
func buildHelpThemes(t *testing.T, locales ...string) string {
	t.Helper()
	var cfg strings.Builder
	cfg.WriteString("page.owner_hints = true\ncodes = [")
	for i, c := range helpCodes {
		if i > 0 {
			cfg.WriteString(", ")
		}
		fmt.Fprint(&cfg, c)
	}
	cfg.WriteString("]\n")
	if len(locales) > 0 {
		fmt.Fprintf(&cfg, "locales = [\"%s\"]\n", strings.Join(locales, `", "`))
	}
	cfg.WriteString("[server]\ntargets = []\nretry_after = { 429 = 60, 503 = 7200 }\n")
	for _, th := range themes(t) {
		fmt.Fprintf(&cfg, "[brands.%s]\ntheme = %q\n", th, th)
	}
	out := filepath.Join(tempDir(t), "out")
	buildProject(t, out, map[string]string{"errpages.toml": cfg.String()})
	return out
}

// TestAccessibilityEveryLocale runs axe-core on a page of every built-in
// locale, with every optional part shown, taking the themes, the codes
// with help and the colour schemes in turn: no violations. (Every theme in
// en, ar and ja, both schemes and widths, is TestAccessibility's.)
func TestAccessibilityEveryLocale(t *testing.T) {
	t.Parallel()
	source, err := os.ReadFile(nodeModule(t, "axe-core/axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	out := buildHelpThemes(t)
	locales, _ := fs.Glob(errpages.Builtin(), "locales/*.toml")
	ths := themes(t)
	runs := 0
	for i, l := range locales {
		loc := strings.TrimSuffix(path.Base(l), ".toml")
		page := fmt.Sprintf("%s/pages/%s/%d.html", ths[i%len(ths)], loc, helpCodes[i%len(helpCodes)])
		if vs := axeFile(t, ctx, source, filepath.Join(out, page), 1280, []string{"light", "dark"}[i%2]); len(vs) > 0 {
			t.Errorf("%s: %d violations:%s", page, len(vs), describe(vs))
		}
		runs++
	}
	if runs < 33 {
		t.Fatalf("only %d axe runs", runs)
	}
	t.Logf("%d axe runs", runs)
}

// TestAccessibility runs axe-core in Chromium on every theme × en, ar, ja ×
// light and dark × 1280 and 390 px: no violations.
func TestAccessibility(t *testing.T) {
	t.Parallel()
	source, err := os.ReadFile(nodeModule(t, "axe-core/axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	out := buildThemes(t)
	runs := 0
	for _, th := range themes(t) {
		for _, loc := range []string{"en", "ar", "ja"} {
			for _, page := range []string{"pages/" + loc + "/401.html", "pages/" + loc + "/maintenance.html", "iis/_errors/" + loc + "/404.8.html"} {
				for _, scheme := range []string{"light", "dark"} {
					for _, width := range []int64{1280, 390} {
						runs++
						if vs := axeFile(t, ctx, source, filepath.Join(out, th, page), width, scheme); len(vs) > 0 {
							t.Errorf("%s %s %s %dpx: %d violations:%s", th, page, scheme, width, len(vs), describe(vs))
						}
					}
				}
			}
		}
	}
	t.Logf("%d axe runs", runs)
}

// TestAccessibilityCheckCanFail: a page with a low-contrast colour and a
// logo without alt text is reported, so a clean run means something.
func TestAccessibilityCheckCanFail(t *testing.T) {
	t.Parallel()
	source, err := os.ReadFile(nodeModule(t, "axe-core/axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	out := buildThemes(t)
	page, err := os.ReadFile(filepath.Join(out, "classic/pages/en/401.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The page's meta CSP allows its style block by hash: drop it, or the
	// changed style would not apply at all.
	bad := regexp.MustCompile(`<meta http-equiv=Content-Security-Policy content="[^"]*">`).ReplaceAllString(string(page), "")
	bad = strings.Replace(bad, "--muted:#475161", "--muted:#c8ccd2", 1)
	bad = strings.Replace(bad, "alt=Acme", "", 1)
	if !strings.Contains(string(page), "--muted:#475161") || !strings.Contains(string(page), "alt=Acme") {
		t.Fatal("the page did not have the expected colour or alt text to break")
	}
	file := filepath.Join(tempDir(t), "bad.html")
	write(t, file, bad)
	if err := view(ctx, file, 1280, "light"); err != nil {
		t.Fatal(err)
	}
	vs, err := axe(ctx, string(source))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"color-contrast", "image-alt"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe did not report %s on a broken page (got %v)", want, ids)
		}
	}
}

// uniqueHTML lists one file per distinct HTML page of an output folder.
func uniqueHTML(t *testing.T, out string) []string {
	var files []string
	seen := map[[32]byte]bool{}
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		data, _ := os.ReadFile(p)
		if sum := sha256.Sum256(data); !seen[sum] {
			seen[sum] = true
			files = append(files, p)
		}
		return nil
	})
	return files
}

// subStatusInTurn keeps the files that are not IIS sub-status pages, and
// of those (iis/<dir>/<folder>/<code>.<sub>.html) the English ones and,
// for each sub-status, the ones of one more language folder, in turn. A
// sub-status page differs between languages in its text only, which the
// templates escape.
func subStatusInTurn(t *testing.T, files []string) []string {
	sub := regexp.MustCompile(`/iis/[^/]+/([^/]+)/([0-9]+\.[0-9]+)\.html$`)
	folders := map[string]bool{}
	codes := map[string]bool{}
	for _, f := range files {
		if m := sub.FindStringSubmatch(f); m != nil {
			folders[m[1]], codes[m[2]] = true, true
		}
	}
	order := slices.Sorted(maps.Keys(folders))
	turn := map[string]string{}
	for i, c := range slices.Sorted(maps.Keys(codes)) {
		turn[c] = order[i%len(order)]
	}
	var out []string
	seen := map[string]bool{}
	for _, f := range files {
		m := sub.FindStringSubmatch(f)
		if m == nil || strings.HasPrefix(m[1], "en") && !seen[m[2]+"en"] || m[1] == turn[m[2]] {
			out = append(out, f)
			if m != nil && strings.HasPrefix(m[1], "en") {
				seen[m[2]+"en"] = true
			}
		}
	}
	if len(codes) < 80 {
		t.Fatalf("only %d IIS sub-status codes", len(codes))
	}
	return out
}

type vnuMessage struct {
	Type    string `json:"type"`
	URL     string `json:"url"`
	Line    int    `json:"lastLine"`
	Message string `json:"message"`
}

// vnu runs the W3C Nu HTML checker and returns its error messages.
func vnu(t *testing.T, files []string) []vnuMessage {
	t.Helper()
	jar := nodeModule(t, "vnu-jar/build/dist/vnu.jar")
	java := need(t, "java")
	// One short run: the client compiler and a serial collector use half
	// the CPU of the defaults, which then needs a larger thread stack than
	// the checker's 512k minimum. Language detection only yields warnings.
	args := []string{"-Xss4m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar, "--errors-only", "--no-langdetect", "--format", "json", "--stdout"}
	cmd := exec.Command(java, append(args, files...)...)
	out, _ := cmd.Output() // exits 1 when it finds errors
	var r struct{ Messages []vnuMessage }
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("vnu output: %v\n%s", err, out)
	}
	return r.Messages
}

// TestHTMLValid validates with the Nu checker, expecting no errors: every
// distinct page of the default build (its IIS sub-status pages in English
// and in one more language each, taken in turn, so that every sub-status
// and every language is checked), every page of a multi-brand project
// (every theme, IIS sub-status pages, a logo) and of every theme's pages
// with help and every optional part.
func TestHTMLValid(t *testing.T) {
	t.Parallel()
	files := append(subStatusInTurn(t, uniqueHTML(t, defaultBuild(t))), uniqueHTML(t, buildThemes(t))...)
	files = append(files, uniqueHTML(t, buildHelpThemes(t, "en", "ar", "ja"))...)
	// The checker can fail: a broken page, checked in the same run, is
	// reported.
	bad := filepath.Join(tempDir(t), "bad.html")
	write(t, bad, "<!doctype html><html lang=en><title>x</title><p><div></p></span>")
	badReported := false
	for _, m := range vnu(t, append(files, bad)) {
		if strings.HasSuffix(m.URL, "/bad.html") {
			badReported = true
			continue
		}
		t.Errorf("%s:%d: %s: %s", m.URL, m.Line, m.Type, m.Message)
	}
	if !badReported {
		t.Error("vnu found no error in a broken page")
	}
	t.Logf("%d distinct pages validated", len(files))
}

// TestTerminalReadsAsWords opens the terminal theme in Chromium and reads
// its accessibility tree: every heading's accessible name is the heading's
// own text (no "## " decoration, no upper-casing), and a brand without a
// name or logo still gets a window bar with text.
func TestTerminalReadsAsWords(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	out := filepath.Join(tempDir(t), "out")
	buildProject(t, out, map[string]string{"errpages.toml": "theme = \"terminal\"\nlocales = [\"en\", \"de\"]\ncodes = [401, 404]\n[server]\ntargets = []\n"})
	for _, page := range []string{"pages/en/401.html", "pages/de/404.html"} {
		var texts []string
		var bar string
		if err := chromedp.Run(ctx,
			chromedp.Navigate("file://"+filepath.Join(out, page)),
			chromedp.Evaluate(`[...document.querySelectorAll("h1, h2, h3")].map(h => h.textContent.trim())`, &texts),
			chromedp.Evaluate(`document.querySelector(".bar").textContent.trim()`, &bar),
		); err != nil {
			t.Fatal(err)
		}
		// The tree is read raw: cdproto's types refuse property names newer
		// than the package.
		type value struct {
			Value any `json:"value"`
		}
		var tree struct {
			Nodes []struct {
				Ignored bool  `json:"ignored"`
				Role    value `json:"role"`
				Name    value `json:"name"`
			} `json:"nodes"`
		}
		err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			return cdp.Execute(ctx, accessibility.CommandGetFullAXTree, nil, &tree)
		}))
		var names []string
		for _, n := range tree.Nodes {
			if name, ok := n.Name.Value.(string); ok && !n.Ignored && n.Role.Value == "heading" {
				names = append(names, strings.Join(strings.Fields(name), " "))
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := range texts {
			texts[i] = strings.Join(strings.Fields(texts[i]), " ")
		}
		if len(texts) < 3 || !slices.Equal(names, texts) {
			t.Errorf("%s: headings read as %q, their text is %q", page, names, texts)
		}
		if bar == "" {
			t.Errorf("%s: the window bar is empty", page)
		}
	}
}
