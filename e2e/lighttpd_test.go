package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lighttpdConf is a whole lighttpd configuration, everything under prefix,
// that includes the generated file unchanged. /app is proxied to a closed
// port.
func lighttpdConf(prefix, out string, port, dead int) string {
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
include "%[2]s/lighttpd/errpages.conf"
`, prefix, out, port, dead, user)
}

// TestLighttpd runs lighttpd with the generated error files: its own
// errors keep their status and get the page in the visitor's language.
func TestLighttpd(t *testing.T) {
	bin := need(t, "lighttpd")
	prefix := tempDir(t)
	out := filepath.Join(prefix, "errpages")
	buildSite(t, out)
	os.MkdirAll(filepath.Join(prefix, "logs"), 0o777)
	os.Chmod(filepath.Join(prefix, "logs"), 0o777)
	write(t, filepath.Join(prefix, "site/index.html"), "<!doctype html><title>home</title>home\n")
	write(t, filepath.Join(prefix, "site/secret"), "top secret\n")
	htpasswd(t, filepath.Join(prefix, "htpasswd"), "alice", "wonderland")
	port := freePort(t)
	conf := filepath.Join(prefix, "lighttpd.conf")
	write(t, conf, lighttpdConf(prefix, out, port, freePort(t)))
	if b, err := exec.Command(bin, "-tt", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("lighttpd -tt: %v\n%s", err, b)
	}
	s := start(t, exec.Command(bin, "-D", "-f", conf), port, filepath.Join(prefix, "logs/error.log"))

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
