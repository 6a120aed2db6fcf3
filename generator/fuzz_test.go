package generator

import (
	"bytes"
	"strings"
	"testing"

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
	f.Fuzz(func(t *testing.T, name, body string) {
		archive := "-- errpages.toml --\nname = " + tomlQuote(name) + "\ncodes = [404]\nlocales = [\"en\"]\n-- content/en/404.md --\n" + body
		fsys := projectFS(archive)
		fsys["content/en/404.md"].Data = []byte(body) // txtar would eat "-- x --" lines
		p, err := Load(Options{Project: fsys, Builtin: builtinFS})
		if err != nil {
			return
		}
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
