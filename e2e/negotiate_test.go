package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestNegotiationAgrees: for real-world Accept-Language and Accept headers,
// the library's Negotiate (which the preview uses) picks the language and
// format that nginx picks with the generated configuration.
func TestNegotiationAgrees(t *testing.T) {
	t.Parallel()
	prefix := tempDir(t)
	out := filepath.Join(prefix, "errpages")
	p := buildProject(t, out, map[string]string{"errpages.toml": fmt.Sprintf(
		"locales = [\"en\", \"en-GB\", \"de\", \"fr\", \"ar\", \"pt\", \"pt-BR\", \"zh-Hans\", \"zh-Hant\", \"nb\"]\ncodes = [404]\n[server]\nroot = %s\ntargets = [\"nginx\"]\n", tomlString(out))})
	port := freePort(t)
	s := startNginx(t, prefix, port, nginxConf(prefix, out, port))
	languages := []string{
		"", "en", "en-US,en;q=0.9", "en-GB,en;q=0.8", "EN-gb", "de", "de-DE,de;q=0.9,en;q=0.8", "de-CH", "de-AT, en",
		"fr-CA,fr;q=0.9", "fr;q=0.9, de;q=0.8, en;q=0.1", "en;q=0.1, de;q=0.9", "ar-EG,ar;q=0.9", "pt-BR,pt;q=0.9",
		"pt-PT", "pt", "zh-CN,zh;q=0.9", "zh-TW", "zh-HK,zh;q=0.8", "zh", "zh-Hant-TW", "nb-NO", "no", "nn",
		"ja,en;q=0.5", "*", "de_DE", "deutsch", "dex", "es-419,es;q=0.9", "  de", "de;q=0", "ar-SA;q=1.0,en;q=0.5",
	}
	accepts := []string{"", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json",
		"application/problem+json", "Application/JSON; charset=utf-8", "*/*", "text/html, application/json"}
	checked := 0
	for i, al := range languages {
		accept := accepts[i%len(accepts)]
		if i < len(accepts) {
			al, accept = "de-CH", accepts[i] // every Accept once with a language that is built
		}
		wantLocale, wantJSON, err := p.Negotiate("", al, accept)
		if err != nil {
			t.Fatal(err)
		}
		r := s.do(t, "GET", "/missing", "Accept-Language: "+al, "Accept: "+accept)
		gotJSON := strings.Contains(r.header.Get("Content-Type"), "json")
		if r.header.Get("Content-Language") != string(wantLocale) || gotJSON != wantJSON {
			t.Errorf("Accept-Language %q, Accept %q: nginx chose %s (JSON %v), Negotiate %s (JSON %v)",
				al, accept, r.header.Get("Content-Language"), gotJSON, wantLocale, wantJSON)
		}
		checked++
	}
	for _, al := range languages[:len(accepts)] { // the languages the loop above replaced
		wantLocale, _, _ := p.Negotiate("", al, "")
		if r := s.do(t, "GET", "/missing", "Accept-Language: "+al); r.header.Get("Content-Language") != string(wantLocale) {
			t.Errorf("Accept-Language %q: nginx chose %s, Negotiate %s", al, r.header.Get("Content-Language"), wantLocale)
		}
		checked++
	}
	t.Logf("%d header combinations agree", checked)
}
