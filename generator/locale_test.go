package generator

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/errpages/errpages"
)

func TestFallbackChain(t *testing.T) {
	for _, tc := range []struct {
		tag, def LocaleTag
		want     string
	}{
		{"de-AT", "en", "de-AT de en"},
		{"de", "fr", "de fr en"},
		{"en", "en", "en"},
		{"zh-TW", "en", "zh-TW zh-Hant zh en"},
		{"zh-CN", "en", "zh-CN zh-Hans zh en"},
		{"zh-HK", "en", "zh-HK zh-Hant zh en"},
		{"pt-PT", "en", "pt-PT pt en"},
		{"sr-Latn-RS", "de", "sr-Latn-RS sr-Latn sr de en"},
	} {
		var got []string
		for _, t := range fallbackChain(tc.tag, tc.def) {
			got = append(got, string(t))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("fallbackChain(%s, %s) = %v, want %s", tc.tag, tc.def, got, tc.want)
		}
	}
}

func TestDirection(t *testing.T) {
	for tag, want := range map[LocaleTag]string{"ar": "rtl", "he": "rtl", "fa": "rtl", "ur": "rtl", "en": "ltr", "de-AT": "ltr", "ja": "ltr", "zh-Hant": "ltr"} {
		if got := direction(tag); got != want {
			t.Errorf("direction(%s) = %s, want %s", tag, got, want)
		}
	}
}

// TestBuiltinLocalesComplete asserts that every built-in locale defines
// every UI string the built-in themes use, the title and summary of every
// built-in code, every IIS sub-status text English has, and the steps of
// the five core codes; and that its titles are its own, not English. Run one
// locale with -run 'TestBuiltinLocalesComplete/^fr$'.
func TestBuiltinLocalesComplete(t *testing.T) {
	builtin := errpages.Builtin()
	var uiKeys []string
	pages, _ := fs.Glob(builtin, "themes/*/page.html")
	for _, name := range pages {
		data, _ := fs.ReadFile(builtin, name)
		for _, m := range regexp.MustCompile(`\.T\.(\w+)`).FindAllStringSubmatch(string(data), -1) {
			if !slices.Contains(uiKeys, m[1]) {
				uiKeys = append(uiKeys, m[1])
			}
		}
	}
	if len(uiKeys) < 6 {
		t.Fatalf("found only %v UI keys in the themes", uiKeys)
	}
	read := func(tag string) localeStrings {
		data, err := fs.ReadFile(builtin, "locales/"+tag+".toml")
		if err != nil {
			t.Fatal(err)
		}
		strs, err := decodeLocale(source{display: "locales/" + tag + ".toml", data: data})
		if err != nil {
			t.Fatal(err)
		}
		return strs
	}
	en := read("en")
	files, _ := fs.Glob(builtin, "locales/*.toml")
	if len(files) < 2 {
		t.Fatalf("built-in locales: %v", files)
	}
	for _, file := range files {
		tag := strings.TrimSuffix(strings.TrimPrefix(file, "locales/"), ".toml")
		t.Run(tag, func(t *testing.T) {
			strs := read(tag)
			if strs["ui.language_name"] == "" {
				t.Errorf("lacks ui.language_name")
			}
			for _, k := range uiKeys {
				if strs["ui."+k] == "" {
					t.Errorf("lacks ui.%s", k)
				}
			}
			for k := range en {
				if strs[k] == "" {
					t.Errorf("lacks %s", k)
				}
			}
			for _, k := range []string{"ui.retry_in", "ui.retry_at"} {
				if !strings.Contains(strs[k], "{time}") {
					t.Errorf("%s lacks {time}: %q", k, strs[k])
				}
			}
			for _, k := range []string{"ui.unit_seconds", "ui.unit_minutes", "ui.unit_hours"} {
				if !strings.Contains(strs[k], "{n}") {
					t.Errorf("%s lacks {n}: %q", k, strs[k])
				}
				// An abbreviation's full stop does not double the sentence's.
				if s := fill(strs["ui.retry_in"], "{time}", fill(strs[k], "{n}", "2")); strings.Contains(s, "..") {
					t.Errorf("ui.retry_in with %s reads %q", k, s)
				}
			}
			for _, c := range append(helpCodes, "maintenance") {
				checkContent(t, builtin, tag, c)
			}
			if tag == "en" {
				return
			}
			for _, c := range builtinCodes {
				k := "codes." + itoa(c) + ".title"
				if strs[k] == en[k] && !sameTitle[tag+" "+itoa(c)] {
					t.Errorf("title of %d is the English one (%q)", c, en[k])
				}
			}
		})
	}
}

// helpCodes are the codes whose built-in pages carry steps, a FAQ and
// related codes in every built-in locale: the codes visitors meet most.
var helpCodes = []string{"400", "401", "403", "404", "405", "408", "410", "413", "414", "429", "431", "451", "500", "501", "502", "503", "504"}

// contentShape is what every locale's help for a code has in common with
// the English one: the related codes, the number of steps and of FAQ
// questions, and the steps' bold lead-ins (which must be translated).
type contentShape struct {
	related     string
	steps, faqs int
	leads       []string
	lines       []string // every line of text longer than a few words
}

func readShape(t *testing.T, fsys fs.FS, tag, code string) (contentShape, bool) {
	t.Helper()
	name := "content/" + tag + "/" + code + ".md"
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Errorf("has no steps for %s: %v", code, err)
		return contentShape{}, false
	}
	c, err := parseContent(source{display: name, data: data})
	if err != nil {
		t.Error(err)
		return contentShape{}, false
	}
	sh := contentShape{
		related: fmt.Sprint(c.front.Related),
		steps:   len(regexp.MustCompile(`(?m)^[0-9]+\. `).FindAll(c.body, -1)),
		faqs:    len(regexp.MustCompile(`(?m)^### `).FindAll(c.body, -1)),
	}
	for _, m := range regexp.MustCompile(`(?m)^[0-9]+\. \*\*([^*]+)\*\*`).FindAllSubmatch(c.body, -1) {
		sh.leads = append(sh.leads, string(m[1]))
	}
	for _, l := range strings.Split(string(c.body), "\n") {
		if len(strings.Fields(l)) > 4 {
			sh.lines = append(sh.lines, l)
		}
	}
	return sh, true
}

// checkContent compares a locale's help for code with the English help.
func checkContent(t *testing.T, fsys fs.FS, tag, code string) {
	t.Helper()
	got, ok := readShape(t, fsys, tag, code)
	if !ok {
		return
	}
	if got.steps < 3 {
		t.Errorf("content/%s/%s.md has %d steps, want at least 3", tag, code, got.steps)
	}
	en, ok := readShape(t, fsys, "en", code)
	if !ok || tag == "en" {
		return
	}
	if got.related != en.related || got.steps != en.steps || got.faqs != en.faqs {
		t.Errorf("content/%s/%s.md: related %s, %d steps, %d questions; English: related %s, %d steps, %d questions",
			tag, code, got.related, got.steps, got.faqs, en.related, en.steps, en.faqs)
	}
	for _, lead := range en.leads {
		if slices.Contains(got.leads, lead) {
			t.Errorf("content/%s/%s.md: step %q is in English", tag, code, lead)
		}
	}
	for _, line := range en.lines {
		if slices.Contains(got.lines, line) {
			t.Errorf("content/%s/%s.md: %q is in English", tag, code, line)
		}
	}
}

// sameTitle lists the locale titles that are truly the same word as the
// English ones.
var sameTitle = map[string]bool{}

func TestCoverage(t *testing.T) {
	p := load(t, `
-- errpages.toml --
locales = ["en", "de-AT", "sw"]
codes = [404, 499]
[server]
targets = ["nginx"]
-- locales/sw.toml --
[ui]
error = "Kosa"
-- content/en/499.md --
+++
title = "Client Closed Request"
summary = "You closed the connection."
+++
1. Reload.
-- content/de/499.md --
+++
title = "Verbindung geschlossen"
summary = "Sie haben die Verbindung geschlossen."
+++
1. Neu laden.
`)
	missing, err := p.Coverage(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[LocaleTag][]string{}
	for _, m := range missing {
		got[m.Locale] = m.Keys
	}
	// de-AT is complete through de (built in, plus the project's 499 file).
	if keys, ok := got["de-AT"]; ok {
		t.Errorf("de-AT reported missing %v", keys)
	}
	sw := strings.Join(got["sw"], " ")
	for _, want := range []string{"ui.home", "content/sw/404.md", "content/sw/499.md", "codes.404.title", "codes.499.title", "codes.410.title"} {
		if !strings.Contains(sw, want) {
			t.Errorf("sw gaps %q lack %s", sw, want)
		}
	}
	if strings.Contains(sw, "ui.error") || strings.Contains(sw, "substatus") {
		t.Errorf("sw gaps %q name a defined key or an unused IIS text", sw)
	}
	if _, ok := got["en"]; ok {
		t.Errorf("en reported missing %v", got["en"])
	}
}

func TestTemplateUIKeys(t *testing.T) {
	p := load(t, "-- themes/classic/page.html --\n{{define \"x\"}}{{.T.inner}}{{end}}<title>{{.T.error}}</title>{{with .Help}}{{$.T.help}}{{end}}{{if .T.home}}{{range .Related}}{{$.T.related}}{{end}}{{end}}{{template \"x\" .}}{{.Title}}\n")
	// The shared parts' strings count too: a theme may call them.
	if got := strings.Join(p.brands[0].theme.uiKeys, " "); got != "error help home host inner owner path reference reference_hint related request_id time" {
		t.Errorf("ui keys = %q", got)
	}
}

// requiredLocales are the built-in languages errpages promises.
var requiredLocales = strings.Fields(`en de fr es it pt pt-BR nl pl cs sk sv da nb fi el hu ro bg uk ru tr
	ar he fa hi ja ko zh-Hans zh-Hant id vi th`)

// TestBuiltinPagesPerLocale renders the 401 page of every built-in locale:
// lang is the tag, dir is rtl exactly for right-to-left scripts, and the
// title is the locale's own.
func TestBuiltinPagesPerLocale(t *testing.T) {
	p := load(t, "")
	rtl := map[string]bool{"ar": true, "he": true, "fa": true, "ur": true}
	var have []string
	for tag := range p.locales {
		have = append(have, string(tag))
	}
	for _, want := range requiredLocales {
		if !slices.Contains(have, want) {
			t.Errorf("no built-in locale %s", want)
		}
	}
	for _, tag := range have {
		t.Run(tag, func(t *testing.T) {
			doc := renderDoc(t, p, "", LocaleTag(tag), 401)
			h := find(doc, "html")[0]
			wantDir := "ltr"
			if rtl[tag] {
				wantDir = "rtl"
			}
			if attr(h, "lang") != tag || attr(h, "dir") != wantDir {
				t.Errorf("<html lang=%q dir=%q>, want lang=%q dir=%q", attr(h, "lang"), attr(h, "dir"), tag, wantDir)
			}
			h1 := textOf(find(doc, "h1")[0])
			if want := p.locales[LocaleTag(tag)]["codes.401.title"]; h1 != want {
				t.Errorf("<h1>%s</h1>, want the locale's title %q", h1, want)
			}
			if len(find(find(doc, "ol")[0], "li")) < 4 {
				t.Error("fewer than 4 steps")
			}
			// Markdown that did not render (e.g. ** next to CJK
			// punctuation, which CommonMark does not treat as emphasis)
			// would show its markers.
			for _, code := range []StatusCode{401, 403, 404, 408, 500} {
				if text := textOf(renderDoc(t, p, "", LocaleTag(tag), code)); strings.Contains(text, "**") || strings.Contains(text, "##") {
					t.Errorf("the %d page shows Markdown markers", code)
				}
			}
		})
	}
}

func TestRegionAndScriptFallback(t *testing.T) {
	p := load(t, "-- errpages.toml --\nlocales = [\"pt-PT\", \"zh-CN\", \"zh-TW\", \"zh-HK\", \"en-GB\", \"de-CH\"]\ncodes = [404]\n")
	for tag, from := range map[LocaleTag]LocaleTag{"pt-PT": "pt", "zh-CN": "zh-Hans", "zh-TW": "zh-Hant", "zh-HK": "zh-Hant", "en-GB": "en", "de-CH": "de"} {
		h1 := textOf(find(renderDoc(t, p, "", tag, 404), "h1")[0])
		if want := p.locales[from]["codes.404.title"]; want == "" || h1 != want {
			t.Errorf("%s: <h1>%s</h1>, want %s's %q", tag, h1, from, want)
		}
	}
}

// TestCoverageOfOptionalParts: the strings of the owner's section, the
// contact hint and Retry-After in words are needed only where a brand
// shows them.
func TestCoverageOfOptionalParts(t *testing.T) {
	p := load(t, `
-- errpages.toml --
locales = ["en", "sw"]
codes = [404, 503]
[server]
targets = []
[brands.plain]
contact = "mailto:web@example.com"
[brands.full]
page.owner_hints = true
server.retry_after = { 503 = 60 }
-- locales/sw.toml --
[ui]
error = "Kosa"
`)
	missing, err := p.Coverage(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range missing {
		got[m.Brand] = strings.Join(m.Keys, " ")
	}
	for _, k := range []string{"ui.owner", "owner.404", "ui.contact_hint", "ui.retry_in", "ui.unit_seconds"} {
		if !strings.Contains(got["full"], k) {
			t.Errorf("full brand's gaps %q lack %s", got["full"], k)
		}
		if strings.Contains(got["plain"], k) {
			t.Errorf("plain brand's gaps %q name %s, which it does not show", got["plain"], k)
		}
	}
}
