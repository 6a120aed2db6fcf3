package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"
)

// referenceProject turns on the Reference block, with the path, for nginx
// and Apache, under a nested prefix and a root with a space.
func referenceProject(root string, trust bool) string {
	return fmt.Sprintf(`locales = ["en", "de", "ar"]
codes = [404, 500, 503]
[page]
reference = true
reference_path = true
[server]
targets = ["nginx", "apache", "caddy", "haproxy", "lighttpd"]
url_prefix = "/static/errors/"
root = %q
trust_request_id = %v
`, root, trust)
}

// xssPayloads are sent in the path, the Host header and X-Request-ID.
var xssPayloads = []string{`<script>alert(1)</script>`, `"><svg onload=alert(1)>`, `&lt;b&gt;x&#34;`}

func parseHTML(t *testing.T, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// elements lists a page's elements with their attribute names: a payload
// that became markup adds an element or an attribute.
func elements(t *testing.T, page string) []string {
	t.Helper()
	var out []string
	for n := range parseHTML(t, page).Descendants() {
		if n.Type == html.ElementNode {
			e := n.Data
			for _, a := range n.Attr {
				e += " " + a.Key
			}
			out = append(out, e)
		}
	}
	return out
}

// referenceText returns the text of the Reference block's items, by label
// position: request ID, time, host, path.
func referenceText(t *testing.T, page string) []string {
	t.Helper()
	var out []string
	for n := range parseHTML(t, page).Descendants() {
		if n.Type == html.ElementNode && n.Data == "dd" {
			var b strings.Builder
			for c := range n.Descendants() {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			out = append(out, b.String())
		}
	}
	return out
}

// rawGet sends a request line and headers as given, without Go's URL
// encoding, and returns the response body.
func rawGet(t *testing.T, s *server, target string, headers ...string) (status int, body string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	readDeadline(t, conn)
	host, lang := "localhost", "de"
	var extra strings.Builder
	for _, h := range headers {
		if v, ok := strings.CutPrefix(h, "Host: "); ok {
			host = v
			continue
		}
		if v, ok := strings.CutPrefix(h, "Accept-Language: "); ok {
			lang = v
			continue
		}
		extra.WriteString(h + "\r\n")
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept-Language: %s\r\n%sConnection: close\r\n\r\n", target, host, lang, extra.String())
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	status, body = resp.StatusCode, string(data)
	return status, body
}

// firstField reads request IDs from an access log whose lines start with
// the ID.
func firstField(log string) func(*testing.T, string) string {
	return func(t *testing.T, marker string) string {
		return loggedID(t, log, func(line string) (string, bool) {
			if strings.Contains(line, marker) {
				return strings.Fields(line)[0], true
			}
			return "", false
		})
	}
}

// loggedID waits until id finds the request's line in the access log and
// returns the ID it read there.
func loggedID(t *testing.T, log string, id func(line string) (string, bool)) string {
	t.Helper()
	ctx := testContext(t)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		data, _ := os.ReadFile(log)
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := id(line); ok {
				return v
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the request's line is not in %s:\n%s", log, data)
		case <-tick.C:
		}
	}
}

// asSent is what nginx, Apache and Caddy show of a value: all of it, as
// text.
func asSent(v string) string { return v }

// cutAtMarkup is what HAProxy shows of a value: the text before its first
// '<', '>' or '&'.
func cutAtMarkup(v string) string {
	if i := strings.IndexAny(v, "<>&"); i >= 0 {
		return v[:i]
	}
	return v
}

// checkReference requests missing pages with hostile values and checks
// the filled-in block: the ID the server logged, the path, no new markup.
// shown is what the block should show of a Host header.
func checkReference(t *testing.T, s *server, shown func(string) string, logged func(t *testing.T, marker string) string) {
	t.Helper()
	_, clean := rawGet(t, s, "/clean-marker")
	want := elements(t, clean)
	if !slices.Contains(want, "section class aria-labelledby") {
		t.Fatalf("the page has no Reference block:\n%s", clean)
	}
	for i, p := range append([]string{""}, xssPayloads...) {
		marker := fmt.Sprintf("/ref-%d-", i)
		target := marker + strings.NewReplacer(" ", "%20", `"`, "%22", "#", "%23").Replace(p)
		status, body := rawGet(t, s, target, "X-Request-ID: "+p)
		if status != 404 {
			t.Errorf("%s: status %d, want 404:\n%.300s", target, status, body)
			continue
		}
		if got := elements(t, body); !slices.Equal(got, want) {
			t.Errorf("%s: the page's elements changed:\n got %v\nwant %v", target, got, want)
		}
		ref := referenceText(t, body)
		if len(ref) != 4 {
			t.Errorf("%s: Reference items %q, want 4", target, ref)
			continue
		}
		if id := logged(t, marker); ref[0] != id || id == "" || strings.ContainsAny(id, `<>"`) {
			t.Errorf("%s: the page shows request ID %q, the access log %q", target, ref[0], id)
		}
		if _, err := time.Parse("2006-01-02 15:04:05 UTC", ref[1]); err != nil {
			t.Errorf("%s: time %q: %v", target, ref[1], err)
		}
		if !strings.Contains(ref[3], marker) {
			t.Errorf("%s: path %q", target, ref[3])
		}
		if p == "" {
			continue
		}
		// A Host the server accepts comes back as text; one it refuses gets
		// the server's own 400, which does not repeat it.
		status, body = rawGet(t, s, marker+"host", "Host: "+p)
		switch {
		case status == 404:
			if got := elements(t, body); !slices.Equal(got, want) {
				t.Errorf("Host %s: the page's elements changed:\n got %v\nwant %v", p, got, want)
			}
			if ref := referenceText(t, body); len(ref) != 4 || ref[2] != shown(p) {
				t.Errorf("Host %s: shown as %q", p, ref)
			}
		case status == 400:
			if strings.Contains(body, p) {
				t.Errorf("Host %s: the 400 page repeats it:\n%s", p, body)
			}
		default:
			t.Errorf("Host %s: status %d", p, status)
		}
	}
}

func TestReferenceNginx(t *testing.T) {
	t.Parallel()
	s, log, out := referenceNginx(t, false, "$request_id")
	checkReference(t, s, asSent, firstField(log))
	checkFilledPages(t, s, out)
}

// checkFilledPages validates pages as the server sends them, filled in, in
// en, de and ar, and the files as built (where the directives are
// comments), with the Nu checker, and runs axe-core on the filled pages.
func checkFilledPages(t *testing.T, s *server, out string) {
	t.Helper()
	dir := tempDir(t)
	files, _ := filepath.Glob(filepath.Join(out, "pages", "*", "*.html"))
	var filled []string
	for _, loc := range []string{"en", "de", "ar"} {
		_, body := rawGet(t, s, "/filled", "Accept-Language: "+loc, "Host: www.example.com")
		if ref := referenceText(t, body); len(ref) != 4 || ref[2] != "www.example.com" {
			t.Fatalf("%s: Reference %q", loc, ref)
		}
		f := filepath.Join(dir, loc+".html")
		write(t, f, body)
		filled = append(filled, f)
	}
	for _, m := range vnu(t, append(files, filled...)) {
		t.Errorf("%s:%d: %s: %s", m.URL, m.Line, m.Type, m.Message)
	}
	source, err := os.ReadFile(nodeModule(t, "axe-core/axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	// A page no server filled in hides the block; a filled one shows it.
	display := func(f string) string {
		var d string
		if err := view(ctx, f, 390, "dark"); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Run(ctx, chromedp.Evaluate(`getComputedStyle(document.querySelector(".reference")).display`, &d)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := display(filepath.Join(out, "pages/en/404.html")); d != "none" {
		t.Errorf("an unfilled page shows the Reference block (display %s)", d)
	}
	for _, f := range filled {
		if d := display(f); d == "none" {
			t.Errorf("%s: the filled Reference block is hidden", f)
		}
		vs, err := axe(ctx, string(source))
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) > 0 {
			t.Errorf("%s: %d violations:%s", f, len(vs), describe(vs))
		}
	}
}

// referenceModules loads what the Reference block needs in Apache and logs
// UNIQUE_ID first on each line.
func referenceModules(prefix string) string {
	return fmt.Sprintf(`LoadModule include_module /usr/lib/apache2/modules/mod_include.so
LoadModule unique_id_module /usr/lib/apache2/modules/mod_unique_id.so
LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so
LogFormat "%%{UNIQUE_ID}e %%>s \"%%r\"" rid
CustomLog %s/logs/access.log rid
`, prefix)
}

// referenceApache starts Apache with the Reference project's server
// configuration and returns it with its access log.
func referenceApache(t *testing.T, trust bool) (*server, string) {
	bin := need(t, "apache2", "httpd")
	prefix := tempDir(t)
	out := filepath.Join(prefix, "error pages")
	buildProject(t, out, map[string]string{"errpages.toml": referenceProject(out, trust)})
	siteFiles(t, prefix)
	s := startApache(t, bin, prefix, referenceModules(prefix)+fmt.Sprintf("Include %q\n", filepath.Join(out, "apache/errpages.conf")))
	return s, filepath.Join(prefix, "logs/access.log")
}

// referenceNginx starts nginx with the Reference project, logging logVar
// first on each access log line, and returns it with the log.
func referenceNginx(t *testing.T, trust bool, logVar string) (*server, string, string) {
	need(t, "nginx")
	prefix := tempDir(t)
	out := filepath.Join(prefix, "error pages")
	buildProject(t, out, map[string]string{"errpages.toml": referenceProject(out, trust)})
	port := freePort(t)
	conf := strings.Replace(nginxConf(prefix, out, port), "    access_log off;\n",
		fmt.Sprintf("    log_format rid '%s $status \"$request\"';\n    access_log %s/logs/access.log rid;\n", logVar, prefix), 1)
	return startNginx(t, prefix, port, conf), filepath.Join(prefix, "logs/access.log"), out
}

func TestReferenceApache(t *testing.T) {
	t.Parallel()
	s, log := referenceApache(t, false)
	checkReference(t, s, asSent, firstField(log))
}

// TestReferenceApacheHtaccess: the .htaccess variant fills the block in
// where the host allows Options=IncludesNOEXEC in the pages' folder.
func TestReferenceApacheHtaccess(t *testing.T) {
	t.Parallel()
	bin := need(t, "apache2", "httpd")
	prefix := tempDir(t)
	out := filepath.Join(prefix, "errpages")
	buildProject(t, out, map[string]string{"errpages.toml": referenceProject(out, false)})
	setupHtaccess(t, prefix, out, "static/errors")
	allow := fmt.Sprintf("<Directory %q>\n    AllowOverride FileInfo Options=IncludesNOEXEC\n</Directory>\n", filepath.Join(prefix, "site/static/errors"))
	s := startApache(t, bin, prefix, referenceModules(prefix)+allow)
	checkReference(t, s, asSent, firstField(filepath.Join(prefix, "logs/access.log")))
}

// TestReferenceTrustRequestID: with trust_request_id, an X-Request-ID of
// ID characters is shown and logged; anything else falls back to the
// server's own ID, on nginx, Apache and lighttpd.
func TestReferenceTrustRequestID(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, s *server, log string) {
		for i, c := range []struct{ header, want string }{
			{"abc-123.X_y:z", "abc-123.X_y:z"},
			{"<script>", ""},
			{strings.Repeat("a", 129), ""},
		} {
			marker := fmt.Sprintf("/trust-%d", i)
			_, body := rawGet(t, s, marker, "X-Request-ID: "+c.header)
			ref := referenceText(t, body)
			id := firstField(log)(t, marker)
			if len(ref) == 0 || ref[0] != id || c.want != "" && id != c.want || c.want == "" && id == c.header {
				t.Errorf("X-Request-ID %.20q: shown %q, logged %q, want %q", c.header, ref, id, c.want)
			}
		}
	}
	t.Run("nginx", func(t *testing.T) {
		t.Parallel()
		s, log, _ := referenceNginx(t, true, "$errpages_rid")
		check(t, s, log)
	})
	t.Run("apache", func(t *testing.T) {
		t.Parallel()
		s, log := referenceApache(t, true)
		check(t, s, log)
	})
	t.Run("lighttpd", func(t *testing.T) {
		t.Parallel()
		s, log, _ := referenceLighttpd(t, true)
		check(t, s, log)
	})
}

// TestReferenceCaddy: Caddy's copies of the pages are filled in by its
// templates; its JSON access log has the ID as the X-Request-ID response
// header.
func TestReferenceCaddy(t *testing.T) {
	t.Parallel()
	bin := need(t, "caddy")
	prefix := tempDir(t)
	out := filepath.Join(prefix, "error pages")
	buildProject(t, out, map[string]string{"errpages.toml": referenceProject(out, false)})
	siteFiles(t, prefix)
	port := freePort(t)
	log := filepath.Join(prefix, "logs/access.log")
	conf := filepath.Join(prefix, "Caddyfile")
	// Any Host, so that hostile ones reach the site too.
	caddy := strings.Replace(caddyfile(prefix, out, port), fmt.Sprintf("http://127.0.0.1:%d {\n", port),
		fmt.Sprintf("http://:%d {\n    bind 127.0.0.1\n", port), 1)
	write(t, conf, strings.Replace(caddy, "    file_server\n",
		fmt.Sprintf("    file_server\n    log {\n        output file %q\n    }\n", log), 1))
	cmd := exec.Command(bin, "run", "--config", conf, "--adapter", "caddyfile")
	cmd.Env = caddyEnv(prefix)
	s := start(t, cmd, port, filepath.Join(prefix, "logs/caddy.log"))
	checkReference(t, s, asSent, func(t *testing.T, marker string) string {
		return loggedID(t, log, func(line string) (string, bool) {
			var e struct {
				Request     struct{ URI string }
				RespHeaders map[string][]string `json:"resp_headers"`
			}
			if json.Unmarshal([]byte(line), &e) != nil || !strings.Contains(e.Request.URI, marker) {
				return "", false
			}
			return strings.Join(e.RespHeaders["X-Request-Id"], ","), true
		})
	})
}

// TestReferenceHAProxy: HAProxy fills in its lf-files, both for its own
// errors (a defaults section inherits errpages' http-error rules) and for
// deny rules that pick a language; it logs the same unique-id.
func TestReferenceHAProxy(t *testing.T) {
	t.Parallel()
	bin := need(t, "haproxy")
	prefix := tempDir(t)
	out := filepath.Join(prefix, "error pages")
	buildProject(t, out, map[string]string{"errpages.toml": referenceProject(out, false)})
	port, log := freePort(t), filepath.Join(prefix, "access.log")
	user := ""
	if asRoot() {
		user = "global\n    user nobody\n    group nogroup\n"
	}
	deny := ""
	for _, l := range []string{"de", "ar"} {
		deny += fmt.Sprintf("    http-request deny deny_status 404 content-type \"text/html; charset=utf-8\" lf-file \"%s/haproxy/reference/%s/404.html\" hdr Content-Language %[2]s if { req.hdr(accept-language) -m beg %[2]s } !{ path_beg /app }\n", out, l)
	}
	conf := filepath.Join(prefix, "haproxy.cfg")
	write(t, conf, fmt.Sprintf(`%sdefaults from errpages-en-reference
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    log stdout format raw local0
    log-format "%%ID %%ST %%{+Q}r"
frontend web
    bind 127.0.0.1:%d
%s    http-request deny deny_status 404 unless { path_beg /app }
    default_backend down
backend down
    server app 127.0.0.1:%d
`, user, port, deny, freePort(t)))
	args := []string{"-f", filepath.Join(out, "haproxy/errpages.cfg"), "-f", conf}
	if b, err := exec.Command(bin, append([]string{"-c"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, b)
	}
	// HAProxy logs to its standard output.
	cmd := exec.Command("sh", append([]string{"-c", `exec "$0" -db "$@" >>"$LOG"`, bin}, args...)...)
	cmd.Env = append(os.Environ(), "LOG="+log)
	s := start(t, cmd, port, filepath.Join(prefix, "none.log"))
	checkReference(t, s, cutAtMarkup, firstField(log))
	checkFilledPages(t, s, out)
	// HAProxy's own error, from its http-error rule: a backend that is down.
	status, body := rawGet(t, s, "/app/down", "Accept-Language: en")
	if ref := referenceText(t, body); status != 503 || len(ref) != 4 || ref[0] != firstField(log)(t, "/app/down") {
		t.Errorf("503: status %d, Reference %q", status, ref)
	}
}

// TestReferenceLighttpd: reference.conf's error handler fills in the pages
// with the ID request-id.lua put in UNIQUE_ID, which the access log shows;
// a status errpages did not build keeps lighttpd's own answer.
func TestReferenceLighttpd(t *testing.T) {
	t.Parallel()
	s, log, out := referenceLighttpd(t, false)
	checkReference(t, s, asSent, firstField(log))
	checkFilledPages(t, s, out)

	r := s.do(t, "GET", "/app", "Accept-Language: ar")
	wantPage(t, "503 from a down backend", r, 503, "ar")
	expect(t, "503", r, check{"Reference filled in", len(referenceText(t, r.body)) == 4 && referenceText(t, r.body)[0] != "", referenceText(t, r.body)})
	// No page for 401 and 403 in this project: lighttpd's own answer, with
	// its status and challenge.
	r = s.do(t, "GET", "/secret")
	expect(t, "401", r, check{"status 401", r.status == 401, r.status},
		check{"WWW-Authenticate Basic realm", strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic realm="), r.header.Values("WWW-Authenticate")})
	if r := s.do(t, "GET", "/forbidden"); r.status != 403 {
		t.Errorf("/forbidden: status %d, want 403", r.status)
	}
	if r := s.do(t, "GET", "/errpages-reference"); r.status != 404 {
		t.Errorf("the error handler's own URL: status %d, want 404", r.status)
	}
}

// referenceLighttpd starts lighttpd with the Reference project and
// reference.conf, logging UNIQUE_ID first on each line, and returns it with
// its access log and the output folder.
func referenceLighttpd(t *testing.T, trust bool) (*server, string, string) {
	bin := need(t, "lighttpd")
	needMagnet(t)
	prefix := tempDir(t)
	out := filepath.Join(prefix, "error pages")
	buildProject(t, out, map[string]string{"errpages.toml": referenceProject(out, trust)})
	siteFiles(t, prefix)
	port, log := freePort(t), filepath.Join(prefix, "logs/access.log")
	conf := filepath.Join(prefix, "lighttpd.conf")
	write(t, conf, lighttpdConf(prefix, out, port, freePort(t), true, freePort(t))+fmt.Sprintf(`include %s
server.modules += ( "mod_accesslog" )
accesslog.filename = %s
accesslog.format = "%%{UNIQUE_ID}e %%>s \"%%r\""
`, q(out+"/lighttpd/reference.conf"), q(log)))
	if b, err := exec.Command(bin, "-tt", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("lighttpd -tt: %v\n%s", err, b)
	}
	s := start(t, exec.Command(bin, "-D", "-f", conf), port, filepath.Join(prefix, "logs/error.log"))
	return s, log, out
}
