package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// apacheConf is a whole httpd configuration, everything under prefix.
// include is the errpages part: an Include of the generated file, or the
// .htaccess setup.
func apacheConf(prefix string, port int, include string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ServerRoot %s\nDefaultRuntimeDir %[1]s/run\nPidFile %[1]s/run/httpd.pid\nMutex file:%[1]s/run default\n", prefix)
	fmt.Fprintf(&b, "ErrorLog %s/logs/error.log\nLogLevel warn\nListen 127.0.0.1:%d\nServerName localhost\n", prefix, port)
	if asRoot() {
		b.WriteString("User nobody\nGroup nogroup\n")
	}
	for _, m := range []string{"mpm_event", "mime", "negotiation", "alias", "headers", "dir", "authz_core",
		"authn_core", "authn_file", "authz_user", "auth_basic", "rewrite", "reqtimeout"} {
		fmt.Fprintf(&b, "LoadModule %s_module /usr/lib/apache2/modules/mod_%[1]s.so\n", m)
	}
	fmt.Fprintf(&b, `TypesConfig /dev/null
AddType text/html .html
DirectoryIndex index.html
RequestReadTimeout header=1 body=5
DocumentRoot %[1]s/site
Header always set Content-Security-Policy "default-src 'self'; style-src 'self'"
<Directory "%[1]s/site">
    Require all granted
    AllowOverride FileInfo AuthConfig
    # Errors raised after the directory walk, as an application's would be,
    # so that the .htaccess variant's ErrorDocument lines apply to them.
    RewriteEngine On
    RewriteRule ^forbidden - [F]
    RewriteRule ^boom$ - [R=500]
    RewriteRule ^maint$ - [R=503]
</Directory>
<Location /secret>
    AuthType Basic
    AuthName "Restricted"
    AuthUserFile %[1]s/htpasswd
    Require valid-user
</Location>
%[2]s
`, prefix, include)
	return b.String()
}

func setupApache(t *testing.T) (bin, prefix, out string) {
	bin = need(t, "apache2", "httpd")
	prefix = tempDir(t)
	out = filepath.Join(prefix, "errpages")
	buildSite(t, out)
	siteFiles(t, prefix)
	return bin, prefix, out
}

func startApache(t *testing.T, bin, prefix, include string) *server {
	port := freePort(t)
	conf := filepath.Join(prefix, "httpd.conf")
	write(t, conf, apacheConf(prefix, port, include))
	if b, err := exec.Command(bin, "-t", "-d", prefix, "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("apache2 -t: %v\n%s", err, b)
	}
	return start(t, exec.Command(bin, "-d", prefix, "-f", conf, "-DFOREGROUND"), port, filepath.Join(prefix, "logs/error.log"))
}

func TestApache(t *testing.T) {
	t.Parallel()
	bin, prefix, out := setupApache(t)
	s := startApache(t, bin, prefix, "Include "+filepath.Join(out, "apache/errpages.conf"))
	runChecks(t, s, "apache")
	test408(t, s, true)
}

// TestApacheHtaccess runs the .htaccess variant: the pages copied under the
// DocumentRoot, their .htaccess files with them, and the ErrorDocument lines
// in the DocumentRoot's .htaccess. No server-level errpages configuration.
func TestApacheHtaccess(t *testing.T) {
	t.Parallel()
	bin, prefix, out := setupApache(t)
	setupHtaccess(t, prefix, out, "_errors")
	s := startApache(t, bin, prefix, "")
	runChecks(t, s, "htaccess")
	// A request that times out is never mapped to a folder, so no
	// .htaccess applies: the status is right, the body is Apache's.
	test408(t, s, false)
}

// test408: Apache answers a request whose headers never finish with 408
// and Connection: close (RequestReadTimeout header=1), with the branded page
// when branded is set.
func test408(t *testing.T, s *server, branded bool) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET / HTTP/1.1\r\nHost: localhost\r\n")
	readDeadline(t, conn)
	r := bufio.NewReader(conn)
	status, _ := r.ReadString('\n')
	var head, body strings.Builder
	for {
		line, err := r.ReadString('\n')
		head.WriteString(line)
		if err != nil || line == "\r\n" {
			break
		}
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if !strings.HasPrefix(status, "HTTP/1.1 408") {
		t.Fatalf("408: status line %q", status)
	}
	// The headers never finished, so Apache has no Accept-Language: the
	// default locale's page.
	if lang, _ := page(body.String()); branded && lang != "en" {
		t.Errorf("408: body is not the errpages page: %.200s", body.String())
	}
	if !strings.Contains(strings.ToLower(head.String()), "connection: close") {
		t.Errorf("408: no Connection: close in\n%s", head.String())
	}
}

// TestApacheTraps keeps regression probes for the Apache traps (README,
// Server configuration):
// each mistake, put into a copy of the generated configuration, still
// breaks what the generator's choice keeps working.
func TestApacheTraps(t *testing.T) {
	t.Parallel()
	bin, prefix, out := setupApache(t)
	conf, err := os.ReadFile(filepath.Join(out, "apache/errpages.conf"))
	if err != nil {
		t.Fatal(err)
	}
	// Trap 11: without ForceLanguagePriority an unsupported language gets no page.
	// Trap 3: a full URL in ErrorDocument 401 is refused; Apache's own page is sent.
	trapped := strings.Replace(string(conf), "ForceLanguagePriority Prefer Fallback\n", "", 1)
	trapped = strings.Replace(trapped, "ErrorDocument 401 /_errors/401.var", "ErrorDocument 401 http://example.invalid/401.html", 1)
	write(t, filepath.Join(prefix, "trapped.conf"), trapped)
	s := startApache(t, bin, prefix, "Include "+filepath.Join(prefix, "trapped.conf"))
	if r := s.do(t, "GET", "/missing", "Accept-Language: fr"); strings.Contains(r.body, "<main class=card>") {
		t.Errorf("without ForceLanguagePriority, fr still got an errpages page (status %d)", r.status)
	} else {
		t.Logf("trap 11: fr got status %d and Apache's own body", r.status)
	}
	if r := s.do(t, "GET", "/secret"); r.status != 401 || strings.Contains(r.body, "<main class=card>") {
		t.Errorf("full-URL ErrorDocument 401: status %d, errpages page %v; want 401 with Apache's page", r.status, strings.Contains(r.body, "<main class=card>"))
	}
	// Trap 14: an Accept that matches no variant gets Apache's body, status kept.
	if r := s.do(t, "GET", "/missing", "Accept: application/xml"); r.status != 404 || strings.Contains(r.body, "<main class=card>") {
		t.Errorf("Accept: application/xml: status %d; want 404 with Apache's own body", r.status)
	}
}
