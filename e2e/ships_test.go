package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/errpages/errpages"
	"github.com/errpages/errpages/generator"
)

// What ships is the default build: every built-in code and locale, every
// target. These tests run it on the real servers as users deploy it; the
// only setting is where the output lives, which the configuration names.

// defaultProject is the default project with its root set to out.
func defaultProject(out, extra string) map[string]string {
	return map[string]string{"errpages.toml": fmt.Sprintf("[server]\nroot = %s\n%s", tomlString(out), extra)}
}

// tomlString writes s as a TOML basic string.
func tomlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// shared holds the default build that several tests read: built once, with
// its root where it is, and removed by TestMain.
var shared struct {
	once sync.Once
	dir  string
	err  error
}

// defaultBuild returns the output of the default project, built on first
// use. Tests only read it.
func defaultBuild(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "errpages-e2e-default-"); shared.err != nil {
			return
		}
		os.Chmod(shared.dir, 0o755)
		out := filepath.Join(shared.dir, "errpages")
		var p *generator.Project
		if p, shared.err = generator.Load(generator.Options{Project: mapFS(defaultProject(out, "")), Builtin: errpages.Builtin()}); shared.err != nil {
			return
		}
		if _, shared.err = p.Build(context.Background(), out, generator.BuildOptions{}); shared.err == nil {
			shared.err = readable(out)
		}
	})
	if shared.err != nil {
		t.Fatalf("the default build: %v", shared.err)
	}
	return filepath.Join(shared.dir, "errpages")
}

// TestDefaultBuildPassesConfigTests builds the default project and runs
// every server's own configuration test on it, then loads the .htaccess
// variant with a real request: an ErrorDocument Apache cannot send turns
// every request of such a site into a 500.
func TestDefaultBuildPassesConfigTests(t *testing.T) {
	t.Parallel()
	out := defaultBuild(t)
	serverConfigTests(t, out)

	bin, prefix := need(t, "apache2", "httpd"), tempDir(t)
	setupHtaccess(t, prefix, out, "_errors")
	s := startApache(t, bin, prefix, "")
	if r := s.do(t, "GET", "/"); r.status != 200 {
		t.Errorf("home page with the default .htaccess: status %d, want 200\n%.300s", r.status, r.body)
	}
	wantPage(t, "404 with the default .htaccess", s.do(t, "GET", "/missing", "Accept-Language: ja"), 404, "ja")
}

// setupHtaccess lays out the .htaccess variant under prefix/site: the
// pages in the folder of the URL prefix with their .htaccess files, and the
// ErrorDocument lines in the DocumentRoot's .htaccess.
func setupHtaccess(t *testing.T, prefix, out, urlPrefix string) {
	t.Helper()
	siteFiles(t, prefix)
	if err := os.CopyFS(filepath.Join(prefix, "site", urlPrefix), os.DirFS(filepath.Join(out, "pages"))); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(filepath.Join(prefix, "site"), func(p string, d os.DirEntry, err error) error {
		if d.IsDir() {
			os.Chmod(p, 0o755)
		} else {
			os.Chmod(p, 0o644)
		}
		return nil
	})
	lines, err := os.ReadFile(filepath.Join(out, "apache/htaccess.conf"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(prefix, "site/.htaccess"), string(lines))
}

// hsts is the operator header of TestEveryCode; the test sites send their
// own, different one on normal responses.
const (
	hsts     = "max-age=63072000; includeSubDomains"
	siteHSTS = "max-age=1"
)

// codeLocales are the languages every code is asked for: the default, a
// right-to-left one and a CJK one.
var codeLocales = []string{"en", "ar", "ja"}

// TestEveryCode builds the default project with an operator header and
// asks each real server for every code its target handles, in English,
// Arabic and Japanese: status, page, language, direction, the code in the
// body, and the headers, including [server] headers on every error
// response while the site keeps its own headers on normal responses.
func TestEveryCode(t *testing.T) {
	t.Parallel()
	// A root as people name folders (a space, an apostrophe, %, non-ASCII
	// letters, a no-break space and a zero-width non-joiner) and a nested
	// URL prefix.
	out := filepath.Join(tempDir(t), "Fehlerseiten d'Acme 100% é\u00a0x\u200cy", "out")
	p := buildProject(t, out, defaultProject(out, fmt.Sprintf("url_prefix = \"/static/errors/\"\nheaders = { \"Strict-Transport-Security\" = %q }\n", hsts)))
	omitted, err := p.Omitted(nil)
	if err != nil {
		t.Fatal(err)
	}
	codes := func(target string) []int {
		var out []int
		for _, c := range generator.BuiltinCodes() {
			if !slices.ContainsFunc(omitted, func(o generator.Omitted) bool { return o.Target == target && o.Code == int(c) }) {
				out = append(out, int(c))
			}
		}
		return out
	}
	// The code sets are what the servers accept, not a tidy sample.
	for target, want := range map[string]int{"nginx": 38, "apache": 38, "haproxy": 16, "caddy": 39, "lighttpd": 39} {
		if got := len(codes(target)); got != want {
			t.Errorf("%s handles %d of the %d built-in codes, want %d", target, got, len(generator.BuiltinCodes()), want)
		}
	}

	t.Run("nginx", func(t *testing.T) {
		t.Parallel()
		prefix := tempDir(t)
		var locs strings.Builder
		for _, c := range codes("nginx") {
			fmt.Fprintf(&locs, "        location = /code/%d { return %d; }\n", c, c)
		}
		port := freePort(t)
		conf := strings.Replace(nginxConf(prefix, out, port), "location = /boom { return 500; }", locs.String(), 1)
		conf = strings.Replace(conf, "        add_header Content-Security-Policy",
			fmt.Sprintf("        add_header Strict-Transport-Security %q always;\n        add_header X-Site yes always;\n        add_header Content-Security-Policy", siteHSTS), 1)
		s := startNginx(t, prefix, port, conf)
		everyCode(t, s, codes("nginx"), "nginx")
	})
	for _, flavor := range []string{"apache", "htaccess"} {
		t.Run(flavor, func(t *testing.T) {
			t.Parallel()
			bin, prefix := need(t, "apache2", "httpd"), tempDir(t)
			include := "Include " + q(filepath.Join(out, "apache/errpages.conf"))
			if flavor == "htaccess" {
				setupHtaccess(t, prefix, out, "static/errors")
				include = ""
			} else {
				siteFiles(t, prefix)
			}
			var rules strings.Builder
			for _, c := range codes("apache") {
				fmt.Fprintf(&rules, "    RewriteRule ^code/%d$ - [R=%d]\n", c, c)
			}
			include = fmt.Sprintf("Header always set Strict-Transport-Security %q\nHeader always set X-Site yes\n<Directory %s>\n    RewriteEngine On\n%s</Directory>\n%s",
				siteHSTS, q(prefix+"/site"), rules.String(), include)
			s := startApache(t, bin, prefix, include)
			everyCode(t, s, codes("apache"), flavor)
		})
	}
	t.Run("caddy", func(t *testing.T) {
		t.Parallel()
		bin, prefix := need(t, "caddy"), tempDir(t)
		siteFiles(t, prefix)
		port := freePort(t)
		conf := strings.Replace(caddyfile(prefix, out, port), "    error /boom 500\n",
			fmt.Sprintf("    @code path_regexp code ^/code/([0-9]+)$\n    error @code \"code\" {re.code.1}\n    header Strict-Transport-Security %q\n    header X-Site yes\n", siteHSTS), 1)
		write(t, filepath.Join(prefix, "Caddyfile"), conf)
		cmd := exec.Command(bin, "run", "--config", filepath.Join(prefix, "Caddyfile"), "--adapter", "caddyfile")
		cmd.Env = caddyEnv(prefix)
		s := start(t, cmd, port, filepath.Join(prefix, "logs/caddy.log"))
		everyCode(t, s, codes("caddy"), "caddy")
	})
	t.Run("lighttpd", func(t *testing.T) {
		t.Parallel()
		bin, prefix := need(t, "lighttpd"), tempDir(t)
		siteFiles(t, prefix)
		// A mod_magnet script answers /code/<n> with status n, as an
		// application's error would be raised inside lighttpd.
		write(t, filepath.Join(prefix, "code.lua"), "local c = lighty.r.req_attr[\"uri.path\"]:match(\"^/code/(%d+)$\")\nif c then return tonumber(c) end\nreturn 0\n")
		port := freePort(t)
		conf := lighttpdConf(prefix, out, port, freePort(t), true, freePort(t))
		conf = strings.Replace(conf, `server.modules += ( "mod_access"`, `server.modules += ( "mod_setenv", "mod_access"`, 1)
		conf += fmt.Sprintf("magnet.attract-raw-url-to = ( %s )\nsetenv.set-response-header = ( \"Strict-Transport-Security\" => %q, \"X-Site\" => \"yes\" )\n", q(prefix+"/code.lua"), siteHSTS)
		write(t, filepath.Join(prefix, "lighttpd.conf"), conf)
		run(t, "lighttpd -tt", nil, bin, "-tt", "-f", filepath.Join(prefix, "lighttpd.conf"))
		s := start(t, exec.Command(bin, "-D", "-f", filepath.Join(prefix, "lighttpd.conf")), port, filepath.Join(prefix, "logs/error.log"))
		everyCode(t, s, codes("lighttpd"), "lighttpd")
	})
	t.Run("haproxy", func(t *testing.T) {
		t.Parallel()
		bin, prefix := need(t, "haproxy"), tempDir(t)
		port := freePort(t)
		// HAProxy does not negotiate: one backend per language, chosen by
		// Accept-Language, picks its http-errors section.
		var rules strings.Builder
		for _, c := range codes("haproxy") {
			if c != 401 { // http-request auth, below
				fmt.Fprintf(&rules, "    http-request deny deny_status %d if { path /code/%d }\n", c, c)
			}
		}
		user := ""
		if asRoot() {
			user = "global\n    user nobody\n    group nogroup\n"
		}
		var backends strings.Builder
		for _, l := range codeLocales {
			fmt.Fprintf(&backends, `backend %[1]s
    errorfiles errpages-%[1]s
    http-request auth realm Restricted if { path_beg /secret } !{ http_auth(users) }
    http-request return status 200 content-type text/plain string "top secret" if { path_beg /secret }
%[2]s    http-request deny deny_status 404
`, l, rules.String())
		}
		conf := fmt.Sprintf(`%sdefaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
userlist users
    user alice insecure-password wonderland
frontend web
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/html string "home" hdr Strict-Transport-Security %q hdr X-Site yes if { path / }
    use_backend ar if { req.hdr(accept-language) -m beg ar }
    use_backend ja if { req.hdr(accept-language) -m beg ja }
    default_backend en
%s`, user, port, siteHSTS, backends.String())
		write(t, filepath.Join(prefix, "haproxy.cfg"), conf)
		args := []string{"-f", filepath.Join(prefix, "haproxy.cfg"), "-f", filepath.Join(out, "haproxy/errpages.cfg")}
		run(t, "haproxy -c", nil, bin, append([]string{"-c"}, args...)...)
		s := start(t, exec.Command(bin, append([]string{"-db"}, args...)...), port, filepath.Join(prefix, "none.log"))
		everyCode(t, s, codes("haproxy"), "haproxy")
	})
}

// everyCode asks s for every code in each of codeLocales, and for the home
// page and the 401 of a protected path.
func everyCode(t *testing.T, s *server, codes []int, flavor string) {
	r := s.do(t, "GET", "/")
	expect(t, "home page", r,
		check{"200", r.status == 200, r.status},
		check{"the site's own Strict-Transport-Security", r.header.Get("Strict-Transport-Security") == siteHSTS, r.header.Values("Strict-Transport-Security")},
		check{"the site's own X-Site", r.header.Get("X-Site") == "yes", r.header.Values("X-Site")})
	for _, lang := range codeLocales {
		for _, c := range codes {
			path := fmt.Sprintf("/code/%d", c)
			if c == 401 {
				path = "/secret" // a real authentication challenge
			}
			what := fmt.Sprintf("%s %d %s", flavor, c, lang)
			r := s.do(t, "GET", path, "Accept-Language: "+lang)
			wantPage(t, what, r, c, lang)
			expect(t, what, r,
				check{"the code in the body", strings.Contains(r.body, fmt.Sprintf("<span class=num>%d</span>", c)), nil},
				check{"[server] headers Strict-Transport-Security", len(r.header.Values("Strict-Transport-Security")) == 1 && r.header.Get("Strict-Transport-Security") == hsts, r.header.Values("Strict-Transport-Security")})
			if c == 401 {
				expect(t, what, r, check{"one WWW-Authenticate", len(r.header.Values("WWW-Authenticate")) == 1, r.header.Values("WWW-Authenticate")})
			}
		}
	}
}
