package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/errpages/errpages/generator/servers"
)

// asNobody runs cmd as nobody when the tests run as root, as the error
// backend's container runs nginx as an unprivileged user.
func asNobody(cmd *exec.Cmd) {
	if asRoot() {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
}

// startBackend builds the container's project (deploy/errpages.toml, every
// built-in code and language) with its root moved under prefix, and runs
// the generated backend/nginx.conf as an unprivileged user, with only the
// port and /tmp moved for the test. It returns the server and the codes
// the project built.
func startBackend(t *testing.T) (*server, []int) {
	bin := need(t, "nginx")
	prefix := tempDir(t)
	siteFiles(t, prefix)
	out := filepath.Join(prefix, "errpages")
	project, err := os.ReadFile("../deploy/errpages.toml")
	if err != nil {
		t.Fatal(err)
	}
	toml := regexp.MustCompile(`(?m)^root = .*$`).ReplaceAllString(string(project), fmt.Sprintf("root = %q", out))
	buildProject(t, out, map[string]string{"errpages.toml": toml})
	var codes []int
	pages, _ := filepath.Glob(filepath.Join(out, "pages/en/*.html"))
	for _, p := range pages {
		if c, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(p), ".html")); err == nil {
			codes = append(codes, c)
		}
	}
	slices.Sort(codes)
	data, err := os.ReadFile(filepath.Join(out, "backend/nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	conf := strings.Replace(string(data), fmt.Sprintf("listen %d;", servers.BackendPort), fmt.Sprintf("listen 127.0.0.1:%d;", port), 1)
	conf = strings.ReplaceAll(conf, " /tmp/", " "+prefix+"/tmp/")
	confFile := filepath.Join(prefix, "nginx.conf")
	write(t, confFile, conf)
	// Its logs go to standard output and error, as in a container: files
	// the unprivileged user opens, as /dev/stdout is then theirs.
	nginx := func(log string, args ...string) *exec.Cmd {
		cmd := exec.Command("sh", append([]string{"-c", `log=$1; shift; exec "$0" "$@" >>"$log" 2>&1`, bin, log, "-p", prefix + "/", "-c", confFile}, args...)...)
		asNobody(cmd)
		return cmd
	}
	testLog := filepath.Join(prefix, "logs/nginx-t.log")
	if err := nginx(testLog, "-t", "-q").Run(); err != nil {
		b, _ := os.ReadFile(testLog)
		t.Fatalf("nginx -t as an unprivileged user: %v\n%s", err, b)
	}
	log := filepath.Join(prefix, "logs/nginx.log")
	return start(t, nginx(log, "-g", "daemon off;"), port, log), codes
}

// TestBackend sends what ingress-nginx sends its default backend for every
// code the backend handles, in three languages, as a browser and as an API
// client, then bad X-Code values, Traefik's /<status> form and the probe.
func TestBackend(t *testing.T) {
	t.Parallel()
	s, codes := startBackend(t)
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	ingress := func(code, format, lang, rid string) []string {
		return []string{"X-Code: " + code, "X-Format: " + format, "Accept-Language: " + lang,
			"X-Original-URI: /shop/cart?item=1", "X-Namespace: shop", "X-Ingress-Name: web",
			"X-Service-Name: cart", "X-Service-Port: 80", "X-Request-ID: " + rid}
	}
	handled := 0
	for _, c := range codes {
		if c == 408 {
			// nginx closes the connection for `return 408`: the 404 page.
			r := s.do(t, "GET", "/", ingress("408", browser, "en", "r408")...)
			wantPage(t, "X-Code 408", r, 404, "en")
			continue
		}
		handled++
		for _, lang := range []string{"en", "de", "ar"} {
			rid := fmt.Sprintf("req-%d-%s", c, lang)
			what := fmt.Sprintf("X-Code %d, %s", c, lang)
			r := s.do(t, "GET", "/", ingress(strconv.Itoa(c), browser, lang, rid)...)
			wantPage(t, what, r, c, lang)
			ref := referenceText(t, r.body)
			expect(t, what, r,
				check{"Content-Security-Policy", strings.HasPrefix(r.header.Get("Content-Security-Policy"), "default-src 'none'"), r.header.Get("Content-Security-Policy")},
				check{"X-Content-Type-Options nosniff", r.header.Get("X-Content-Type-Options") == "nosniff", r.header.Get("X-Content-Type-Options")},
				check{"the ingress's request ID and path in the Reference block", len(ref) >= 1 && ref[0] == rid, ref})

			r = s.do(t, "GET", "/", ingress(strconv.Itoa(c), "application/json", lang, rid)...)
			var problem struct{ Status int }
			err := json.Unmarshal([]byte(r.body), &problem)
			expect(t, what+", X-Format application/json", r,
				check{"status", r.status == c, r.status},
				check{"problem+json", r.header.Get("Content-Type") == "application/problem+json", r.header.Get("Content-Type")},
				check{"the document's status", err == nil && problem.Status == c, r.body},
				check{"Content-Language " + lang, r.header.Get("Content-Language") == lang, r.header.Get("Content-Language")})
		}
	}
	if handled < 30 {
		t.Errorf("the backend handled %d codes of %v", handled, codes)
	}

	// Bad or missing X-Code: the 404 page, never a 5xx.
	for _, code := range []string{"999", "abc", "", "200", "503x", "-1", strings.Repeat("5", 10240)} {
		r := s.do(t, "GET", "/", ingress(code, browser, "de", "bad")...)
		wantPage(t, fmt.Sprintf("X-Code %.12q", code), r, 404, "de")
	}
	r := s.do(t, "GET", "/", "X-Original-URI: /"+strings.Repeat("a", 10240))
	wantPage(t, "no X-Code, a 10 KB X-Original-URI", r, 404, "en")
	// X-Code wins over the path.
	wantPage(t, "X-Code 503 on /404", s.do(t, "GET", "/404", "X-Code: 503"), 503, "en")
	// Traefik's errors middleware: /<status>.
	wantPage(t, "/503", s.do(t, "GET", "/503", "Accept-Language: de-DE,de;q=0.9"), 503, "de")
	wantPage(t, "/404", s.do(t, "GET", "/404", "Accept-Language: ar"), 404, "ar")
	wantPage(t, "/599", s.do(t, "GET", "/599"), 404, "en")
	wantPage(t, "POST with X-Code 500", s.do(t, "POST", "/", "X-Code: 500"), 500, "en")
	if r := s.do(t, "HEAD", "/", "X-Code: 503"); r.status != 503 || r.body != "" {
		t.Errorf("HEAD with X-Code 503: %d with %d bytes", r.status, len(r.body))
	}
	if r := s.do(t, "GET", "/healthz"); r.status != 200 || r.body != "ok\n" {
		t.Errorf("/healthz: %d %q", r.status, r.body)
	}
}
