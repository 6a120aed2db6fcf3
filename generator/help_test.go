package generator

import (
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pageText returns the visible text of a built page, tags removed.
func pageText(t *testing.T, out, name string) string {
	t.Helper()
	s := readFile(t, filepath.Join(out, name))
	s = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]+>`).ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// TestPageAdditions checks what pages add on their own: when to try again
// from Retry-After, the contact hint without a contact link, and the
// owner's section only when a brand turns it on.
func TestPageAdditions(t *testing.T) {
	out := build(t, `
-- errpages.toml --
locales = ["en"]
codes = [404, 429, 503, 599]
[server]
targets = []
retry_after = { 503 = 120, 429 = "Thu, 24 Dec 2026 06:00:00 GMT" }
[brands.a]
[brands.b]
contact = "mailto:web@b.example"
page.owner_hints = true
-- content/en/599.md --
+++
title = "Custom"
summary = "A custom code."
+++
1. **Wait.** It passes.
`)
	a503, a429, a404 := pageText(t, out, "a/pages/en/503.html"), pageText(t, out, "a/pages/en/429.html"), pageText(t, out, "a/pages/en/404.html")
	for _, c := range []struct {
		page, text string
		want       bool
	}{
		{a503, "Please try again in about 2 min.", true},
		{a429, "Please try again after 2026-12-24 06:00 UTC.", true},
		{a404, "Please try again", false},
		{a404, "look for a contact page or an email address on the home page", true},
		{a404, "For the site owner", false},
		{pageText(t, out, "b/pages/en/404.html"), "look for a contact page", false},
		{pageText(t, out, "b/pages/en/404.html"), "For the site owner No file or route matched the address.", true},
		// A code without its own owner text gets its class's.
		{pageText(t, out, "b/pages/en/599.html"), "For the site owner The server failed to handle the request.", true},
	} {
		if strings.Contains(c.page, c.text) != c.want {
			t.Errorf("page has %q: %v, want %v:\n%s", c.text, !c.want, c.want, c.page)
		}
	}
}

func TestRetryText(t *testing.T) {
	p := load(t, "")
	chain := fallbackChain("en", "en")
	for v, want := range map[string]string{
		"30":                            "Please try again in about 30 s.",
		"89":                            "Please try again in about 89 s.",
		"90":                            "Please try again in about 2 min.",
		"3600":                          "Please try again in about 60 min.",
		"5400":                          "Please try again in about 2 h.",
		"86400":                         "Please try again in about 24 h.",
		"Wed, 23 Dec 2026 22:05:00 GMT": "Please try again after 2026-12-23 22:05 UTC.",
	} {
		if got := p.retryText(chain, v); got != want {
			t.Errorf("Retry-After %s: %q, want %q", v, got, want)
		}
	}
}

// TestSubStatusAdvice checks that IIS sub-status pages open with their
// own cause and give the steps that fit it: a rate limit is not told to
// sign in, and gets no questions of another status.
func TestSubStatusAdvice(t *testing.T) {
	out := build(t, `
-- errpages.toml --
locales = ["en"]
codes = [401, 403, 404]
[server]
targets = ["iis"]
`)
	for name, c := range map[string]struct{ opens, step, not string }{
		"401.501": {"Too many requests from your network address", "Wait before you try again.", "Sign in"},
		"401.503": {"This website blocks requests from your network address.", "Look for the information elsewhere.", "Sign in"},
		"403.14":  {"The address points to a folder", "Check the spelling of the address.", "Sign in"},
		"404.13":  {"larger than this website accepts", "Make the file smaller.", "Check the spelling"},
		"401.1":   {"The sign-in details sent with your request were not accepted.", "Sign in from the site's own login page.", "Wait before"},
	} {
		text := pageText(t, out, "iis/_errors/en/"+name+".html")
		_, after, _ := strings.Cut(text, "Error ")
		if !strings.Contains(after, c.opens) || !strings.Contains(text, c.step) || strings.Contains(text, c.not) {
			t.Errorf("%s: want it to open with %q, give %q and not %q:\n%s", name, c.opens, c.step, c.not, text)
		}
		if strings.Contains(text, "Frequently asked questions") {
			t.Errorf("%s shows another status's questions", name)
		}
	}
}

// TestReferenceBlock: [page] reference puts server-side include directives
// into the pages (no placeholder left) and turns them on in the nginx and
// Apache configuration; without it, neither has any.
func TestReferenceBlock(t *testing.T) {
	out := build(t, `
-- errpages.toml --
locales = ["en", "ar"]
codes = [404]
[server]
targets = ["nginx", "apache", "iis"]
[brands.off]
[brands.on]
page.reference = true
[brands.path]
page.reference = true
page.reference_path = true
`)
	for brand, want := range map[string][]string{
		"off":  {},
		"on":   {`<!--#echo var="UNIQUE_ID" -->`, `<!--#echo var="DATE_GMT" -->`, `<!--#echo var="HTTP_HOST" -->`, ".reference:has(.rid:empty){display:none}"},
		"path": {`<!--#echo var="REDIRECT_REDIRECT_ERRPAGES_PATH" -->`},
	} {
		for _, page := range []string{"pages/en/404.html", "pages/ar/404.html", "iis/_errors/en/404.html"} {
			html := readFile(t, filepath.Join(out, brand, page))
			for _, w := range want {
				if !strings.Contains(html, w) {
					t.Errorf("%s %s lacks %s", brand, page, w)
				}
			}
			if brand == "off" && strings.Contains(html, "<!--#") || strings.Contains(html, "\ue000") {
				t.Errorf("%s %s has a directive or a placeholder it should not", brand, page)
			}
		}
		nginx, apache := readFile(t, filepath.Join(out, brand, "nginx/server.conf")), readFile(t, filepath.Join(out, brand, "apache/errpages.conf"))
		if on := brand != "off"; strings.Contains(nginx, "ssi on;") != on || strings.Contains(apache, "AddOutputFilter INCLUDES") != on {
			t.Errorf("%s: nginx ssi and Apache INCLUDES should be %v", brand, on)
		}
		if path := brand == "path"; strings.Contains(apache, "ERRPAGES_PATH=$1") != path {
			t.Errorf("%s: Apache saves the path: want %v", brand, path)
		}
	}
}

// TestThemeOverridesPartial: a theme calls the shared parts by name and
// may replace one with its own definition.
func TestThemeOverridesPartial(t *testing.T) {
	out := build(t, `
-- errpages.toml --
theme = "mine"
locales = ["en"]
codes = [404]
page.owner_hints = true
page.reference = true
[server]
targets = []
-- themes/mine/style.css --
body{color:#000}
-- themes/mine/page.html --
{{define "owner"}}<aside id=mine>{{.Owner}}</aside>{{end}}<!DOCTYPE html><html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Title}}</title><style>{{.CSS}}</style></head><body><main><h1>{{.Title}}</h1><p>{{.Summary}}</p><p>Padding so that the page passes the minimum size older browsers need before they show a custom error page instead of their own one, which is a few hundred bytes.</p>{{template "reference" .}}{{template "owner" .}}</main></body></html>
`)
	html := readFile(t, filepath.Join(out, "pages/en/404.html"))
	if !strings.Contains(html, "<aside id=mine>No file or route") || strings.Contains(html, `class=owner`) {
		t.Errorf("the theme's own owner part was not used:\n%s", html)
	}
	if !strings.Contains(html, `<dd class=rid><!--#echo var="UNIQUE_ID" --></dd>`) {
		t.Errorf("the shared reference part is missing:\n%s", html)
	}
}
