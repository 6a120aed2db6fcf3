package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maintenance settings of the test projects: 127.0.0.2 is allowed (tests
// connect from it on the loopback network), a team header bypasses, and
// /healthz stays up.
const (
	teamHeader = "X-Errpages-Team: team-secret-0123456789"
	allowedIP  = "127.0.0.2"
)

// maintenanceProject switches maintenance on for every target that has a
// switch, under a nested URL prefix (the root, built by buildMaintenance,
// has a space and an apostrophe).
func maintenanceProject(root string) string {
	return fmt.Sprintf(`locales = ["en", "de", "ar"]
codes = [404, 503]
[maintenance]
enabled = true
retry_after = 900
allow = [%q]
bypass_header = %q
health = ["/healthz"]
status_url = "https://status.example.com/"
[server]
targets = ["nginx", "apache", "caddy", "lighttpd", "haproxy"]
url_prefix = "/static/errors/"
root = %q
`, allowedIP, teamHeader, root)
}

// buildMaintenance builds the maintenance project into a folder of prefix
// and adds /healthz to the site.
func buildMaintenance(t *testing.T, prefix string) string {
	out := filepath.Join(prefix, "error pages d'acme")
	buildProject(t, out, map[string]string{"errpages.toml": maintenanceProject(out)})
	siteFiles(t, prefix)
	write(t, filepath.Join(prefix, "site/healthz"), "ok\n")
	return out
}

// from sends a GET from the loopback address local.
func from(t *testing.T, s *server, local, path string) (int, string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}).DialContext}}
	req, err := http.NewRequestWithContext(testContext(t), "GET", s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// checkMaintenance switches maintenance on and off with the flag file
// while the server runs, and checks what every kind of client gets. With
// auth, a password-protected path gets the maintenance page too.
func checkMaintenance(t *testing.T, s *server, out string, auth bool) {
	t.Helper()
	flag := filepath.Join(out, "maintenance.on")
	home := func(what string, r response) {
		t.Helper()
		if r.status != 200 || !strings.Contains(r.body, "home") {
			t.Errorf("%s: status %d, want the site's home page:\n%.200s", what, r.status, r.body)
		}
	}
	home("no flag file", s.do(t, "GET", "/"))
	wantPage(t, "no flag file, a missing page", s.do(t, "GET", "/missing"), 404, "en")

	write(t, flag, "since: 2026-12-03T10:00:00Z\n")
	for _, lang := range []string{"en", "de", "ar"} {
		// Every path but the error pages' own folder, which the servers
		// must reach to send the maintenance page.
		paths := []string{"/", "/missing"}
		if auth {
			paths = append(paths, "/secret/x")
		}
		for _, path := range paths {
			what := fmt.Sprintf("maintenance, %s, %s", lang, path)
			r := s.do(t, "GET", path, "Accept-Language: "+lang)
			wantPage(t, what, r, 503, lang)
			page, err := os.ReadFile(filepath.Join(out, "pages", lang, "maintenance.html"))
			if err != nil {
				t.Fatal(err)
			}
			expect(t, what, r,
				check{"the maintenance page", r.body == string(page), len(r.body)},
				check{"Retry-After 900", r.header.Get("Retry-After") == "900", r.header.Values("Retry-After")},
				check{"Cache-Control no-store", r.header.Get("Cache-Control") == "no-store", r.header.Get("Cache-Control")},
				check{"the pages' Content-Security-Policy", strings.HasPrefix(r.header.Get("Content-Security-Policy"), "default-src 'none'"), r.header.Get("Content-Security-Policy")})
		}
	}
	r := s.do(t, "GET", "/", "Accept: application/json")
	doc, _ := os.ReadFile(filepath.Join(out, "pages/en/maintenance.json"))
	expect(t, "maintenance, JSON", r,
		check{"status 503", r.status == 503, r.status},
		check{"problem+json", r.header.Get("Content-Type") == "application/problem+json", r.header.Get("Content-Type")},
		check{"the maintenance document", r.body == string(doc), r.body},
		check{"Retry-After 900", r.header.Get("Retry-After") == "900", r.header.Values("Retry-After")})
	wantPage(t, "maintenance, POST", s.do(t, "POST", "/"), 503, "en")
	home("maintenance, the team's header", s.do(t, "GET", "/", teamHeader))
	if r := s.do(t, "GET", "/", "X-Errpages-Team: wrong-secret-0123456789"); r.status != 503 {
		t.Errorf("maintenance, a wrong team header: status %d", r.status)
	}
	if status, body := from(t, s, allowedIP, "/"); status != 200 || !strings.Contains(body, "home") {
		t.Errorf("maintenance, from the allowed address %s: status %d", allowedIP, status)
	}
	if r := s.do(t, "GET", "/healthz"); r.status != 200 || r.body != "ok\n" {
		t.Errorf("maintenance, /healthz: status %d %q", r.status, r.body)
	}

	// Off again without a reload.
	if err := os.Remove(flag); err != nil {
		t.Fatal(err)
	}
	home("flag removed", s.do(t, "GET", "/"))
}

func TestMaintenanceNginx(t *testing.T) {
	t.Parallel()
	prefix := tempDir(t)
	out := buildMaintenance(t, prefix)
	port := freePort(t)
	conf := strings.Replace(nginxConf(prefix, out, port), "    server {\n", "    server {\n        location = /healthz { }\n", 1)
	checkMaintenance(t, startNginx(t, prefix, port, conf), out, true)
}

func TestMaintenanceApache(t *testing.T) {
	t.Parallel()
	bin := need(t, "apache2", "httpd")
	prefix := tempDir(t)
	out := buildMaintenance(t, prefix)
	checkMaintenance(t, startApache(t, bin, prefix, fmt.Sprintf("Include %q\n", filepath.Join(out, "apache/errpages.conf"))), out, true)
}

// TestMaintenanceApacheHtaccess: the switch in the DocumentRoot's
// .htaccess, the pages copied under it. Apache checks passwords before it
// reads .htaccess redirects, so a protected path still asks for one.
func TestMaintenanceApacheHtaccess(t *testing.T) {
	t.Parallel()
	bin := need(t, "apache2", "httpd")
	prefix := tempDir(t)
	out := buildMaintenance(t, prefix)
	setupHtaccess(t, prefix, out, "static/errors")
	write(t, filepath.Join(prefix, "site/healthz"), "ok\n")
	checkMaintenance(t, startApache(t, bin, prefix, ""), out, false)
}

func TestMaintenanceCaddy(t *testing.T) {
	t.Parallel()
	bin := need(t, "caddy")
	prefix := tempDir(t)
	out := buildMaintenance(t, prefix)
	port := freePort(t)
	conf := filepath.Join(prefix, "Caddyfile")
	write(t, conf, caddyfile(prefix, out, port))
	cmd := exec.Command(bin, "run", "--config", conf, "--adapter", "caddyfile")
	cmd.Env = caddyEnv(prefix)
	checkMaintenance(t, start(t, cmd, port, filepath.Join(prefix, "logs/caddy.log")), out, true)
}

func TestMaintenanceLighttpd(t *testing.T) {
	t.Parallel()
	bin := need(t, "lighttpd")
	needMagnet(t)
	prefix := tempDir(t)
	out := buildMaintenance(t, prefix)
	port := freePort(t)
	conf := filepath.Join(prefix, "lighttpd.conf")
	// mod_magnet first, as maintenance.conf asks, so that the switch runs
	// before mod_auth.
	base := strings.Replace(lighttpdConf(prefix, out, port, freePort(t), true, freePort(t)),
		`server.modules += ( "mod_access"`, `server.modules += ( "mod_magnet", "mod_access"`, 1)
	write(t, conf, base+fmt.Sprintf("include %s\n", q(out+"/lighttpd/maintenance.conf")))
	if b, err := exec.Command(bin, "-tt", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("lighttpd -tt: %v\n%s", err, b)
	}
	checkMaintenance(t, start(t, exec.Command(bin, "-D", "-f", conf), port, filepath.Join(prefix, "logs/error.log")), out, true)
}

// TestMaintenanceHAProxy: a frontend with maintenance-rules.cfg's lines,
// errpages.cfg loaded first (it loads the Lua fetch the rules use).
func TestMaintenanceHAProxy(t *testing.T) {
	t.Parallel()
	bin := need(t, "haproxy")
	prefix := tempDir(t)
	out := buildMaintenance(t, prefix)
	if _, err := os.Stat(filepath.Join(out, "haproxy/maintenance-rules.cfg")); err != nil {
		t.Fatal(err)
	}
	user := ""
	if asRoot() {
		user = "global\n    user nobody\n    group nogroup\n"
	}
	port := freePort(t)
	conf := filepath.Join(prefix, "haproxy.cfg")
	write(t, conf, fmt.Sprintf(`%sdefaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    errorfiles errpages-en
userlist users
    user alice insecure-password wonderland
frontend web
    bind 127.0.0.1:%d
%s    http-request return status 200 content-type text/html string "home" if { path / }
    http-request return status 200 content-type text/plain file %q if { path /healthz }
    http-request auth realm Restricted if { path_beg /secret } !{ http_auth(users) }
    http-request deny deny_status 404
`, user, port, maintenanceRules(out), filepath.Join(prefix, "site/healthz")))
	args := []string{"-f", filepath.Join(out, "haproxy/errpages.cfg"), "-f", conf}
	if b, err := exec.Command(bin, append([]string{"-c"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, b)
	}
	checkMaintenance(t, start(t, exec.Command(bin, append([]string{"-db"}, args...)...), port, filepath.Join(prefix, "none.log")), out, true)
}

// maintenanceRules returns the lines of the HAProxy maintenance rules of
// the output out, indented for a frontend section, or "" without them.
func maintenanceRules(out string) string {
	data, _ := os.ReadFile(filepath.Join(out, "haproxy/maintenance-rules.cfg"))
	var b strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			b.WriteString("    " + line + "\n")
		}
	}
	return b.String()
}
