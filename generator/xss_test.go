package generator

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`'><svg onload=alert(1)>`,
	`javascript:alert(1)`,
	`JaVaScRiPt:alert(1)`,
	`data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==`,
	`</style><script>alert(1)</script>`,
	`<a href="javascript:alert(1)">x</a>`,
	`[x](javascript:alert(1))`,
	`<iframe src=//evil.example>`,
	`{{.Title}}<!--`,
	"<scr\x00ipt>alert(1)</script>",
	`<div style="background:url(javascript:alert(1))">`,
}

// xssVectors are the places a payload can be put in a project.
var xssVectors = map[string]func(p string) string{
	"name":   func(p string) string { return "-- errpages.toml --\nname = " + tomlQuote(p) + "\n" },
	"footer": func(p string) string { return "-- errpages.toml --\nfooter = " + tomlQuote(p) + "\n" },
	"link text": func(p string) string {
		return "-- errpages.toml --\n[[links]]\ntext = " + tomlQuote(p) + "\nurl = \"https://x.example/\"\n"
	},
	"link url": func(p string) string {
		return "-- errpages.toml --\n[[links]]\ntext = \"x\"\nurl = " + tomlQuote(p) + "\n"
	},
	"url":     func(p string) string { return "-- errpages.toml --\nurl = " + tomlQuote(p) + "\n" },
	"contact": func(p string) string { return "-- errpages.toml --\ncontact = " + tomlQuote(p) + "\n" },
	"font":    func(p string) string { return "-- errpages.toml --\nfont = " + tomlQuote(p) + "\n" },
	"front title": func(p string) string {
		return "-- content/en/404.md --\n+++\ntitle = " + tomlQuote(p) + "\n+++\n1. x\n"
	},
	"front summary": func(p string) string {
		return "-- content/en/404.md --\n+++\nsummary = " + tomlQuote(p) + "\n+++\n1. x\n"
	},
	"markdown": func(p string) string { return "-- content/en/404.md --\n1. " + p + "\n\n" + p + "\n" },
	"locale ui": func(p string) string {
		return "-- locales/en.toml --\n[ui]\nhome = " + tomlQuote(p) + "\nhelp = " + tomlQuote(p) + "\n"
	},
	"locale title": func(p string) string {
		return "-- locales/en.toml --\n[codes.404]\ntitle = " + tomlQuote(p) + "\nsummary = " + tomlQuote(p) + "\n"
	},
	"locale substatus": func(p string) string {
		return "-- errpages.toml --\n[server]\ntargets = [\"iis\"]\n-- locales/en.toml --\n[substatus.\"404.8\"]\ncause = " + tomlQuote(p) + "\nadmin = " + tomlQuote(p) + "\n"
	},
	"logo": func(p string) string {
		return "-- errpages.toml --\nlogo = \"logo.svg\"\n-- logo.svg --\n<svg xmlns=\"http://www.w3.org/2000/svg\"><text>" + p + "</text></svg>\n"
	},
}

// TestXSS puts every payload in every place: the build either refuses the
// project or writes pages with no script, no event handler and no URL but
// http(s), mailto, a site path, a fragment or an inline image.
func TestXSS(t *testing.T) {
	for name, vector := range xssVectors {
		for i, payload := range xssPayloads {
			t.Run(fmt.Sprintf("%s/%d", name, i), func(t *testing.T) {
				archive := vector(payload)
				if !strings.Contains(archive, "-- errpages.toml --") {
					archive += "-- errpages.toml --\n"
				}
				archive = strings.Replace(archive, "-- errpages.toml --\n", "-- errpages.toml --\ncodes = [404]\nlocales = [\"en\"]\n", 1)
				fsys := projectFS(archive)
				p, err := Load(Options{Project: fsys, Builtin: builtinFS})
				if err != nil {
					return // refused
				}
				pages := []*Page{}
				if pg, err := p.RenderPage("", "en", 404); err == nil {
					pages = append(pages, pg)
				}
				if pg, err := p.render(p.brands[0], "en", 404, 8); err == nil {
					pages = append(pages, pg)
				}
				for _, pg := range pages {
					assertInert(t, pg.HTML)
				}
			})
		}
	}
}

// assertInert fails if a page could run script or load something.
func assertInert(t *testing.T, page []byte) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(string(page)))
	if err != nil {
		t.Fatal(err)
	}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script", "iframe", "object", "embed", "base", "form", "link", "meta":
			if n.Data == "meta" && (attr(n, "http-equiv") == "" || attr(n, "http-equiv") == "Content-Security-Policy") {
				break
			}
			t.Errorf("active element <%s> in %s", n.Data, page)
		case "style":
			if css := textOf(n); strings.Contains(strings.ToLower(css), "url(") || strings.Contains(css, "@import") {
				t.Errorf("style loads something: %s", css)
			}
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" {
				t.Errorf("attribute %s=%q", a.Key, a.Val)
			}
			if key == "href" || key == "src" || key == "action" || key == "formaction" || key == "xlink:href" {
				if !safeURL(a.Val, key == "src") {
					t.Errorf("%s=%q", a.Key, a.Val)
				}
			}
		}
	})
}

func safeURL(v string, image bool) bool {
	if image {
		return strings.HasPrefix(v, "data:image/svg+xml") || strings.HasPrefix(v, "data:image/png;base64,")
	}
	if strings.HasPrefix(v, "#") || strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") {
		return true
	}
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http" || u.Scheme == "mailto")
}
