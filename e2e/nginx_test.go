package e2e

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nginxConf is a whole nginx configuration, everything under prefix, that
// includes the generated files unchanged.
func nginxConf(prefix, out string, port int) string {
	user := ""
	if asRoot() {
		user = "user nobody nogroup;\n"
	}
	return fmt.Sprintf(`%sworker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/logs/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[2]s/tmp/client_body;
    proxy_temp_path %[2]s/tmp/proxy;
    fastcgi_temp_path %[2]s/tmp/fastcgi;
    uwsgi_temp_path %[2]s/tmp/uwsgi;
    scgi_temp_path %[2]s/tmp/scgi;
    types { text/html html; text/plain txt; }
    default_type text/plain;
    include "%[3]s/nginx/http.conf";
    client_header_timeout 1s;
    server {
        listen 127.0.0.1:%[4]d;
        server_name localhost;
        root %[2]s/site;
        add_header Content-Security-Policy "default-src 'self'; style-src 'self'" always;
        include "%[3]s/nginx/server.conf";
        location /secret {
            auth_basic "Restricted";
            auth_basic_user_file %[2]s/htpasswd;
        }
        location /forbidden { deny all; }
        location = /boom { return 500; }
        location = /maint { return 503; }
    }
}
`, user, prefix, out, port)
}

func setupNginx(t *testing.T) (prefix, out string, args func(string) []string) {
	bin := need(t, "nginx")
	prefix = tempDir(t)
	out = filepath.Join(prefix, "errpages")
	buildSite(t, out)
	siteFiles(t, prefix)
	args = func(extra string) []string {
		return append([]string{bin, "-p", prefix + "/", "-c", filepath.Join(prefix, "nginx.conf"),
			"-e", filepath.Join(prefix, "logs/error.log")}, strings.Fields(extra)...)
	}
	return prefix, out, args
}

func TestNginx(t *testing.T) {
	t.Parallel()
	prefix, out, args := setupNginx(t)
	port := freePort(t)
	write(t, filepath.Join(prefix, "nginx.conf"), nginxConf(prefix, out, port))
	a := args("-t -q")
	if b, err := exec.Command(a[0], a[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, b)
	}
	a = args("-g")
	cmd := exec.Command(a[0], append(a[1:], "daemon off;")...)
	s := start(t, cmd, port, filepath.Join(prefix, "logs/error.log"))
	runChecks(t, s, "nginx")

	// A missing language file falls back to the default locale's page and
	// keeps the status.
	if err := os.Remove(filepath.Join(out, "pages/de/403.html")); err != nil {
		t.Fatal(err)
	}
	r := s.do(t, "GET", "/forbidden", "Accept-Language: de")
	if lang, _ := page(r.body); r.status != 403 || lang != "en" {
		t.Errorf("missing de/403.html: status %d, page language %q; want 403 and the en page", r.status, lang)
	}
	// nginx answers a request that times out with no bytes at all, whatever
	// error_page says (nginx docs, client_header_timeout): why 408 has no
	// error_page here.
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET / HTTP/1.1\r\nHost: localhost\r\n")
	readDeadline(t, conn)
	if n, _ := io.Copy(io.Discard, conn); n != 0 {
		t.Errorf("nginx sent %d bytes on a header timeout, want 0", n)
	}
}

// TestNginxTraps keeps the regression probes of the nginx traps: each trap, put
// back into a configuration, still does what was tested, so a generator
// change that brings one back is caught by the main test above.
func TestNginxTraps(t *testing.T) {
	t.Parallel()
	prefix, out, args := setupNginx(t)
	port := freePort(t)
	conf := nginxConf(prefix, out, port)
	// Trap 2: "=" in error_page answers with the page's own status, 200.
	// Trap 3: an absolute URL answers with a redirect.
	conf = strings.Replace(conf, "location = /boom { return 500; }",
		"location = /boom { return 500; }\n        location /eq { error_page 404 = /_eq.html; }\n        location /abs { error_page 404 http://example.invalid/x; }", 1)
	write(t, filepath.Join(prefix, "site/_eq.html"), strings.Repeat("x", 600))
	write(t, filepath.Join(prefix, "nginx.conf"), conf)
	a := args("-g")
	s := start(t, exec.Command(a[0], append(a[1:], "daemon off;")...), port, filepath.Join(prefix, "logs/error.log"))
	if r := s.do(t, "GET", "/eq/missing"); r.status != 200 {
		t.Errorf(`error_page with "=": status %d, want the trap's 200`, r.status)
	}
	if r := s.do(t, "GET", "/abs/missing"); r.status != 302 {
		t.Errorf("error_page to an absolute URL: status %d, want the trap's 302", r.status)
	}
	// Check that the generated configuration has neither trap.
	conf2, _ := os.ReadFile(filepath.Join(out, "nginx/server.conf"))
	for _, bad := range []string{"error_page 401 =", "http://", "https://"} {
		if strings.Contains(string(conf2), bad) {
			t.Errorf("generated server.conf contains %q", bad)
		}
	}
}

// startNginx runs nginx with the configuration conf under prefix, with the
// test site's files, after nginx -t.
func startNginx(t *testing.T, prefix string, port int, conf string) *server {
	t.Helper()
	bin := need(t, "nginx")
	siteFiles(t, prefix)
	write(t, filepath.Join(prefix, "nginx.conf"), conf)
	args := []string{"-p", prefix + "/", "-c", filepath.Join(prefix, "nginx.conf"), "-e", filepath.Join(prefix, "logs/error.log")}
	run(t, "nginx -t", nil, bin, append([]string{"-t", "-q"}, args...)...)
	return start(t, exec.Command(bin, append(args, "-g", "daemon off;")...), port, filepath.Join(prefix, "logs/error.log"))
}
