package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// haproxyConf is a whole HAProxy configuration that uses the generated
// http-errors sections: English by default, the locale other for deny
// rules and a backend chosen by Accept-Language. The backends point at a
// closed port.
func haproxyConf(port, dead int, other string) string {
	user := ""
	if asRoot() {
		user = "global\n    user nobody\n    group nogroup\n"
	}
	return fmt.Sprintf(`%sdefaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout http-request 1s
    retries 1
    errorfiles errpages-en
userlist users
    user alice insecure-password wonderland
frontend web
    bind 127.0.0.1:%d
    option http-buffer-request
    acl de req.hdr(accept-language) -m reg -i ^%[4]s
    http-request return status 200 content-type text/html string "home" if { path / }
    http-request auth realm Restricted if { path_beg /secret } !{ http_auth(users) }
    http-request return status 200 content-type text/plain string "top secret" if { path_beg /secret }
    http-request deny deny_status 403 errorfiles errpages-%[4]s if { path_beg /forbidden } de
    http-request deny deny_status 403 if { path_beg /forbidden }
    http-request deny deny_status 404 errorfiles errpages-en-json if { path_beg /missing } { req.hdr(accept) -m reg -i ^application/(problem\+)?json }
    http-request deny deny_status 404 errorfiles errpages-%[4]s if { path_beg /missing } de
    http-request deny deny_status 404 if { path_beg /missing }
    http-request deny deny_status 500 if { path_beg /boom }
    use_backend down-de if de
    default_backend down
backend down
    server app 127.0.0.1:%[3]d
backend down-de
    errorfiles errpages-%[4]s
    server app 127.0.0.1:%[3]d
`, user, port, dead, other)
}

// TestHAProxy runs HAProxy with the generated error files: its own errors
// (auth 401, deny 403 and 404, a down backend's 503, a slow request's 408)
// carry the branded page byte for byte with the status and headers.
func TestHAProxy(t *testing.T) {
	t.Parallel()
	bin := need(t, "haproxy")
	prefix := tempDir(t)
	out := filepath.Join(prefix, "errpages")
	buildSite(t, out)
	port := freePort(t)
	conf := filepath.Join(prefix, "haproxy.cfg")
	write(t, conf, haproxyConf(port, freePort(t), "de"))
	args := []string{"-f", conf, "-f", filepath.Join(out, "haproxy/errpages.cfg")}
	// The 500 file, padded to errpages' limit (tune.bufsize − tune.maxrewrite
	// = 15,360 bytes), must still load and be sent whole.
	const limit = 16384 - 1024
	big := filepath.Join(out, "haproxy/errors/en/500.http")
	data, err := os.ReadFile(big)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(data), "\r\n\r\n")
	head = regexp.MustCompile(`Content-Length: \d+`).ReplaceAllString(head, "Content-Length: 00000")
	body += strings.Repeat(" ", limit-len(head)-4-len(body))
	head = strings.Replace(head, "Content-Length: 00000", fmt.Sprintf("Content-Length: %05d", len(body)), 1)
	os.Remove(big) // a hard link shared with other pages
	write(t, big, head+"\r\n\r\n"+body)
	if b, err := exec.Command(bin, append([]string{"-c"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, b)
	}
	s := start(t, exec.Command(bin, append([]string{"-db"}, args...)...), port, filepath.Join(prefix, "none.log"))

	r := s.do(t, "GET", "/secret")
	wantPage(t, "401", r, 401, "en")
	expect(t, "401", r,
		// HAProxy adds the challenge to the error file itself.
		check{"one WWW-Authenticate Basic realm", len(r.header.Values("WWW-Authenticate")) == 1 &&
			strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic realm="), r.header.Values("WWW-Authenticate")},
		check{"Cache-Control no-store", r.header.Get("Cache-Control") == "no-store", r.header.Get("Cache-Control")})
	if r := s.do(t, "GET", "/secret", "Authorization: alice:wonderland"); r.status != 200 || r.body != "top secret" {
		t.Errorf("valid credentials: %d %q", r.status, r.body)
	}
	r = s.do(t, "GET", "/boom")
	wantPage(t, "500 at the size limit", r, 500, "en")
	expect(t, "500 at the size limit", r, check{"the whole padded page", r.body == body, len(r.body)})
	wantPage(t, "403", s.do(t, "GET", "/forbidden"), 403, "en")
	wantPage(t, "403 de-DE by a deny rule's errorfiles", s.do(t, "GET", "/forbidden", "Accept-Language: de-DE,de;q=0.9"), 403, "de")
	r = s.do(t, "GET", "/missing")
	wantPage(t, "404", r, 404, "en")
	expect(t, "404", r, check{"Cache-Control max-age=60 as configured", r.header.Get("Cache-Control") == "max-age=60", r.header.Get("Cache-Control")})
	wantPage(t, "404 de", s.do(t, "GET", "/missing", "Accept-Language: de"), 404, "de")
	r = s.do(t, "GET", "/missing", "Accept: application/problem+json")
	expect(t, "404 JSON by a deny rule's errorfiles", r,
		check{"status 404", r.status == 404, r.status},
		check{"problem+json", r.header.Get("Content-Type") == "application/problem+json", r.header.Get("Content-Type")},
		check{"problem document", strings.HasPrefix(r.body, `{"type":"about:blank","title":"Not Found","status":404`), r.body},
		check{"Content-Language en", r.header.Get("Content-Language") == "en", r.header.Get("Content-Language")})
	wantPage(t, "POST 404", s.do(t, "POST", "/missing"), 404, "en")
	r = s.do(t, "HEAD", "/missing")
	expect(t, "HEAD 404", r, check{"404", r.status == 404, r.status}, check{"no body", r.body == "", len(r.body)})
	for _, lang := range []string{"en", "de"} {
		r = s.do(t, "GET", "/app", "Accept-Language: "+lang)
		wantPage(t, "503 from a down backend, "+lang, r, 503, lang)
		expect(t, "503", r, check{"Retry-After: 120", r.header.Get("Retry-After") == "120", r.header.Get("Retry-After")})
	}

	// A request body that does not arrive in time gets the 408 page; a
	// request whose headers never finish gets HAProxy's built-in 408 page:
	// HAProxy 2.6 answers it before any error file applies.
	for _, tc := range []struct {
		request string
		lang    string
	}{
		{"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nab", "en"},
		{"GET / HTTP/1.1\r\nHost: localhost\r\n", ""},
	} {
		status, lang := rawRequest(t, s, tc.request)
		if status != 408 || lang != tc.lang {
			t.Errorf("%q: status %d, page language %q; want 408 and %q", tc.request, status, lang, tc.lang)
		}
	}
}

// rawRequest sends an incomplete request and returns the status and the
// page language of the answer.
func rawRequest(t *testing.T, s *server, request string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, request)
	readDeadline(t, conn)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%q: %v", request, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	lang, _ := page(string(body))
	return resp.StatusCode, lang
}
