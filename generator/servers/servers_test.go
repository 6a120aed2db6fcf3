package servers

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func testSite() Site {
	return Site{
		URLPrefix: "/_errors/", Root: "/var/www/errpages",
		Locales: []string{"ar", "de", "en"}, DefaultLocale: "en",
		Codes:        []int{401, 403, 404, 408, 429, 500, 503},
		RetryAfter:   map[int]string{503: "120", 429: "60"},
		CacheControl: map[int]string{404: "max-age=60"},
		Settings:     DefaultSettings(),
	}
}

func files(t *testing.T, target string, s Site) map[string]string {
	t.Helper()
	fs, err := Write(target, s)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range fs {
		if f.Kind != target {
			t.Errorf("%s: kind %q, want %q", f.Path, f.Kind, target)
		}
		if f.Page != nil {
			continue // a copy of a page, filled in by the generator
		}
		out[f.Path] = string(f.Data)
	}
	return out
}

func TestNginxWriter(t *testing.T) {
	f := files(t, "nginx", testSite())
	server, http := f["nginx/server.conf"], f["nginx/http.conf"]
	for _, tc := range []struct {
		name, in, want string
		present        bool
	}{
		{"error_page without = and without URL", server, "error_page 401 /_errors/$errpages_lang/401.$errpages_fmt;", true},
		{"no error_page for 408", server, "error_page 408", false},
		{"no = anywhere", server, "error_page 404 =", false},
		{"no absolute URL", server, "http://", false},
		{"internal location", server, "location ^~ /_errors/ {\n    internal;", true},
		{"outside auth", server, "auth_basic off;", true},
		{"alias to root", server, `alias "/var/www/errpages/pages/";`, true},
		{"default-locale fallback", server, "try_files $uri /_errors/en/$status.$errpages_fmt =404;", true},
		{"headers always", server, "add_header Cache-Control $errpages_cache always;", true},
		{"anchored language keys", http, `"~*^de([-,;\s]|$)" de;`, true},
		{"no redundant regional alias", http, `"~*^de-at(`, false},
		{"default language", http, "default en;", true},
		{"cache per code", http, "404 \"max-age=60\";", true},
		{"retry-after 503", http, "503 \"120\";", true},
		{"retry-after 429", http, "429 \"60\";", true},
		{"json by Accept", http, `"~*^application/(problem\+)?json" json;`, true},
	} {
		if strings.Contains(tc.in, tc.want) != tc.present {
			t.Errorf("%s: contains %q = %v, want %v", tc.name, tc.want, !tc.present, tc.present)
		}
	}
}

func TestNginxBrandVariables(t *testing.T) {
	s := testSite()
	s.Brand = "shop-eu"
	f := files(t, "nginx", s)
	if !strings.Contains(f["nginx/http.conf"], "$errpages_shop_eu_lang") || strings.Contains(f["nginx/http.conf"], "$errpages_lang ") {
		t.Error("brand variables are not named after the brand")
	}
}

// resolve picks the locale for an Accept-Language header the way the
// servers do: the first key whose pattern matches.
func resolve(s Site, header string) string {
	for _, k := range s.languageKeys() {
		if regexp.MustCompile(`(?i)^` + k.pattern() + `([-,;\s]|$)`).MatchString(header) {
			return k.locale
		}
	}
	return s.DefaultLocale
}

func TestLanguageKeys(t *testing.T) {
	s := testSite()
	s.Locales = []string{"en", "en-GB", "zh-Hans", "zh-Hant", "de", "nb"}
	for header, want := range map[string]string{
		"en-GB": "en-GB", "en-gb,en;q=0.9": "en-GB", "en-US": "en", "en": "en", "EN": "en",
		"zh-TW": "zh-Hant", "zh-HK": "zh-Hant", "zh-Hant-TW": "zh-Hant", "zh-CN": "zh-Hans", "zh": "zh-Hans",
		"de-AT": "de", "de-CH;q=0.9": "de", "de": "de", "deu": "en", "no": "nb", "nn-NO": "nb",
		"fr-FR, de;q=0.9": "en", "": "en", "en-GB-oxendict": "en-GB",
	} {
		if got := resolve(s, header); got != want {
			t.Errorf("Accept-Language %q → %q, want %q", header, got, want)
		}
	}
}

func TestApacheWriter(t *testing.T) {
	f := files(t, "apache", testSite())
	conf := f["apache/errpages.conf"]
	for _, want := range []string{
		`Alias "/_errors/" "/var/www/errpages/pages/"`,
		"<If \"-z %{ENV:REDIRECT_STATUS}\">\n        Require all denied",
		"AddHandler type-map .var",
		"AddType application/problem+json .json",
		"LanguagePriority en ar de",
		"ForceLanguagePriority Prefer Fallback",
		"AddDefaultCharset UTF-8",
		"FileETag None",
		`Header always set Cache-Control "no-store"`,
		`Header always set Cache-Control "max-age=60" "expr=%{REQUEST_STATUS} == 404"`,
		`Header always set Retry-After "120" "expr=%{REQUEST_STATUS} == 503"`,
		"<Directory \"/var/www/errpages/pages/de\">\n    DefaultLanguage de",
		"ErrorDocument 401 /_errors/401.var",
		"ErrorDocument 408 /_errors/408.var",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("errpages.conf lacks %q", want)
		}
	}
	if strings.Contains(conf, "ErrorDocument 401 http") {
		t.Error("full URL in ErrorDocument")
	}
	tm := f["pages/401.var"]
	for _, want := range []string{
		"URI: en/401.html\nContent-Type: text/html; charset=utf-8\nContent-Language: en\n",
		"URI: de/401.json\nContent-Type: application/problem+json; qs=0.5\nContent-Language: de\n",
		"URI: ar/401.json\nContent-Type: application/json; qs=0.4\nContent-Language: ar\n",
	} {
		if !strings.Contains(tm, want) {
			t.Errorf("401.var lacks %q", want)
		}
	}
	if strings.Count(tm, "URI: ") != 9 {
		t.Errorf("401.var has %d records, want 3 per locale", strings.Count(tm, "URI: "))
	}
	if !strings.HasPrefix(tm, "URI: en/") {
		t.Error("the default locale's records come first")
	}
	if f["pages/de/.htaccess"] != "DefaultLanguage de\n" || !strings.Contains(f["pages/.htaccess"], "ForceLanguagePriority Prefer Fallback") {
		t.Error(".htaccess variant incomplete")
	}
	if strings.Contains(f["pages/.htaccess"], "<If") || strings.Contains(f["pages/.htaccess"], "<Directory") {
		t.Error(".htaccess cannot hold <If>/<Directory> here")
	}
	if !strings.Contains(f["apache/htaccess.conf"], "ErrorDocument 503 /_errors/503.var") {
		t.Error("htaccess.conf lacks ErrorDocument lines")
	}
}

func TestIISFolders(t *testing.T) {
	folders := map[string]string{}
	for _, f := range testSite().IISFolders() {
		folders[f.Name] = f.Locale
	}
	for name, want := range map[string]string{"de": "de", "de-DE": "de", "de-AT": "de", "de-CH": "de", "en": "en", "en-US": "en", "en-GB": "en", "ar": "ar", "ar-SA": "ar"} {
		if folders[name] != want {
			t.Errorf("folder %s holds %q, want %q", name, folders[name], want)
		}
	}
	s := testSite()
	s.Locales, s.DefaultLocale, s.IIS.FallbackFolder = []string{"de", "fr"}, "de", "en-US"
	for _, f := range s.IISFolders() {
		if f.Name == "en-US" && f.Locale != "de" {
			t.Errorf("fallback folder en-US holds %q, want the default locale de", f.Locale)
		}
	}
}

type parsedWebConfig struct {
	HTTPErrors struct {
		ErrorMode        string `xml:"errorMode,attr"`
		ExistingResponse string `xml:"existingResponse,attr"`
		DefaultPath      string `xml:"defaultPath,attr"`
		Rows             []struct {
			XMLName      xml.Name
			Status       int    `xml:"statusCode,attr"`
			Sub          *int   `xml:"subStatusCode,attr"`
			Prefix       string `xml:"prefixLanguageFilePath,attr"`
			Path         string `xml:"path,attr"`
			ResponseMode string `xml:"responseMode,attr"`
		} `xml:",any"`
	} `xml:"system.webServer>httpErrors"`
}

// CheckWebConfig checks the IIS httpErrors rules on a web.config: Custom
// mode, no defaultPath, <remove> right before each <error>, explicit and
// unique code/sub-status pairs, File mode, relative paths, and every code
// and sub-status of site present.
func checkWebConfig(t *testing.T, data []byte, s Site) {
	t.Helper()
	var wc parsedWebConfig
	if err := xml.Unmarshal(data, &wc); err != nil {
		t.Fatalf("web.config is not well-formed XML: %v", err)
	}
	he := wc.HTTPErrors
	if he.ErrorMode != "Custom" || he.ExistingResponse != s.IIS.ExistingResponse || he.DefaultPath != "" {
		t.Errorf("httpErrors errorMode=%q existingResponse=%q defaultPath=%q", he.ErrorMode, he.ExistingResponse, he.DefaultPath)
	}
	seen := map[string]bool{}
	for i, r := range he.Rows {
		if r.Sub == nil {
			t.Fatalf("row %d has no subStatusCode", i)
		}
		key := fmt.Sprintf("%d.%d", r.Status, *r.Sub)
		switch r.XMLName.Local {
		case "remove":
			continue
		case "error":
		default:
			t.Errorf("unexpected element <%s>", r.XMLName.Local)
			continue
		}
		if i == 0 || he.Rows[i-1].XMLName.Local != "remove" || he.Rows[i-1].Status != r.Status || *he.Rows[i-1].Sub != *r.Sub {
			t.Errorf("error %s is not right after its <remove>", key)
		}
		if seen[key] {
			t.Errorf("duplicate error %s", key)
		}
		seen[key] = true
		if r.ResponseMode != "File" || r.Prefix != s.IISDir() || strings.ContainsAny(r.Path, `:/`) {
			t.Errorf("error %s: responseMode=%q prefix=%q path=%q", key, r.ResponseMode, r.Prefix, r.Path)
		}
	}
	for _, c := range s.Codes {
		if !seen[fmt.Sprintf("%d.-1", c)] {
			t.Errorf("code %d missing", c)
		}
		for _, sub := range iisSubStatus[c] {
			if !seen[fmt.Sprintf("%d.%d", c, sub)] {
				t.Errorf("sub-status %d.%d missing", c, sub)
			}
		}
	}
}

func TestIISWebConfig(t *testing.T) {
	s := testSite()
	f := files(t, "iis", s)
	data := []byte(f["iis/web.config"])
	checkWebConfig(t, data, s)
	for _, want := range []string{"401.501.html", "404.8.html", "503.2.html", `subStatusCode="-1"`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("web.config lacks %s", want)
		}
	}
	xmllint(t, data)
	s.IIS.ExistingResponse = "Auto"
	checkWebConfig(t, []byte(files(t, "iis", s)["iis/web.config"]), s)
}

// xmllint validates data against the httpErrors subset schema.
func xmllint(t *testing.T, data []byte) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmllint is not installed (libxml2-utils); scripts/test installs it")
		}
		t.Skip("xmllint is not installed (apt-get install libxml2-utils)")
	}
	name := filepath.Join(t.TempDir(), "web.config")
	os.WriteFile(name, data, 0o644)
	out, err := exec.Command(bin, "--noout", "--schema", "testdata/httperrors.xsd", name).CombinedOutput()
	if err != nil {
		t.Errorf("xmllint: %v\n%s", err, out)
	}
}

// TestXSDRejects shows the schema check can fail: each broken web.config
// is refused.
func TestXSDRejects(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint is not installed")
	}
	good := files(t, "iis", testSite())["iis/web.config"]
	for _, bad := range []struct{ from, to string }{
		{`responseMode="File"></error>`, `responseMode="ExecuteURL"></error>`},
		{`errorMode="Custom"`, `errorMode="Custom" defaultPath="C:\x.html"`},
		{`prefixLanguageFilePath="_errors"`, `prefixLanguageFilePath="C:\inetpub\_errors"`},
		{`errorMode="Custom"`, `errorMode="DetailedLocalOnly"`},
	} {
		name := filepath.Join(t.TempDir(), "web.config")
		os.WriteFile(name, []byte(strings.Replace(good, bad.from, bad.to, 1)), 0o644)
		if err := exec.Command("xmllint", "--noout", "--schema", "testdata/httperrors.xsd", name).Run(); err == nil {
			t.Errorf("schema accepted %s", bad.to)
		}
	}
}

// TestGolden keeps each writer's output for the test site under
// testdata/golden; refresh with go test ./generator/servers -update.
func TestGolden(t *testing.T) {
	for _, target := range Targets() {
		for path, data := range files(t, target, testSite()) {
			if strings.HasPrefix(path, "pages/") && path != "pages/401.var" && path != "pages/.htaccess" {
				continue
			}
			golden := filepath.Join("testdata", "golden", filepath.FromSlash(path))
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				os.WriteFile(golden, []byte(data), 0o644)
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Errorf("%v (run with -update)", err)
				continue
			}
			if string(want) != data {
				gl, wl := strings.Split(data, "\n"), strings.Split(string(want), "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Errorf("%s:%d: got %q, want %q (run with -update if intended)", golden, i+1, gl[i], wl[i])
						break
					}
				}
			}
		}
	}
}

func TestHAProxyLimit(t *testing.T) {
	for _, tc := range []struct {
		o    HAProxyOptions
		want int
	}{
		{HAProxyOptions{}, 15360},
		{HAProxyOptions{BufSize: 16384, MaxRewrite: 1024}, 15360},
		{HAProxyOptions{BufSize: 16384, MaxRewrite: 0}, 16384}, // maxrewrite 0 is HAProxy's to allow
		{HAProxyOptions{BufSize: 32768, MaxRewrite: 8192}, 24576},
	} {
		if got, _, _ := tc.o.limit(); got != tc.want {
			t.Errorf("%+v: limit %d, want %d", tc.o, got, tc.want)
		}
	}
}
