package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/errpages/errpages"
	"github.com/errpages/errpages/generator"
)

// randomProjects is how many generated projects TestGeneratedSettings
// runs; ERRPAGES_PROJECTS changes it, ERRPAGES_SEED the first seed.
const randomProjects = 200

// builtinLocales are the locales errpages ships.
var builtinLocales = []string{"ar", "bg", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fr", "he", "hi", "hu", "id", "it",
	"ja", "ko", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sv", "th", "tr", "uk", "vi", "zh-Hans", "zh-Hant"}

// folderParts are pieces of folder names people really use: spaces,
// apostrophes, %, non-ASCII letters, a no-break space, a zero-width
// non-joiner, punctuation that is harmless in a path.
var folderParts = []string{"site", "my errors", "Fehlerseiten", "é", "\u00a0", "\u200c", "100%", "d'acme", "日本語", "ü-ö",
	"a.b", "~x", "(1)", "+plus", "=eq", "@at", "&and", "!bang", ",", "%41", "ملف"}

// urlPrefixes are URL prefixes people write: nested ones included.
var urlPrefixes = []string{"/_errors/", "/static/errors/", "/e/", "/a/b/c/", "/~err.pages/", "/x-y_z/", "/errors"}

// brandIDs are brand IDs no two of which collide in a server's names.
var brandIDs = []string{"a", "b-c", "shop", "x_1", "acme-de", "z9", "k-9_x", "brand2"}

// customCodes are codes a project may add with its own content.
var customCodes = []int{420, 444, 460, 499, 520, 530, 599}

// randomProject returns a valid project made from seed: the text of its
// errpages.toml and its other files, with its output (and server root) in
// a folder under base.
func randomProject(seed uint64, base string) (out string, files map[string]string) {
	r := rand.New(rand.NewPCG(seed, 0x657272))
	pick := func(list []string, min, max int) []string {
		n := min + r.IntN(max-min+1)
		perm := r.Perm(len(list))[:n]
		slices.Sort(perm)
		var out []string
		for _, i := range perm {
			out = append(out, list[i])
		}
		return out
	}
	var name strings.Builder
	for _, p := range pick(folderParts, 1, 4) {
		name.WriteString(p)
	}
	out = filepath.Join(base, strings.TrimSpace(name.String())+"x")
	files = map[string]string{}

	var b strings.Builder
	locales := pick(builtinLocales, 1, 4)
	fmt.Fprintf(&b, "locales = [%s]\ndefault_locale = %q\n", quoted(locales), locales[r.IntN(len(locales))])
	var codes []int
	for _, c := range generator.BuiltinCodes() {
		if r.IntN(6) == 0 || c == 401 || c == 404 {
			codes = append(codes, int(c))
		}
	}
	if r.IntN(3) == 0 {
		c := customCodes[r.IntN(len(customCodes))]
		codes = append(codes, c)
		files[fmt.Sprintf("content/en/%d.md", c)] = fmt.Sprintf("+++\ntitle = \"Custom %d\"\nsummary = \"A code of this site's own.\"\n+++\n1. Try again later.\n", c)
	}
	slices.Sort(codes)
	fmt.Fprintf(&b, "codes = %s\n", strings.ReplaceAll(fmt.Sprint(codes), " ", ", "))
	fmt.Fprintf(&b, "theme = %q\n", []string{"classic", "minimal", "terminal"}[r.IntN(3)])
	fmt.Fprintf(&b, "page.reference = %v\npage.reference_path = %v\npage.owner_hints = %v\n", r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0)
	if r.IntN(2) == 0 {
		b.WriteString("[maintenance]\nenabled = true\n")
		fmt.Fprintf(&b, "allow = [%s]\n", quoted(pick([]string{"192.0.2.7", "10.0.0.0/8", "2001:db8::/32", "::1"}, 0, 4)))
		fmt.Fprintf(&b, "health = [%s]\n", quoted(pick([]string{"/healthz", "/status/ready", "/.well-known/health"}, 0, 3)))
		if r.IntN(2) == 0 {
			b.WriteString("bypass_header = \"X-Team-Bypass: 0123456789abcdef-~+/=\"\n")
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "flag = %s\n", tomlString(filepath.Join(base, "flag ü", "maintenance.on")))
		}
	}
	b.WriteString("[server]\n")
	fmt.Fprintf(&b, "trust_request_id = %v\n", r.IntN(2) == 0)
	fmt.Fprintf(&b, "root = %s\nurl_prefix = %q\n", tomlString(out), urlPrefixes[r.IntN(len(urlPrefixes))])
	fmt.Fprintf(&b, "targets = [%s]\n", quoted(pick([]string{"nginx", "apache", "iis", "haproxy", "caddy", "lighttpd", "traefik"}, 1, 7)))
	var retry, cache []string
	for _, c := range codes {
		switch r.IntN(8) {
		case 0:
			retry = append(retry, fmt.Sprintf("%d = %d", c, r.IntN(3600)))
		case 1:
			retry = append(retry, fmt.Sprintf("%d = \"Wed, 21 Oct 2026 07:28:00 GMT\"", c))
		case 2:
			cache = append(cache, fmt.Sprintf("%d = \"private, max-age=%d\"", c, r.IntN(600)))
		}
	}
	fmt.Fprintf(&b, "retry_after = { %s }\ncache_control = { %s }\n", strings.Join(retry, ", "), strings.Join(cache, ", "))
	if r.IntN(2) == 0 {
		b.WriteString(`headers = { "Strict-Transport-Security" = "max-age=63072000; includeSubDomains", "Permissions-Policy" = "geolocation=(self \"https://maps.example\"), camera=()" }` + "\n")
	}
	if r.IntN(4) == 0 {
		b.WriteString("[server.haproxy]\nbufsize = 32768\nmaxrewrite = 2048\n")
	}
	if n := r.IntN(4); n > 0 {
		for _, id := range pick(brandIDs, n, n) {
			fmt.Fprintf(&b, "[brands.%s]\nname = \"Brand %s\"\n", id, id)
			if r.IntN(2) == 0 {
				fmt.Fprintf(&b, "locales = [%q]\ndefault_locale = %[1]q\n", locales[0])
			}
		}
	}
	files["errpages.toml"] = b.String()
	return out, files
}

// writeConfigs renders a project in memory and writes what the servers'
// configuration tests read: every server file and HAProxy's error files
// (raw responses that haproxy -c loads), the maintenance pages (which its
// maintenance rules load), and the manifests; not the other pages, which
// no configuration test opens.
func writeConfigs(t *testing.T, out string, files map[string]string) {
	t.Helper()
	p, err := generator.Load(generator.Options{Project: mapFS(files), Builtin: errpages.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := p.Render(context.Background(), generator.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range rendered {
		// HAProxy's maintenance rules load the maintenance pages at start.
		if f.Format == "conf" || f.Format == "http" || f.Format == "lf" || filepath.Base(name) == generator.ManifestName ||
			strings.HasPrefix(filepath.Base(name), "maintenance.") {
			write(t, filepath.Join(out, name), string(f.Data))
		}
	}
}

func quoted(list []string) string {
	var q []string
	for _, s := range list {
		q = append(q, strconv.Quote(s))
	}
	return strings.Join(q, ", ")
}

// TestGeneratedSettings builds many random but valid projects (awkward
// roots, nested URL prefixes, several brands, custom codes, subsets of
// locales and targets) and runs every server's own configuration test on
// each. A failure names the seed and prints the project; run it again with
// ERRPAGES_SEED=<seed> ERRPAGES_PROJECTS=1.
func TestGeneratedSettings(t *testing.T) {
	t.Parallel()
	first, count := uint64(1), randomProjects
	if s := os.Getenv("ERRPAGES_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ERRPAGES_SEED=%q: %v", s, err)
		}
		first = n
	}
	if s := os.Getenv("ERRPAGES_PROJECTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("ERRPAGES_PROJECTS=%q: %v", s, err)
		}
		count = n
	}
	for seed := first; seed < first+uint64(count); seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			out, files := randomProject(seed, tempDir(t))
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("seed %d; reproduce with ERRPAGES_SEED=%d ERRPAGES_PROJECTS=1; errpages.toml:\n%s", seed, seed, files["errpages.toml"])
				}
			})
			writeConfigs(t, out, files)
			serverConfigTests(t, out)
		})
	}
}
