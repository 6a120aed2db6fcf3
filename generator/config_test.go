package generator

import (
	"strings"
	"testing"
)

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		want       []string
	}{
		{"malformed", "name = \"Acme\"\nurl = \"https://acme.example/\n", []string{"errpages.toml:2:"}},
		{"unclosed table", "[colors\n", []string{"errpages.toml:", "to end table name"}},
		{"unknown key suggests", "colour = \"#fff\"\n", []string{`errpages.toml:1:1: unknown key "colour" (did you mean "colors"?)`}},
		{"unknown nested key", "[colors.light]\nbackgrund = \"#ffffff\"\n", []string{`errpages.toml:2:1: unknown key "colors.light.backgrund" (did you mean "background"?)`}},
		{"unknown brand key", "[brands.a]\nnmae = \"A\"\n", []string{`errpages.toml:2:1: unknown key "brands.a.nmae" (did you mean "name"?)`}},
		{"unknown key no suggestion", "flavour_of_the_month = 1\n", []string{`unknown key "flavour_of_the_month"`}},
		{"wrong type", "\nname = 5\n", []string{"errpages.toml:2:1: name: expected a string, found an integer"}},
		{"code out of range", "codes = [404, 399]\n", []string{"errpages.toml:1:", "399 is out of range"}},
		{"code not a number", "codes = [\"abc\"]\n", []string{"errpages.toml:1:", `"abc" is not a number`}},
		{"duplicate code", "codes = [404, 404]\n", []string{"errpages.toml:1:1: codes: 404 is listed twice"}},
		{"bad locale", "locales = [\"en\", \"de_DE\"]\n", []string{"errpages.toml:1:", `locale "de_DE" is not a BCP 47`}},
		{"default not in locales", "locales = [\"en\"]\ndefault_locale = \"de\"\n", []string{"errpages.toml:2:1: default_locale \"de\" is not in locales"}},
		{"javascript link", "url = \"javascript:alert(1)\"\n", []string{"errpages.toml:1:", "only https:, http: and mailto:"}},
		{"bad colour", "[colors.light]\ntext = \"red\"\n", []string{"errpages.toml:2:", `colour "red"`}},
		{"low contrast", "[colors.light]\ntext = \"#999999\"\nbackground = \"#ffffff\"\nsurface = \"#ffffff\"\n",
			[]string{"errpages.toml:2:1: colors.light: text #999999 on surface #ffffff has contrast 2.84:1, below WCAG AA 4.5:1"}},
		{"low contrast dark", "[colors.dark]\naccent = \"#1d4ed8\"\n", []string{"colors.dark: accent #1d4ed8 on surface #1f2937"}},
		// The old default accent passes AA (6.70:1 on white) but not AAA.
		{"AAA contrast", "contrast = \"AAA\"\n[colors.light]\naccent = \"#1d4ed8\"\n",
			[]string{"errpages.toml:3:1: colors.light: accent #1d4ed8 on surface #ffffff has contrast 6.70:1, below WCAG AAA 7:1 for text"}},
		{"unknown contrast level", "contrast = \"AAAA\"\n", []string{`errpages.toml:1:1: contrast "AAAA": expected "AA" (4.5:1) or "AAA" (7:1)`}},
		{"bad brand id", "[brands.\"Acme Corp\"]\nname = \"x\"\n", []string{`brand id "Acme Corp"`}},
		{"bad url prefix", "[server]\nurl_prefix = \"http://x/\"\n", []string{"errpages.toml:2:1: server.url_prefix"}},
		{"relative root", "[server]\nroot = \"var/www\"\n", []string{"errpages.toml:2:1: server.root"}},
		{"unknown target", "[server]\ntargets = [\"nginx\", \"lighthttpd\"]\n", []string{`unknown target "lighthttpd"`}},
		{"bad retry code", "[server]\nretry_after = { 603 = \"120\" }\n", []string{"server.retry_after", "603 is out of range"}},
		{"theme path", "theme = \"../x\"\n", []string{`errpages.toml:1:1: theme "../x"`}},
		{"logo outside", "logo = \"../secret.svg\"\n", []string{`errpages.toml:1:1: logo "../secret.svg"`}},
		{"small budget", "page_budget = 100\n", []string{"page_budget 100 bytes is too small"}},
		{"several problems", "codes = [404, 404]\n[colors.light]\ntext = \"#aaaaaa\"\n", []string{"listed twice", "contrast"}},
		{"retry code with a leading zero", "[server]\nretry_after = { \"0503\" = 120 }\n", []string{"errpages.toml:2:17: server.retry_after.0503: expected a status code such as 503"}},
		{"retry code with a space", "[server]\nretry_after = { \" 503\" = 120 }\n", []string{`server.retry_after." 503": expected a status code`}},
		{"retry code with a sign", "[server]\nretry_after = { \"+503\" = 120 }\n", []string{`server.retry_after."+503": expected a status code`}},
		{"retry code not built", "codes = [404]\n[server]\nretry_after = { 503 = 120 }\n", []string{"errpages.toml:3:17: server.retry_after.503: 503 is not one of the codes built"}},
		{"cache code not built by the brand", "[brands.a]\ncodes = [404]\nserver.cache_control = { 410 = \"max-age=1\" }\n", []string{"server.cache_control.410: 410 is not one of the codes built"}},
		{"top-level custom code no brand builds", "[server]\nretry_after = { 599 = 1 }\n[brands.a]\n", []string{"server.retry_after.599: 599 is not one of the codes any brand builds"}},
		{"top-level code no brand builds", "[server]\nretry_after = { 503 = 1 }\n[brands.a]\ncodes = [404]\n", []string{"errpages.toml:2:17: server.retry_after.503: 503 is not one of the codes any brand builds"}},
		{"header name with spaces", "[server]\nheaders = { \"X Y\" = \"1\" }\n", []string{`server.headers."X Y": expected a header name`}},
		{"header value with CR LF", "[server]\nheaders = { \"X-Y\" = \"a\\r\\nB: c\" }\n", []string{`server.headers.X-Y: value "a\r\nB: c": expected printable ASCII`}},
		{"header value with a variable", "[server]\nheaders = { \"X-Y\" = \"$host\" }\n", []string{`server.headers.X-Y: value "$host"`}},
		{"header value with braces", "[server]\nheaders = { \"X-Y\" = \"{a}\" }\n", []string{`server.headers.X-Y: value "{a}"`}},
		{"header value empty", "[server]\nheaders = { \"X-Y\" = \"\" }\n", []string{`server.headers.X-Y: value ""`}},
		{"header errpages sets", "[server]\nheaders = { \"vary\" = \"*\" }\n", []string{"server.headers.vary: errpages sets Vary itself"}},
		{"header the server sets", "[server]\nheaders = { \"WWW-Authenticate\" = \"Basic\" }\n", []string{"server.headers.WWW-Authenticate: the server sends WWW-Authenticate with a 401"}},
		{"header [security] sends", "[server]\nheaders = { \"X-Robots-Tag\" = \"none\" }\n", []string{"server.headers.X-Robots-Tag: already sent by [security] noindex"}},
		{"header twice", "[server]\nheaders = { \"X-A\" = \"1\", \"x-a\" = \"2\" }\n", []string{`"X-A" is set twice`}},
		{"root with a wildcard", "[server]\nroot = \"/srv/a*\"\n", []string{"errpages.toml:2:1: server.root \"/srv/a*\": [, ], * and ? are wildcards"}},
		{"brand IDs that collide", "[brands.a-b]\n[brands.a_b]\n", []string{`errpages.toml:2:1: brands.a_b: brands "a-b" and "a_b" would share the nginx variables $errpages_a_b_*`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeConfig("errpages.toml", []byte(tc.toml))
			wantErr(t, err, tc.want...)
		})
	}
}

func TestConfigBrandsOverride(t *testing.T) {
	brands, _, err := decodeConfig("errpages.toml", []byte(`
name = "Acme"
codes = [404, 500]
locales = ["en", "de"]
[colors.light]
accent = "#0b57d0"
[brands.shop]
name = "Acme Shop"
codes = [401, 403, 404]
[brands.blog]
[brands.blog.colors.light]
accent = "#8a1538"
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(brands) != 2 || brands[0].ID != "blog" || brands[1].ID != "shop" {
		t.Fatalf("brands not sorted by id: %+v", brands)
	}
	blog, shop := brands[0], brands[1]
	if blog.Name != "Acme" || shop.Name != "Acme Shop" {
		t.Errorf("names: blog %q, shop %q", blog.Name, shop.Name)
	}
	if got := len(blog.Codes); got != 2 {
		t.Errorf("blog inherits 2 codes, got %v", blog.Codes)
	}
	if got := len(shop.Codes); got != 3 {
		t.Errorf("shop overrides codes, got %v", shop.Codes)
	}
	if blog.Colors.Light.Accent.String() != "#8a1538" || shop.Colors.Light.Accent.String() != "#0b57d0" {
		t.Errorf("accents: blog %s, shop %s", blog.Colors.Light.Accent, shop.Colors.Light.Accent)
	}
	if blog.Colors.Light.Text != defaultBrand().Colors.Light.Text {
		t.Errorf("a partial palette keeps the other defaults")
	}
}

func TestConfigSharedSlicesNotAliased(t *testing.T) {
	// The shop brand's longer codes must not write into the top level's
	// array, which the blog brand inherits.
	brands, _, err := decodeConfig("errpages.toml", []byte("codes = [404, 500, 503, 502]\n[brands.a]\ncodes = [401]\n[brands.b]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := brands[1].Codes; len(got) != 4 || got[0] != 404 {
		t.Errorf("brand b codes = %v, want the top-level [404 500 503 502]", got)
	}
}

func TestKeyPosition(t *testing.T) {
	src := []byte("name = \"x\"\n\n[colors.light]\n  text = \"#000\"\n[server]\nretry_after = { 503 = \"1\", 429 = \"2\" }\n")
	for _, tc := range []struct {
		key       []string
		line, col int
	}{
		{[]string{"name"}, 1, 1},
		{[]string{"colors", "light"}, 3, 1},
		{[]string{"colors", "light", "text"}, 4, 3},
		{[]string{"server", "retry_after", "429"}, 6, 28},
		{[]string{"missing"}, 0, 0},
	} {
		line, col := keyPosition(src, tc.key)
		if line != tc.line || col != tc.col {
			t.Errorf("%v: got %d:%d, want %d:%d", tc.key, line, col, tc.line, tc.col)
		}
	}
}

func TestServerSettingsAccepted(t *testing.T) {
	brands, _, err := decodeConfig("errpages.toml", []byte(`
codes = [404, 503]
[server]
root = "/srv/d'acme 100% é"
retry_after = { 503 = 120 }
cache_control = { 404 = "max-age=60" }
headers = { "X-Z" = "z", "Strict-Transport-Security" = "max-age=60", "Permissions-Policy" = "camera=(self \"https://a.example\")" }
[security]
csp = false
[brands.a]
server.headers = { "Content-Security-Policy" = "default-src 'none'" }
[brands.b]
codes = [404]
`))
	if err != nil {
		t.Fatal(err)
	}
	a, b := brands[0].Server, brands[1].Server
	var names []string
	for _, h := range a.headers {
		names = append(names, h.Name)
	}
	if got := strings.Join(names, " "); got != "Content-Security-Policy Permissions-Policy Strict-Transport-Security X-Z" {
		t.Errorf("brand a headers, in order: %s", got)
	}
	if a.retryAfter[503] != "120" || a.cacheControl[404] != "max-age=60" {
		t.Errorf("brand a tables: %v %v", a.retryAfter, a.cacheControl)
	}
	// b does not build 503: the inherited Retry-After is left out.
	if _, ok := b.retryAfter[503]; ok || len(b.headers) != 3 {
		t.Errorf("brand b: retry %v, %d headers", b.retryAfter, len(b.headers))
	}
}

// TestBuiltinPalettesReachAAA: the default palettes pass the strictest
// level, in both schemes.
func TestBuiltinPalettesReachAAA(t *testing.T) {
	if _, _, err := decodeConfig("errpages.toml", []byte("contrast = \"AAA\"\n")); err != nil {
		t.Error(err)
	}
}
