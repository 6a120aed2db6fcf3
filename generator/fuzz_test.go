package generator

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"maps"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/errpages/errpages/generator/servers"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"
)

// FuzzDecodeConfig: any input decodes or fails with an error; never panics,
// and a config that decodes has only valid links.
func FuzzDecodeConfig(f *testing.F) {
	for _, s := range []string{
		"", "name = \"Acme\"\n", "colour = 1", "codes = [404, 404]", "[brands.a]\nname = \"x\"\n[brands.b]\ncodes = [500]",
		"[colors.light]\ntext = \"#999\"", "url = \"javascript:alert(1)\"", "[server]\nretry_after = { 503 = \"120\" }",
		"[colors\n", "locales = [\"de-AT\", \"zh-Hant\"]\ndefault_locale = \"de-AT\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		brands, _, err := decodeConfig("errpages.toml", src)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, b := range brands {
			for _, l := range []Link{b.URL, b.Contact} {
				if l != "" && checkLink(string(l)) != nil {
					t.Fatalf("accepted bad link %q", l)
				}
			}
		}
	})
}

// FuzzParseContent: front matter parsing never panics and errors name the file.
func FuzzParseContent(f *testing.F) {
	for _, s := range []string{
		"", "+++\n", "+++\ntitle = \"x\"\n+++\nbody", "+++\nrelated = [403]\n+++\n1. a\n2. b\n",
		"+++\ntitel = 1\n+++\n", "\xef\xbb\xbf+++\r\ntitle = \"x\"\r\n+++\r\n", "\xff", "+++ \nsummary=\"\"\n+++ \n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := parseContent(source{name: "content/en/404.md", display: "content/en/404.md", data: data})
		if err != nil && !strings.HasPrefix(err.Error(), "content/en/404.md") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// FuzzRenderPage renders a page from a fuzzed brand name and Markdown body:
// no panic, the same bytes twice, no script or event handler in the output.
func FuzzRenderPage(f *testing.F) {
	for _, s := range [][2]string{
		{"Acme", "1. Reload.\n"},
		{"<script>alert(1)</script>", "<script>alert(2)</script>"},
		{"\"onmouseover=\"x", "[a](javascript:alert(1)) <img src=x onerror=alert(1)>"},
		{"", "# Title\n\n```\n<b>code</b>\n```\n"},
		{"Ünïcødé", "<!-- c --> <div onclick=x>hi</div>\n\n* a\n* b"},
	} {
		f.Add(s[0], s[1])
	}
	// Loading a project decodes the built-in locale strings, which costs
	// more than rendering: load once, and give each input a project that
	// differs only in the brand name and the 404 content, as Load makes it
	// from a name in errpages.toml and content/en/404.md.
	base, err := Load(Options{Project: projectFS("-- errpages.toml --\ncodes = [404]\nlocales = [\"en\"]\n"), Builtin: builtinFS})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, body string) {
		if !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
			return // TOML strings are UTF-8 without NUL
		}
		c, err := parseContent(source{name: "content/en/404.md", display: "content/en/404.md", data: []byte(body)})
		if err != nil {
			return
		}
		p := withPage(base, name, c)
		a, errA := p.RenderPage("", "en", 404)
		b, errB := p.RenderPage("", "en", 404)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("rendering twice: %v, then %v", errA, errB)
		}
		if errA != nil {
			return
		}
		if !bytes.Equal(a.HTML, b.HTML) {
			t.Fatal("rendering twice gave different bytes")
		}
		doc, err := html.Parse(bytes.NewReader(a.HTML))
		if err != nil {
			t.Fatal(err)
		}
		walk(doc, func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "script" {
				t.Fatalf("<script> in output of name %q body %q", name, body)
			}
			for _, at := range n.Attr {
				if strings.HasPrefix(at.Key, "on") {
					t.Fatalf("attribute %s in output of name %q body %q", at.Key, name, body)
				}
				if at.Key == "href" && checkLink(at.Val) != nil && !strings.HasPrefix(at.Val, "#") {
					t.Fatalf("link %q in output", at.Val)
				}
			}
		})
	})
}

// withPage returns a copy of a single-brand project whose brand is named
// name and whose English 404 content is c, with an empty render cache.
func withPage(base *Project, name string, c *content) *Project {
	b := *base.brands[0]
	b.Name = name
	content := maps.Clone(base.content)
	content[contentKey{"en", 404}] = c
	return &Project{
		layers: base.layers, brands: []*brand{&b}, locales: base.locales, uiKeys: base.uiKeys,
		content: content, md: base.md, min: base.min, pageMin: base.pageMin,
		configName: base.configName, configSrc: base.configSrc,
		rendered: map[renderKey]template.HTML{},
	}
}

func tomlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteString("\\u00")
			b.WriteString(string("0123456789abcdef"[r>>4]) + string("0123456789abcdef"[r&15]))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// FuzzServerConfig feeds server settings through the configuration and, when
// they are accepted, checks that every generated server file is well formed:
// nginx blocks and quotes balance and every directive ends; Apache, HAProxy,
// Caddy and lighttpd quotes and braces balance; IIS web.config is XML,
// Traefik's file YAML, and each HAProxy error file a well-formed response
// head. The real servers check samples in the e2e tests.
func FuzzServerConfig(f *testing.F) {
	f.Add("/_errors/", "/var/www/errpages", "en,de", "120", "max-age=60")
	f.Add("/errors/pages/", "/srv/my site/é", "zh-Hant,pt-BR", "Wed, 21 Oct 2026 07:28:00 GMT", "private, no-store")
	f.Add("/_e$rr/", "/var/www/x;y", "en", "1;2", "x\"y")
	f.Add("/a/../b/", "/x/{y}", "de-AT", "", "no-cache")
	f.Fuzz(func(t *testing.T, prefix, root, locales, retry, cache string) {
		var ls []string
		for _, l := range strings.Split(locales, ",") {
			if l != "" {
				ls = append(ls, tomlQuote(l))
			}
		}
		cfg := fmt.Sprintf("locales = [%s]\ncodes = [401, 404, 503]\n[server]\nurl_prefix = %s\nroot = %s\nretry_after = { 503 = %s }\ncache_control = { 404 = %s }\n",
			strings.Join(ls, ", "), tomlQuote(prefix), tomlQuote(root), tomlQuote(retry), tomlQuote(cache))
		brands, _, err := decodeConfig("errpages.toml", []byte(cfg))
		if err != nil {
			return
		}
		b := &brand{Brand: brands[0], locales: brands[0].Locales, codes: brands[0].Codes}
		if len(b.locales) == 0 {
			b.locales = []LocaleTag{"en"}
		}
		b.DefaultLocale = b.locales[0]
		site := b.site()
		for _, target := range servers.Targets() {
			files, err := servers.Write(target, site)
			if err != nil {
				t.Fatal(err)
			}
			for _, file := range files {
				if file.Page != nil && file.Page.Wrap != nil {
					data, err := file.Page.Wrap([]byte(strings.Repeat("x", 600)))
					if err != nil {
						t.Fatal(err)
					}
					checkResponseHead(t, file.Path, string(data))
				}
				checkServerFile(t, target, file.Path, string(file.Data))
			}
		}
	})
}

func checkServerFile(t *testing.T, target, name, data string) {
	t.Helper()
	switch {
	case target == "nginx":
		depth := 0
		for i, line := range strings.Split(data, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if (strings.Count(line, `"`)-strings.Count(line, `\"`))%2 != 0 {
				t.Fatalf("%s:%d: unbalanced quotes: %s", name, i+1, line)
			}
			if !strings.HasSuffix(line, ";") && !strings.HasSuffix(line, "{") && !strings.HasSuffix(line, "}") {
				t.Fatalf("%s:%d: unterminated directive: %s", name, i+1, line)
			}
			for _, v := range regexp.MustCompile(`\$[A-Za-z_]+`).FindAllString(line, -1) {
				if !strings.HasPrefix(v, "$errpages_") && v != "$status" && v != "$uri" && !strings.HasPrefix(v, "$http_") {
					t.Fatalf("%s:%d: stray variable %s: %s", name, i+1, v, line)
				}
			}
			depth += strings.Count(line, "{") - strings.Count(line, "}")
		}
		if depth != 0 {
			t.Fatalf("%s: unbalanced braces (%d)", name, depth)
		}
	case name == "iis/web.config":
		var v any
		if err := xml.Unmarshal([]byte(data), &v); err != nil {
			t.Fatalf("%s: not XML: %v", name, err)
		}
	case name == "traefik/errpages.yml":
		var v map[string]any
		if err := yaml.Unmarshal([]byte(data), &v); err != nil || v["http"] == nil {
			t.Fatalf("%s: not the YAML of an http configuration: %v", name, err)
		}
	default:
		depth := 0
		for i, line := range strings.Split(data, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if strings.Count(line, `"`)%2 != 0 {
				t.Fatalf("%s:%d: unbalanced quotes: %s", name, i+1, line)
			}
			if target != "apache" {
				depth += strings.Count(line, "{") - strings.Count(line, "}")
			}
		}
		if depth != 0 {
			t.Fatalf("%s: unbalanced braces (%d)", name, depth)
		}
	}
}

// checkResponseHead checks a raw HTTP response: a status line, then header
// lines with no stray CR or LF, then a blank line.
func checkResponseHead(t *testing.T, name, data string) {
	t.Helper()
	head, _, ok := strings.Cut(data, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	if !ok || !regexp.MustCompile(`^HTTP/1\.1 [45][0-9][0-9] [A-Za-z -]+$`).MatchString(lines[0]) {
		t.Fatalf("%s: no status line and blank line: %.200q", name, data)
	}
	for _, l := range lines[1:] {
		if !regexp.MustCompile(`^[A-Za-z-]+: [^\r\n]+$`).MatchString(l) {
			t.Fatalf("%s: malformed header line %q", name, l)
		}
	}
}
