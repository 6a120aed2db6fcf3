package servers

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCodeSets(t *testing.T) {
	s := testSite()
	s.Codes = []int{400, 401, 402, 408, 418, 425, 499, 503, 599}
	for _, tc := range []struct {
		target  string
		omitted []int
	}{
		{"apache", []int{418, 425, 499, 599}},
		{"nginx", []int{408, 499}},
		{"haproxy", []int{402, 418, 499, 599}},
		{"caddy", nil},
		{"lighttpd", nil},
		{"iis", nil},
		{"traefik", nil},
	} {
		var got []int
		for _, o := range s.Omitted(tc.target) {
			if o.Why == "" {
				t.Errorf("%s leaves out %d without a reason", tc.target, o.Code)
			}
			got = append(got, o.Code)
		}
		if !slices.Equal(got, tc.omitted) {
			t.Errorf("%s leaves out %v, want %v", tc.target, got, tc.omitted)
		}
	}
	f := files(t, "apache", s)
	for _, name := range []string{"apache/errpages.conf", "apache/htaccess.conf"} {
		if strings.Contains(f[name], "ErrorDocument 425") || !strings.Contains(f[name], "ErrorDocument 503") {
			t.Errorf("%s names the wrong codes:\n%s", name, f[name])
		}
		if !strings.Contains(f[name], "# Left out: 418, 425, 499, 599. Apache httpd 2.4 has no status line") {
			t.Errorf("%s does not say which codes it leaves out:\n%s", name, f[name])
		}
	}
	if _, ok := f["pages/425.var"]; ok {
		t.Error("a type map for 425, which Apache cannot send")
	}
	n := files(t, "nginx", s)["nginx/server.conf"]
	if strings.Contains(n, "error_page 499") || strings.Contains(n, "error_page 408") || !strings.Contains(n, "error_page 599") {
		t.Errorf("nginx names the wrong codes:\n%s", n)
	}
}

func TestLuaString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/var/www/errpages/", `"/var/www/errpages/"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"é", `"\195\169"`},
		{"a\u00a0b", `"a\194\160b"`},
		{"1\n2", `"1\0102"`},
	} {
		if got := luaString(tc.in); got != tc.want {
			t.Errorf("luaString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestLuaScriptLoads compiles the mod_magnet scripts (with the Reference
// block's, trusting X-Request-ID) of a site whose root has non-ASCII
// letters, a no-break space and a zero-width non-joiner, with luac -p, and
// checks that Lua reads the root back unchanged.
func TestLuaScriptLoads(t *testing.T) {
	s := testSite()
	s.Root = "/srv/Fehlerseiten é\u00a0x\u200cy 100%"
	s.Headers = []Header{{"Permissions-Policy", `camera=(self "https://a.example")`}}
	s.Reference, s.ReferencePath, s.TrustRequestID = true, true, true
	s.Maintenance = &Maintenance{Flag: s.Root + "/maintenance.on", RetryAfter: "900", Allow: []string{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7"},
		BypassName: "X-Team", BypassValue: "secret-value-0123456789", Health: []string{"/healthz"}}
	luac, lua := lookPath(t, "luac5.4", "luac"), lookPath(t, "lua5.4", "lua")
	scripts := 0
	for path, script := range files(t, "lighttpd", s) {
		if !strings.HasSuffix(path, ".lua") {
			continue
		}
		scripts++
		name := filepath.Join(t.TempDir(), "script.lua")
		os.WriteFile(name, []byte(script), 0o644)
		if out, err := exec.Command(luac, "-p", name).CombinedOutput(); err != nil {
			t.Errorf("%s: luac -p: %v\n%s\n%s", path, err, out, script)
		}
	}
	if scripts != 4 {
		t.Errorf("%d Lua scripts, want errpages.lua, request-id.lua, reference.lua and maintenance.lua", scripts)
	}
	script := files(t, "lighttpd", s)["lighttpd/errpages.lua"]
	// Run the script's declarations only: it stops before the request.
	decl, _, _ := strings.Cut(script, "local r = lighty.r")
	name := filepath.Join(t.TempDir(), "decl.lua")
	os.WriteFile(name, []byte(decl+"io.write(dir)"), 0o644)
	out, err := exec.Command(lua, name).CombinedOutput()
	if err != nil || string(out) != s.Root+"/lighttpd/" {
		t.Errorf("Lua reads dir as %q (%v), want %q", out, err, s.Root+"/lighttpd/")
	}
}

func lookPath(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; scripts/test installs it", names[0])
	}
	t.Skipf("%s is not installed (apt-get install lua5.4)", names[0])
	return ""
}

func TestHeaderQuoting(t *testing.T) {
	s := testSite()
	s.Headers = []Header{{"Permissions-Policy", `camera=(self "https://a.example")`}, {"X-Share", "100%"}}
	for _, tc := range []struct{ target, file, want string }{
		{"nginx", "nginx/server.conf", `add_header Permissions-Policy "camera=(self \"https://a.example\")" always;`},
		{"apache", "apache/errpages.conf", `Header always set Permissions-Policy "camera=(self \"https://a.example\")"`},
		// mod_headers reads % as a format specifier.
		{"apache", "apache/errpages.conf", `Header always set X-Share "100%%"`},
		{"caddy", "caddy/errpages.caddy", `Permissions-Policy "camera=(self \"https://a.example\")"`},
		{"lighttpd", "lighttpd/errpages.lua", `{ "X-Share", "100%" },`},
	} {
		if got := files(t, tc.target, s)[tc.file]; !strings.Contains(got, tc.want) {
			t.Errorf("%s lacks %s:\n%s", tc.file, tc.want, got)
		}
	}
}

// TestIISNestedPrefix: a nested URL prefix is one IIS location path with
// forward slashes, and the folders nest the same way.
func TestIISNestedPrefix(t *testing.T) {
	s := testSite()
	s.URLPrefix = "/static/errors/"
	s.Headers = []Header{{"X-Content-Type-Options", "nosniff"}}
	f := files(t, "iis", s)
	if wc := f["iis/web.config"]; !strings.Contains(wc, `<location path="static/errors">`) || !strings.Contains(wc, `prefixLanguageFilePath="static\errors"`) {
		t.Errorf("web.config:\n%s", wc)
	}
	fs, _ := Write("iis", s)
	if !slices.ContainsFunc(fs, func(f File) bool { return f.Path == "iis/static/errors/de-AT/404.html" }) {
		t.Error("no iis/static/errors/de-AT/404.html")
	}
}

func TestNegotiate(t *testing.T) {
	s := testSite() // ar, de, en; default en
	for _, tc := range []struct {
		al, accept, locale string
		json               bool
	}{
		{"", "", "en", false},
		{"de-CH,de;q=0.9", "text/html", "de", false},
		{"fr;q=0.9, de;q=0.8", "", "en", false}, // only the first language counts
		{"  AR-eg", " application/problem+json", "ar", true},
		{"dex", "application/json;q=0.1, text/html", "en", true},
	} {
		if l, j := s.Negotiate(tc.al, tc.accept); l != tc.locale || j != tc.json {
			t.Errorf("Negotiate(%q, %q) = %s, %v; want %s, %v", tc.al, tc.accept, l, j, tc.locale, tc.json)
		}
	}
}
