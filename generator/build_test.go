package generator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/errpages/errpages/generator/servers"
	"golang.org/x/net/html"
)

// readManifest reads out/manifest.json.
func readManifest(t testing.TB, out string) Manifest {
	t.Helper()
	var m Manifest
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, ManifestName))), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDefaultBuild(t *testing.T) {
	out := build(t, "")
	m := readManifest(t, out)
	pages := map[string]bool{}
	for _, f := range m.Files {
		pages[f.Path] = true
		data := readFile(t, filepath.Join(out, f.Path))
		if len(data) != f.Bytes {
			t.Errorf("%s: manifest says %d bytes, file has %d", f.Path, f.Bytes, len(data))
		}
	}
	for _, loc := range requiredLocales {
		for _, c := range builtinCodes {
			for _, ext := range []string{"html", "json"} {
				name := "pages/" + loc + "/" + itoa(c) + "." + ext
				if !pages[name] {
					t.Errorf("manifest lacks %s", name)
				}
			}
		}
	}
	kinds := map[string]int{}
	for _, f := range m.Files {
		kinds[f.Kind]++
	}
	if want := len(requiredLocales) * len(builtinCodes); kinds["page"] != want || kinds["problem"] != want {
		t.Errorf("manifest lists %d pages and %d problem documents, want %d each", kinds["page"], kinds["problem"], want)
	}
	for _, name := range []string{"nginx/http.conf", "nginx/server.conf", "apache/errpages.conf", "apache/htaccess.conf", "pages/.htaccess", "pages/404.var", "iis/web.config", "iis/_errors/en-US/401.html", "iis/_errors/de-CH/401.3.html"} {
		if !pages[name] {
			t.Errorf("manifest lacks %s", name)
		}
	}
}

func itoa(c StatusCode) string { return strconv.Itoa(int(c)) }

// TestPagesSelfContained checks the page rules (self-contained, lang and
// dir, viewport, robots, title, size) on every page of a branded build:
// lang, dir, title, size, no script, and no URL but the configured links.
func TestPagesSelfContained(t *testing.T) {
	out := build(t, `
-- errpages.toml --
name = "Acme"
url = "https://acme.example/"
contact = "mailto:webmaster@acme.example"
logo = "assets/logo.svg"
locales = ["en", "de", "ar", "ja"]
-- assets/logo.svg --
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0b57d0"/></svg>
`)
	m := readManifest(t, out)
	n := 0
	for _, f := range m.Files {
		if f.Format != "html" {
			continue
		}
		if f.Kind == "page" {
			n++
		}
		data := readFile(t, filepath.Join(out, f.Path))
		if len(data) < 513 || len(data) > 16*1024 {
			t.Errorf("%s: %d bytes, want 513 to 16384", f.Path, len(data))
		}
		doc, err := html.Parse(strings.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var title string
		walk(doc, func(n *html.Node) {
			if n.Type != html.ElementNode {
				return
			}
			switch n.Data {
			case "html":
				if attr(n, "lang") != string(f.Locale) || attr(n, "dir") != direction(f.Locale) {
					t.Errorf("%s: <html lang=%q dir=%q>", f.Path, attr(n, "lang"), attr(n, "dir"))
				}
			case "title":
				title = n.FirstChild.Data
			case "script", "link", "iframe", "object", "embed", "base", "form":
				t.Errorf("%s: has a <%s> element", f.Path, n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("%s: event handler attribute %s", f.Path, a.Key)
				}
				switch a.Key {
				case "href":
					if a.Val != "https://acme.example/" && a.Val != "mailto:webmaster@acme.example" {
						t.Errorf("%s: link to %q", f.Path, a.Val)
					}
				case "src", "srcset", "action", "formaction", "poster", "data":
					if !strings.HasPrefix(a.Val, "data:image/") {
						t.Errorf("%s: %s=%q loads something", f.Path, a.Key, a.Val)
					}
				}
			}
		})
		if !strings.Contains(title, strconv.Itoa(f.Code)) || !strings.Contains(title, "Acme") {
			t.Errorf("%s: <title>%s</title> lacks the code or brand", f.Path, title)
		}
		if regexp.MustCompile(`(?i)url\(|@import|@font-face`).MatchString(data) {
			t.Errorf("%s: CSS loads something", f.Path)
		}
	}
	if n != 4*len(builtinCodes) {
		t.Errorf("checked %d pages, want %d", n, 4*len(builtinCodes))
	}
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func find(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	walk(n, func(c *html.Node) {
		if c.Type == html.ElementNode && c.Data == tag {
			out = append(out, c)
		}
	})
	return out
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func renderDoc(t *testing.T, p *Project, brand string, loc LocaleTag, code StatusCode) *html.Node {
	t.Helper()
	pg, err := p.RenderPage(brand, loc, code)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(string(pg.HTML)))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func Test401StepsAndRelated(t *testing.T) {
	p := load(t, "")
	for _, loc := range []LocaleTag{"en", "de"} {
		doc := renderDoc(t, p, "", loc, 401)
		ols := find(doc, "ol")
		if len(ols) != 1 || len(find(ols[0], "li")) < 5 {
			t.Fatalf("%s: want one ordered list of at least 5 steps, got %d lists", loc, len(ols))
		}
		related := ""
		for _, s := range find(doc, "section") {
			if attr(s, "class") == "related" {
				related = textOf(s)
			}
		}
		for _, code := range []string{"403", "407"} {
			if !strings.Contains(related, code) {
				t.Errorf("%s: related section %q does not name %s", loc, related, code)
			}
		}
	}
	en := textOf(renderDoc(t, p, "", "en", 401))
	for _, want := range []string{"Authorization Required", "HTTP Error 401 - Unauthorized", "403", "cookies", "sign in"} {
		if !strings.Contains(en, want) {
			t.Errorf("the English 401 page does not mention %q", want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	const project = `
-- errpages.toml --
name = "Acme"
locales = ["en", "de", "fr"]
[brands.a]
[brands.b]
name = "Beta"
theme = "classic"
[brands.b.colors.dark]
accent = "#a8c7fa"
`
	a, b := readManifest(t, build(t, project)), readManifest(t, build(t, project))
	if !slices.Equal(a.Files, b.Files) {
		t.Fatal("two builds of the same project differ")
	}
}

func TestFailedBuildKeepsPreviousOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	good := load(t, "-- errpages.toml --\nname = \"Acme\"\ncodes = [404]\n")
	if _, err := good.Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, filepath.Join(out, "pages/en/404.html"))
	// A project whose pages cannot render: the budget is smaller than a page.
	bad := load(t, "-- errpages.toml --\nname = \"Other\"\ncodes = [404]\npage_budget = 1024\n")
	_, err := bad.Build(context.Background(), out, BuildOptions{})
	wantErr(t, err, "over the page_budget of 1024 bytes")
	if after := readFile(t, filepath.Join(out, "pages/en/404.html")); after != before {
		t.Error("a failed build changed the previous output")
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".dist.errpages-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary folders left behind: %v", leftovers)
	}
	// A later good build replaces it.
	if _, err := load(t, "-- errpages.toml --\nname = \"Third\"\ncodes = [404]\n").Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "pages/en/404.html")), "Third") {
		t.Error("a good build did not replace the output")
	}
}

func TestRefusesUserFolder(t *testing.T) {
	out := t.TempDir()
	mine := filepath.Join(out, "notes.txt")
	if err := os.WriteFile(mine, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := load(t, "").Build(context.Background(), out, BuildOptions{})
	wantErr(t, err, "has no errpages manifest.json: refusing to replace it")
	if readFile(t, mine) != "precious" {
		t.Error("the user's file was changed")
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("the user's folder now has %d entries", len(entries))
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	_, err = load(t, "").Build(context.Background(), file, BuildOptions{})
	wantErr(t, err, "output path is a file")
}

func TestEscaping(t *testing.T) {
	p := load(t, `
-- errpages.toml --
name = "<script>alert(1)</script>"
codes = [404]
locales = ["en"]
-- content/en/404.md --
+++
title = "Gone <b>missing</b>"
+++
1. Try <script>alert(2)</script> and <img src=x onerror=alert(3)>.

<div onclick="alert(4)">block</div>
`)
	pg, err := p.RenderPage("", "en", 404)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := html.Parse(strings.NewReader(string(pg.HTML)))
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "img" || n.Data == "div") {
			t.Errorf("raw <%s> element in output", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("event handler %s in output", a.Key)
			}
		}
	})
	text := textOf(doc)
	for _, want := range []string{"<script>alert(1)</script>", "<script>alert(2)</script>", `<div onclick="alert(4)">block</div>`, "Gone <b>missing</b>"} {
		if !strings.Contains(text, want) {
			t.Errorf("escaped text %q not shown on the page", want)
		}
	}

	unsafe := load(t, `
-- errpages.toml --
codes = [404]
locales = ["en"]
unsafe_html = true
-- content/en/404.md --
1. Press <kbd>F5</kbd>.
`)
	pg, err = unsafe.RenderPage("", "en", 404)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pg.HTML), "<kbd>F5</kbd>") {
		t.Error("unsafe_html = true did not keep raw HTML")
	}
}

func TestContentLinks(t *testing.T) {
	for _, tc := range []struct{ md, want string }{
		{"1. [x](javascript:alert(1))\n", `content/en/404.md:1: link "javascript:alert(1)"`},
		{"Intro.\n\n![logo](https://cdn.example/x.png)\n", "content/en/404.md:3: images are not allowed"},
		{"+++\nrelated = [403]\n+++\nSee [this](data:text/html,x).\n", "content/en/404.md:4: link"},
	} {
		_, err := load(t, "-- errpages.toml --\ncodes = [404]\nlocales = [\"en\"]\n-- content/en/404.md --\n"+tc.md).RenderPage("", "en", 404)
		wantErr(t, err, tc.want)
	}
	p := load(t, "-- errpages.toml --\ncodes = [404]\nlocales = [\"en\"]\n-- content/en/404.md --\n[Status](https://status.acme.example/) or [mail](mailto:a@acme.example) or [top](#help-h)\n")
	if _, err := p.RenderPage("", "en", 404); err != nil {
		t.Errorf("http, mailto and fragment links are allowed: %v", err)
	}
}

func TestMultiBrand(t *testing.T) {
	const project = `
-- errpages.toml --
codes = [404, 500]
locales = ["en"]
[brands.acme]
name = "Acme"
[brands.beta]
name = "Beta"
[brands.beta.colors.light]
accent = "#8a1538"
`
	out := build(t, project)
	root := readManifest(t, out)
	if !slices.Equal(root.Brands, []string{"acme", "beta"}) {
		t.Errorf("root manifest brands = %v", root.Brands)
	}
	for _, b := range []string{"acme", "beta"} {
		n := 0
		for _, f := range readManifest(t, filepath.Join(out, b)).Files {
			if f.Kind == "page" || f.Kind == "problem" {
				n++
			}
		}
		if n != 4 {
			t.Errorf("%s: manifest lists %d pages and problem documents, want 4", b, n)
		}
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "beta/pages/en/404.html")), "#8a1538") {
		t.Error("beta's palette is not in its pages")
	}
	if strings.Contains(readFile(t, filepath.Join(out, "acme/pages/en/404.html")), "#8a1538") {
		t.Error("beta's palette leaked into acme")
	}

	one := filepath.Join(t.TempDir(), "one")
	if _, err := load(t, project).Build(context.Background(), one, BuildOptions{Brands: []string{"beta"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(one, "acme")); !os.IsNotExist(err) {
		t.Error("--brand beta also built acme")
	}
	_, err := load(t, project).Build(context.Background(), one, BuildOptions{Brands: []string{"gamma"}})
	wantErr(t, err, `no brand "gamma"`)
}

func TestLocaleOverlayAndFallback(t *testing.T) {
	p := load(t, `
-- errpages.toml --
locales = ["en", "de-AT", "sw"]
codes = [404, 499]
-- locales/de.toml --
[ui]
home = "Heim"
-- locales/sw.toml --
[ui]
error = "Kosa"
[codes.404]
title = "Ukurasa haupatikani"
summary = "Ukurasa huu haupo."
-- content/en/499.md --
+++
title = "Client Closed Request"
summary = "You closed the connection before the page was ready."
+++
1. Reload the page.
`)
	// de-AT falls back to de; the project's de.toml overrides one key and
	// keeps the built-in others.
	de := textOf(renderDoc(t, p, "", "de-AT", 404))
	if !strings.Contains(de, "Heim") || !strings.Contains(de, "Was Sie tun können") {
		t.Errorf("de-AT page: %q", de)
	}
	// sw has only some strings: the rest falls back to English, never raw keys.
	sw := textOf(find(renderDoc(t, p, "", "sw", 404), "body")[0])
	if !strings.Contains(sw, "Kosa") || !strings.Contains(sw, "Ukurasa haupatikani") || !strings.Contains(sw, "What you can do") {
		t.Errorf("sw page: %q", sw)
	}
	if strings.Contains(sw, "ui.") || strings.Contains(sw, "codes.") {
		t.Errorf("sw page shows a raw key: %q", sw)
	}
	// A custom code with its own content in English serves every locale.
	custom := textOf(renderDoc(t, p, "", "sw", 499))
	if !strings.Contains(custom, "Client Closed Request") || !strings.Contains(custom, "Reload the page") {
		t.Errorf("custom code page: %q", custom)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, archive string
		want          []string
	}{
		{"locale without strings", "-- errpages.toml --\nlocales = [\"en\", \"sw\"]\n", []string{`errpages.toml:1:1: locale "sw" has no strings`}},
		{"custom code without text", "-- errpages.toml --\ncodes = [499]\nlocales = [\"en\"]\n", nil},
		{"missing theme", "-- errpages.toml --\ntheme = \"fancy\"\n", []string{`errpages.toml:1:1: theme "fancy" not found`, "classic"}},
		{"missing logo", "-- errpages.toml --\nlogo = \"assets/logo.svg\"\n", []string{`errpages.toml:1:1: logo "assets/logo.svg": logo not found`}},
		{"logo not svg", "-- errpages.toml --\nlogo = \"logo.svg\"\n-- logo.svg --\nhello\n", []string{"logo.svg: logo is not an SVG image"}},
		{"bad png", "-- errpages.toml --\nlogo = \"logo.png\"\n-- logo.png --\nGIF89a\n", []string{"logo.png: logo is not a PNG image"}},
		{"front matter unclosed", "-- content/en/404.md --\n+++\ntitle = \"x\"\n", []string{"content/en/404.md:1:1: front matter opened with +++ is never closed"}},
		{"front matter unknown key", "-- content/en/404.md --\n+++\ntitel = \"x\"\n+++\n", []string{`content/en/404.md:2:1: unknown front matter key "titel" (did you mean "title"?)`}},
		{"front matter bad type", "-- content/en/404.md --\n+++\n\nrelated = 403\n+++\n", []string{"content/en/404.md:3:1: related: expected an array"}},
		{"content not a code", "-- content/en/notes.md --\nhi\n", []string{"content/en/notes.md: content file must be named <code>.md"}},
		{"content bad locale dir", "-- content/english/404.md --\nhi\n", []string{"content/english: content folder must be named by a locale tag"}},
		{"locale file bad key", "-- locales/en.toml --\n[ui]\nhome = \"Home\"\n[codez.404]\ntitle = \"x\"\n", []string{`locales/en.toml:3:1: unknown key "codez.404"`}},
		{"locale file bad code", "-- locales/en.toml --\n[codes.700]\ntitle = \"x\"\n", []string{"locales/en.toml:1:1: codes.700", "out of range"}},
		{"locale non-canonical name", "-- locales/de_DE.toml --\n", []string{`locales/de_DE.toml: locale "de_DE" is not a BCP 47`}},
		{"non-UTF-8 config", "-- errpages.toml --\nname = \"\xff\"\n", []string{"errpages.toml:1: file is not valid UTF-8"}},
		{"template syntax", "-- themes/classic/page.html --\n<p>{{.Title</p>\n", []string{"themes/classic/page.html:1: bad character"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := loadErr(tc.archive)
			if err == nil && tc.name == "custom code without text" {
				_, err = p.RenderPage("", "en", 499)
				wantErr(t, err, "code 499 has no title or summary")
				return
			}
			wantErr(t, err, tc.want...)
		})
	}
}

func TestTemplateMissingKey(t *testing.T) {
	p := load(t, "-- errpages.toml --\ncodes = [404]\nlocales = [\"en\"]\n-- themes/classic/page.html --\n<!DOCTYPE html><title>{{.T.no_such_string}}</title>\n")
	_, err := p.RenderPage("", "en", 404)
	wantErr(t, err, "themes/classic/page.html:1:", "no_such_string")
}

func TestBOMAndCRLF(t *testing.T) {
	p := load(t, "-- errpages.toml --\n\xef\xbb\xbfname = \"Acme\"\r\ncodes = [404]\r\nlocales = [\"en\"]\r\n-- content/en/404.md --\n\xef\xbb\xbf+++\r\ntitle = \"Lost\"\r\n+++\r\n1. Look around.\r\n")
	if txt := textOf(renderDoc(t, p, "", "en", 404)); !strings.Contains(txt, "Lost") || !strings.Contains(txt, "Look around.") {
		t.Errorf("page: %q", txt)
	}
}

// TestIISLayout checks that every page web.config names exists in every IIS
// language folder, and that each folder's pages are in its language.
func TestIISLayout(t *testing.T) {
	out := build(t, "-- errpages.toml --\ncodes = [401, 404, 503]\nlocales = [\"en\", \"de\"]\n[server]\ntargets = [\"iis\"]\n")
	wc := readFile(t, filepath.Join(out, "iis/web.config"))
	paths := regexp.MustCompile(`<error [^>]*path="([^"]+)"`).FindAllStringSubmatch(wc, -1)
	if len(paths) != 3+9+25+4 {
		t.Errorf("web.config has %d error rows, want %d", len(paths), 3+9+25+4)
	}
	folders, err := os.ReadDir(filepath.Join(out, "iis/_errors"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range folders {
		names = append(names, f.Name())
		for _, p := range paths {
			if _, err := os.Stat(filepath.Join(out, "iis/_errors", f.Name(), p[1])); err != nil {
				t.Errorf("folder %s lacks %s", f.Name(), p[1])
			}
		}
	}
	for _, want := range []string{"de", "de-AT", "de-CH", "de-DE", "en", "en-GB", "en-US"} {
		if !slices.Contains(names, want) {
			t.Errorf("no IIS folder %s (have %v)", want, names)
		}
	}
	de := readFile(t, filepath.Join(out, "iis/_errors/de-AT/404.8.html"))
	if !strings.Contains(de, "<html lang=de ") || !strings.Contains(de, "IIS 404.8") {
		t.Errorf("de-AT/404.8.html is not the German sub-status page: %.300s", de)
	}
	if _, err := os.Stat(filepath.Join(out, "nginx")); !os.IsNotExist(err) {
		t.Error("targets = [\"iis\"] also wrote nginx configuration")
	}
}

func TestBrandOptions(t *testing.T) {
	p := load(t, `
-- errpages.toml --
name = "Acme"
font = "Georgia, 'Times New Roman', serif"
footer = "© Acme Corp · [Status](https://status.acme.example/) · <b>bold</b>"
codes = [404]
locales = ["en"]
[[links]]
text = "Help centre"
url = "https://help.acme.example/"
`)
	pg, err := p.RenderPage("", "en", 404)
	if err != nil {
		t.Fatal(err)
	}
	page := string(pg.HTML)
	for _, want := range []string{"font-family:Georgia,", ">Help centre</a>", "href=https://status.acme.example/>Status</a>", "&lt;b>bold&lt;/b>", "<footer class=foot>"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, tc := range []struct{ toml, want string }{
		{"font = \"x; } body { background: url(https://evil.example/)\"\n", `errpages.toml:1:1: font "x; }`},
		{"footer = \"[x](javascript:alert(1))\"\n", `errpages.toml:1: link "javascript:alert(1)"`},
		{"[[links]]\ntext = \"\"\nurl = \"https://x.example/\"\n", "links[0]: each link needs text and url"},
		{"[[links]]\ntext = \"x\"\nurl = \"javascript:alert(1)\"\n", `link "javascript:alert(1)"`},
	} {
		_, err := loadErr("-- errpages.toml --\n" + tc.toml)
		wantErr(t, err, tc.want)
	}
}

func TestLogoSanitized(t *testing.T) {
	for _, tc := range []struct{ svg, want string }{
		{`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "<script> element"},
		{`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>`, "event handler onload="},
		{`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="https://evil.example/x.png"/></svg>`, `links to "https://evil.example/x.png"`},
		{`<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/s.svg#a"/></svg>`, `links to "https://evil.example/s.svg#a"`},
		{`<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>`, "<foreignObject> element"},
		{`<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/a.css);</style></svg>`, "logo style loads"},
		{`<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://evil.example/p#x)"/></svg>`, "style= loads"},
		{"<!DOCTYPE svg [<!ENTITY a \"aaaa\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&a;</svg>", "DTDs and entities are not allowed"},
		{`<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>`, `links to "javascript:alert(1)"`},
	} {
		_, err := loadErr("-- errpages.toml --\nlogo = \"logo.svg\"\n-- logo.svg --\n" + tc.svg + "\n")
		wantErr(t, err, "logo.svg:", tc.want)
	}
	// Same-file references are fine.
	load(t, "-- errpages.toml --\nlogo = \"logo.svg\"\n-- logo.svg --\n"+`<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="4" height="4"/><use href="#g"/></svg>`+"\n")
}

func TestGallery(t *testing.T) {
	out := build(t, `
-- errpages.toml --
gallery = true
locales = ["en", "de"]
codes = [404, 500]
[server]
targets = []
[brands.acme]
name = "Acme"
[brands.beta]
name = "Beta"
`)
	doc, err := html.Parse(strings.NewReader(readFile(t, filepath.Join(out, "index.html"))))
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, a := range find(doc, "a") {
		links = append(links, attr(a, "href"))
	}
	for _, want := range []string{"acme/pages/en/404.html", "acme/pages/de/500.html", "beta/pages/de/404.html"} {
		if !slices.Contains(links, want) {
			t.Errorf("gallery does not link %s (links %v)", want, links)
		}
	}
	for _, l := range links {
		if _, err := os.Stat(filepath.Join(out, l)); err != nil {
			t.Errorf("gallery links a missing page: %v", err)
		}
	}
	if len(find(doc, "iframe")) != 4 {
		t.Errorf("%d previews, want 2 brands × 2 codes", len(find(doc, "iframe")))
	}
	m := readManifest(t, out)
	if !slices.ContainsFunc(m.Files, func(f ManifestFile) bool { return f.Path == "index.html" && f.Kind == "gallery" }) {
		t.Error("the manifest does not list index.html")
	}
	// No gallery unless asked for.
	if _, err := os.Stat(filepath.Join(build(t, "-- errpages.toml --\ncodes = [404]\nlocales = [\"en\"]\n"), "index.html")); !os.IsNotExist(err) {
		t.Error("index.html written without gallery = true")
	}
}

// TestBrandsDifferOnlyWhereTheyShould: two brands with different themes
// and palettes in one run have the same files; the problem documents are
// identical, the pages differ, and the server configurations differ only
// by each brand's root and names.
func TestBrandsDifferOnlyWhereTheyShould(t *testing.T) {
	out := build(t, `
-- errpages.toml --
name = "Acme"
locales = ["en", "de"]
codes = [401, 404, 503]
[brands.shop]
theme = "classic"
[brands.shop.colors.light]
accent = "#0b57d0"
[brands.blog]
theme = "terminal"
[brands.blog.colors.light]
accent = "#8a1538"
`)
	shop, blog := readManifest(t, filepath.Join(out, "shop")), readManifest(t, filepath.Join(out, "blog"))
	if len(shop.Files) != len(blog.Files) {
		t.Fatalf("shop has %d files, blog %d", len(shop.Files), len(blog.Files))
	}
	for i, s := range shop.Files {
		b := blog.Files[i]
		if s.Path != b.Path {
			t.Fatalf("file %d: shop %s, blog %s", i, s.Path, b.Path)
		}
		switch {
		case s.Kind == "problem":
			if s.SHA256 != b.SHA256 {
				t.Errorf("%s: problem documents differ", s.Path)
			}
		case s.Format == "html":
			if s.SHA256 == b.SHA256 {
				t.Errorf("%s: pages of different themes are identical", s.Path)
			}
		case s.Format == "conf":
			sd := strings.ReplaceAll(readFile(t, filepath.Join(out, "shop", s.Path)), "/var/www/errpages/shop", "ROOT")
			bd := strings.ReplaceAll(readFile(t, filepath.Join(out, "blog", b.Path)), "/var/www/errpages/blog", "ROOT")
			for _, r := range [][2]string{{"errpages_shop_", "errpages_BRAND_"}, {"errpages-shop", "errpages-BRAND"}} {
				sd = strings.ReplaceAll(sd, r[0], r[1])
			}
			for _, r := range [][2]string{{"errpages_blog_", "errpages_BRAND_"}, {"errpages-blog", "errpages-BRAND"}} {
				bd = strings.ReplaceAll(bd, r[0], r[1])
			}
			// Each theme's style block has its own hash in the policy.
			hash := regexp.MustCompile(`sha256-[A-Za-z0-9+/=]+`)
			sd, bd = hash.ReplaceAllString(sd, "HASH"), hash.ReplaceAllString(bd, "HASH")
			if sd != bd {
				t.Errorf("%s: server configuration differs beyond root and variable names", s.Path)
			}
		}
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "blog/pages/en/404.html")), "#8a1538") ||
		!strings.Contains(readFile(t, filepath.Join(out, "shop/pages/en/404.html")), "#0b57d0") {
		t.Error("a brand's accent is missing from its pages")
	}
}

// TestParallelSameAsSerial: building with one goroutine or many, fresh
// or over the previous output, gives the same files with the same bytes,
// and the same files share an inode.
func TestParallelSameAsSerial(t *testing.T) {
	p := load(t, "-- errpages.toml --\nlocales = [\"en\", \"de\", \"ja\", \"ar\"]\ncodes = [401, 403, 404, 500, 503]\n")
	var want map[string]string
	var wantInodes int
	for _, jobs := range []int{1, 2, 8} {
		out := filepath.Join(t.TempDir(), "dist")
		for _, build := range []string{"fresh", "rebuild"} {
			if _, err := p.Build(context.Background(), out, BuildOptions{Jobs: jobs}); err != nil {
				t.Fatal(err)
			}
			got, inodes := treeContents(t, out)
			if want == nil {
				want, wantInodes = got, inodes
				continue
			}
			if !maps.Equal(got, want) {
				t.Errorf("-j %d, %s: the output differs from -j 1's", jobs, build)
			}
			if inodes != wantInodes {
				t.Errorf("-j %d, %s: %d distinct files, -j 1 wrote %d", jobs, build, inodes, wantInodes)
			}
		}
	}
}

// treeContents reads every file under dir, by path, and counts the
// distinct inodes among them.
func treeContents(t *testing.T, dir string) (map[string]string, int) {
	t.Helper()
	files := map[string]string{}
	inodes := map[uint64]bool{}
	err := filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		inodes[fi.Sys().(*syscall.Stat_t).Ino] = true
		files[strings.TrimPrefix(name, dir)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, len(inodes)
}

// TestConcurrentUse: one Project serves renders and in-memory builds from
// several goroutines at once (the package promises it), with the same bytes as alone. Run
// with -race, it is the check that the render cache is shared safely.
func TestConcurrentUse(t *testing.T) {
	p := load(t, "-- errpages.toml --\nlocales = [\"en\", \"de\"]\ncodes = [401, 404, 503]\n")
	want, err := p.RenderPage("", "de", 404)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			page, err := p.RenderPage("", "de", 404)
			if err != nil || !bytes.Equal(page.HTML, want.HTML) {
				t.Errorf("a concurrent render differs (%v)", err)
			}
			files, err := p.Render(context.Background(), BuildOptions{Jobs: 2})
			if err != nil || !bytes.Equal(files["pages/de/404.html"].Data, want.HTML) {
				t.Errorf("a concurrent build differs (%v)", err)
			}
		})
	}
	wg.Wait()
}

// TestRebuildKeepsModificationTimes: a rebuild keeps the modification time
// of files whose bytes did not change, and only those.
func TestRebuildKeepsModificationTimes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	project := "-- errpages.toml --\nlocales = [\"en\", \"de\"]\ncodes = [404, 500]\n[server]\ntargets = [\"nginx\"]\n"
	if _, err := load(t, project).Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, f := range []string{"pages/en/404.html", "pages/de/500.html", "pages/en/500.html"} {
		os.Chtimes(filepath.Join(out, f), old, old)
	}
	// A user edited this one: it must be rewritten, not linked.
	os.WriteFile(filepath.Join(out, "pages/en/500.html"), []byte("edited"), 0o644)
	os.Chtimes(filepath.Join(out, "pages/en/500.html"), old, old)
	// The rebuild changes the German pages only.
	changed := project + "-- content/de/500.md --\n+++\ntitle = \"Kaputt\"\n+++\n1. Warten.\n"
	if _, err := load(t, changed).Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	mtime := func(f string) time.Time {
		fi, err := os.Stat(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime()
	}
	if !mtime("pages/en/404.html").Equal(old) {
		t.Error("an unchanged page got a new modification time")
	}
	if mtime("pages/de/500.html").Equal(old) || !strings.Contains(readFile(t, filepath.Join(out, "pages/de/500.html")), "Kaputt") {
		t.Error("a changed page kept its old modification time or content")
	}
	if got := readFile(t, filepath.Join(out, "pages/en/500.html")); got == "edited" || mtime("pages/en/500.html").Equal(old) {
		t.Error("an edited file of the previous output was carried over")
	}
}

// TestShards: the shards of a build are disjoint, and together they hold
// exactly the brand folders of the full build.
func TestShards(t *testing.T) {
	var cfg strings.Builder
	cfg.WriteString("-- errpages.toml --\nlocales = [\"en\"]\ncodes = [404]\n[server]\ntargets = [\"nginx\"]\n")
	for i := range 12 {
		fmt.Fprintf(&cfg, "[brands.b%02d]\nname = \"Brand %d\"\n", i, i)
	}
	p := load(t, cfg.String())
	full := filepath.Join(t.TempDir(), "full")
	if _, err := p.Build(context.Background(), full, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for k := 1; k <= 3; k++ {
		out := filepath.Join(t.TempDir(), "shard")
		if _, err := p.Build(context.Background(), out, BuildOptions{Shard: Shard{k, 3}}); err != nil {
			t.Fatal(err)
		}
		m := readManifest(t, out)
		if len(m.Brands) == 0 || len(m.Brands) == 12 {
			t.Errorf("shard %d/3 has %d of 12 brands", k, len(m.Brands))
		}
		for _, b := range m.Brands {
			seen[b]++
			if got, want := readFile(t, filepath.Join(out, b, ManifestName)), readFile(t, filepath.Join(full, b, ManifestName)); got != want {
				t.Errorf("brand %s differs between shard %d and the full build", b, k)
			}
		}
	}
	if len(seen) != 12 {
		t.Errorf("the shards cover %d of 12 brands", len(seen))
	}
	for b, n := range seen {
		if n != 1 {
			t.Errorf("brand %s is in %d shards", b, n)
		}
	}
	_, err := p.Build(context.Background(), filepath.Join(t.TempDir(), "x"), BuildOptions{Shard: Shard{4, 3}})
	wantErr(t, err, "shard 4/3")
}

func TestRebuildKeepsModificationTimesPerBrand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	project := "-- errpages.toml --\nlocales = [\"en\"]\ncodes = [404]\n[server]\ntargets = []\n[brands.a]\nname = \"A\"\n[brands.b]\nname = \"B\"\n"
	if _, err := load(t, project).Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, f := range []string{"a/pages/en/404.html", "b/pages/en/404.html"} {
		os.Chtimes(filepath.Join(out, f), old, old)
	}
	changed := strings.Replace(project, "name = \"B\"", "name = \"Bee\"", 1)
	if _, err := load(t, changed).Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	fa, _ := os.Stat(filepath.Join(out, "a/pages/en/404.html"))
	fb, _ := os.Stat(filepath.Join(out, "b/pages/en/404.html"))
	if !fa.ModTime().Equal(old) || fb.ModTime().Equal(old) {
		t.Errorf("brand a (unchanged) mtime %v, brand b (changed) mtime %v", fa.ModTime(), fb.ModTime())
	}
}

// TestCSPHashEverywhere: the style block's hash is the same in the page's
// meta tag, the manifest and the nginx, Apache and IIS configuration, and a
// change to the theme's CSS changes it in all of them.
func TestCSPHashEverywhere(t *testing.T) {
	hashRe := regexp.MustCompile(`sha256-[A-Za-z0-9+/=]+`)
	hashes := func(out string) map[string]string {
		found := map[string]string{}
		for _, f := range []string{"pages/en/404.html", "manifest.json", "nginx/server.conf", "apache/errpages.conf", "pages/.htaccess", "iis/web.config", "iis/_errors/en/404.8.html"} {
			all := hashRe.FindAllString(readFile(t, filepath.Join(out, f)), -1)
			if len(all) == 0 {
				t.Fatalf("%s has no style hash", f)
			}
			for _, h := range all {
				found[h] = f
			}
		}
		if len(found) != 1 {
			t.Fatalf("different hashes: %v", found)
		}
		for h := range found {
			return map[string]string{"hash": h}
		}
		return nil
	}
	project := "-- errpages.toml --\nlocales = [\"en\"]\ncodes = [404, 500]\n"
	before := hashes(build(t, project))["hash"]
	page := readFile(t, "../themes/classic/style.css")
	after := hashes(build(t, project+"-- themes/classic/style.css --\n"+page+"\nh1 { letter-spacing: .01em; }\n"))["hash"]
	if before == after {
		t.Error("changing the theme's CSS did not change the hash")
	}
	// The hash is the page's real style block.
	out := build(t, project)
	html := readFile(t, filepath.Join(out, "pages/en/404.html"))
	css := html[strings.Index(html, "<style>")+7 : strings.Index(html, "</style>")]
	sum := sha256.Sum256([]byte(css))
	if want := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); want != before {
		t.Errorf("policy hash %s, style block hash %s", before, want)
	}
}

// TestRebuildTrustsOnlyUnchangedStamps: once a rebuild has linked a
// file, the next one trusts its size, modification time and content hash
// instead of reading it; a file edited by hand to the same size, after one
// build or after two, is read, and rewritten.
func TestRebuildTrustsOnlyUnchangedStamps(t *testing.T) {
	for _, builds := range []int{1, 2} {
		out := filepath.Join(t.TempDir(), "dist")
		p := load(t, "-- errpages.toml --\nlocales = [\"en\"]\ncodes = [404, 500]\n[server]\ntargets = []\n")
		for range builds {
			if _, err := p.Build(context.Background(), out, BuildOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		page := filepath.Join(out, "pages/en/404.html")
		want := readFile(t, page)
		edited := strings.Replace(want, "<h1>", "<h2>", 1)
		edited = strings.Replace(edited, "</h1>", "</h2>", 1)
		if len(edited) != len(want) || edited == want {
			t.Fatal("the edit must keep the size")
		}
		// A link shares the file with the output being replaced: write a new
		// file in its place, as an editor does.
		os.Remove(page)
		os.WriteFile(page, []byte(edited), 0o644)
		if _, err := p.Build(context.Background(), out, BuildOptions{}); err != nil {
			t.Fatal(err)
		}
		if readFile(t, page) != want {
			t.Errorf("after %d builds, a file edited by hand to the same size was carried over", builds)
		}
	}
}

// TestReferenceBudget: page_budget counts the Reference block as filled
// in at its widest, since that is what the server sends.
func TestReferenceBudget(t *testing.T) {
	const project = "-- errpages.toml --\ncodes = [404]\nlocales = [\"en\"]\npage_budget = %d\n[page]\nreference = true\nreference_path = true\n"
	out := filepath.Join(t.TempDir(), "dist")
	if _, err := load(t, fmt.Sprintf(project, 1<<20)).Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	page := readFile(t, filepath.Join(out, "pages/en/404.html"))
	widest := len(page)
	for _, f := range []string{"id", "time", "host", "path"} {
		widest += referenceWidest[f] - len(servers.ReferenceDirective(f))
	}
	if _, err := load(t, fmt.Sprintf(project, widest)).Build(context.Background(), out, BuildOptions{}); err != nil {
		t.Errorf("budget %d, the filled page's widest size: %v", widest, err)
	}
	_, err := load(t, fmt.Sprintf(project, widest-1)).Build(context.Background(), out, BuildOptions{})
	wantErr(t, err, fmt.Sprintf("is %d bytes with the Reference block filled in at its widest, over the page_budget of %d bytes", widest, widest-1))
}

// TestBuildKeepsMaintenanceFlag: a build over the deployed output keeps
// the maintenance flag that lives inside it, so that a deploy during
// maintenance does not end it.
func TestBuildKeepsMaintenanceFlag(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	p := load(t, fmt.Sprintf("-- errpages.toml --\ncodes = [503]\nlocales = [\"en\"]\n[maintenance]\nenabled = true\n[server]\ntargets = [\"nginx\"]\nroot = %q\n", out))
	for i := range 2 {
		if _, err := p.Build(context.Background(), out, BuildOptions{}); err != nil {
			t.Fatal(err)
		}
		flag := filepath.Join(out, "maintenance.on")
		if i == 0 {
			if _, err := os.Stat(flag); err == nil {
				t.Fatal("a build switched maintenance on")
			}
			os.WriteFile(flag, []byte("since: 2026-12-03T10:00:00Z\n"), 0o644)
			continue
		}
		if got := readFile(t, flag); got != "since: 2026-12-03T10:00:00Z\n" {
			t.Errorf("after a rebuild the flag holds %q", got)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "pages/en/maintenance.html")); err != nil {
		t.Error(err)
	}
}

// TestNoChangeRebuild: a rebuild that would write the same files leaves
// the output folder as it is; a file added, removed or edited by hand
// makes it build and swap in a fresh tree.
func TestNoChangeRebuild(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	p := load(t, "-- errpages.toml --\nlocales = [\"en\", \"de\"]\ncodes = [404, 500]\n")
	inode := func() uint64 {
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	build := func() Summary {
		t.Helper()
		sum, err := p.Build(context.Background(), out, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	want := build()
	before := inode()
	if got := build(); got != want || inode() != before {
		t.Errorf("a rebuild with no change replaced the output (summary %+v, want %+v)", got, want)
	}
	tree, _ := treeContents(t, out)
	for _, change := range []struct {
		what string
		do   func()
	}{
		{"a file added", func() { os.WriteFile(filepath.Join(out, "pages/en/extra.html"), []byte("x"), 0o644) }},
		{"a folder added", func() { os.Mkdir(filepath.Join(out, "pages/fr"), 0o755) }},
		{"a file removed", func() { os.Remove(filepath.Join(out, "pages/de/500.json")) }},
		{"a file edited", func() {
			name := filepath.Join(out, "nginx/http.conf")
			data := readFile(t, name)
			os.Remove(name)
			os.WriteFile(name, []byte(strings.Replace(data, "map", "mop", 1)), 0o644)
		}},
	} {
		before := inode()
		change.do()
		build()
		if got, _ := treeContents(t, out); !maps.Equal(got, tree) || inode() == before {
			t.Errorf("%s: the rebuild did not restore the output", change.what)
		}
	}
}
