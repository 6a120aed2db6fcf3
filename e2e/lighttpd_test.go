package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lighttpdConf is a whole lighttpd configuration, everything under prefix,
// that includes the generated files unchanged: errpages.conf, and with
// magnet also magnet.conf. /app is proxied to a closed port, /api to an
// application at api.
func lighttpdConf(prefix, out string, port, dead int, magnet bool, api int) string {
	include := ""
	if magnet {
		include = "include " + q(out+"/lighttpd/magnet.conf") + "\n"
	}
	user := ""
	if asRoot() {
		user = "server.username = \"nobody\"\nserver.groupname = \"nogroup\"\n"
	}
	return fmt.Sprintf(`%[5]sserver.document-root = "%[1]s/site"
server.bind = "127.0.0.1"
server.port = %[3]d
server.errorlog = "%[1]s/logs/error.log"
server.modules += ( "mod_access", "mod_auth", "mod_authn_file", "mod_proxy" )
mimetype.assign = ( ".html" => "text/html; charset=utf-8", "" => "text/plain" )
index-file.names = ( "index.html" )
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "%[1]s/htpasswd"
auth.require = ( "/secret" => ( "method" => "basic", "realm" => "Restricted", "require" => "valid-user" ) )
$HTTP["url"] =^ "/forbidden" { url.access-deny = ( "" ) }
$HTTP["url"] =^ "/app" { proxy.server = ( "" => (( "host" => "127.0.0.1", "port" => %[4]d )) ) }
$HTTP["url"] =^ "/api" { proxy.server = ( "" => (( "host" => "127.0.0.1", "port" => %[6]d )) ) }
include "%[2]s/lighttpd/errpages.conf"
%[7]s`, prefix, out, port, dead, user, api, include)
}

// TestLighttpd runs lighttpd with the generated error files: its own
// errors keep their status and get the page in the visitor's language.
func TestLighttpd(t *testing.T) {
	t.Parallel()
	s := startLighttpd(t, false, 1)
	for _, tc := range []struct {
		path, accept string
		status       int
		lang         string
	}{
		{"/missing", "", 404, "en"},
		{"/missing", "de-DE,de;q=0.9,en;q=0.8", 404, "de"},
		{"/missing", "ar-EG", 404, "ar"},
		{"/missing", "fr-FR,fr;q=0.9", 404, "en"},
		{"/forbidden", "", 403, "en"},
		{"/forbidden", "de-CH", 403, "de"},
		{"/app", "", 503, "en"},
		{"/app", "de", 503, "de"},
		{"/secret", "de", 401, "de"},
	} {
		what := fmt.Sprintf("%s Accept-Language %q", tc.path, tc.accept)
		r := s.do(t, "GET", tc.path, "Accept-Language: "+tc.accept)
		l, _ := page(r.body)
		expect(t, what, r,
			check{"status", r.status == tc.status, r.status},
			check{"errpages page in " + tc.lang, l == tc.lang, l},
			check{"Content-Type text/html; charset=utf-8", strings.EqualFold(r.header.Get("Content-Type"), "text/html; charset=utf-8"), r.header.Get("Content-Type")})
		if tc.status == 401 {
			expect(t, what, r, check{"WWW-Authenticate Basic realm", strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic realm="), r.header.Values("WWW-Authenticate")})
		}
	}
	if r := s.do(t, "GET", "/secret", "Authorization: alice:wonderland"); r.status != 200 || r.body != "top secret\n" {
		t.Errorf("valid credentials: %d %q", r.status, r.body)
	}
	if r := s.do(t, "HEAD", "/missing"); r.status != 404 || r.body != "" {
		t.Errorf("HEAD /missing: %d with %d bytes", r.status, len(r.body))
	}
}

// startLighttpd builds the test site and runs lighttpd on it, with
// magnet.conf when magnet is set; /api goes to the application on port api.
func startLighttpd(t *testing.T, magnet bool, api int) *server {
	bin := need(t, "lighttpd")
	if magnet {
		needMagnet(t)
	}
	prefix := tempDir(t)
	out := filepath.Join(prefix, "errpages")
	buildSite(t, out)
	siteFiles(t, prefix)
	port := freePort(t)
	conf := filepath.Join(prefix, "lighttpd.conf")
	write(t, conf, lighttpdConf(prefix, out, port, freePort(t), magnet, api))
	if b, err := exec.Command(bin, "-tt", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("lighttpd -tt: %v\n%s", err, b)
	}
	return start(t, exec.Command(bin, "-D", "-f", conf), port, filepath.Join(prefix, "logs/error.log"))
}

// needMagnet skips the test, or fails it in CI, without lighttpd's
// mod_magnet.
func needMagnet(t *testing.T) {
	if _, err := os.Stat("/usr/lib/lighttpd/mod_magnet.so"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("mod_magnet is not installed, and CI must run this test (scripts/test installs lighttpd-modules-lua)")
		}
		t.Skip("mod_magnet is not installed; run scripts/test as root to install it")
	}
}

// TestLighttpdMagnet adds magnet.conf: lighttpd's own errors then carry the
// headers of the other servers, while an application's own error response
// passes unchanged.
func TestLighttpdMagnet(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "the application's own 404\n")
	}))
	defer app.Close()
	s := startLighttpd(t, true, app.Listener.Addr().(*net.TCPAddr).Port)

	r := s.do(t, "GET", "/missing")
	wantPage(t, "404", r, 404, "en")
	expect(t, "404", r, check{"Cache-Control max-age=60 as configured", r.header.Get("Cache-Control") == "max-age=60", r.header.Get("Cache-Control")})
	wantPage(t, "404 de-CH", s.do(t, "GET", "/missing", "Accept-Language: de-CH"), 404, "de")
	wantPage(t, "404 ar", s.do(t, "GET", "/missing", "Accept-Language: ar-EG,ar;q=0.9"), 404, "ar")
	wantPage(t, "404 fr → default", s.do(t, "GET", "/missing", "Accept-Language: fr-FR,fr;q=0.9"), 404, "en")
	wantPage(t, "403 de", s.do(t, "GET", "/forbidden", "Accept-Language: de"), 403, "de")
	r = s.do(t, "GET", "/secret", "Accept-Language: de")
	wantPage(t, "401 de", r, 401, "de")
	expect(t, "401 de", r, check{"one WWW-Authenticate", len(r.header.Values("WWW-Authenticate")) == 1, r.header.Values("WWW-Authenticate")})
	r = s.do(t, "GET", "/app", "Accept-Language: de")
	wantPage(t, "503 de", r, 503, "de")
	expect(t, "503", r, check{"Retry-After: 120", r.header.Get("Retry-After") == "120", r.header.Get("Retry-After")})
	r = s.do(t, "GET", "/api/x", "Accept-Language: de")
	expect(t, "the application's 404", r,
		check{"status 404", r.status == 404, r.status},
		check{"its own body", r.body == "the application's own 404\n", r.body},
		check{"no Content-Language", r.header.Get("Content-Language") == "", r.header.Get("Content-Language")},
		check{"no error-page CSP", r.header.Get("Content-Security-Policy") == "", r.header.Get("Content-Security-Policy")})
	if r := s.do(t, "GET", "/"); r.status != 200 || r.header.Get("Content-Language") != "" || r.header.Get("Cache-Control") != "" {
		t.Errorf("home page: %d, Content-Language %q, Cache-Control %q; want 200 and neither", r.status, r.header.Get("Content-Language"), r.header.Get("Cache-Control"))
	}
}
