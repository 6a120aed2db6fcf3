// Package e2e runs errpages output on real servers: nginx and Apache httpd
// from Debian's packages, started on 127.0.0.1 high ports with the generated
// configuration included unchanged, and stopped by PID. Where a server is
// missing the tests skip on a developer machine and fail in CI (CI=true).
package e2e

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// need returns the path of a server binary, or skips (fails under CI).
func need(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
			if p := filepath.Join(dir, n); isExec(p) {
				return p
			}
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed, and CI must run these tests (scripts/test installs it)", names[0])
	}
	t.Skipf("%s is not installed; run scripts/test as root to install it", names[0])
	return ""
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&0o111 != 0
}

// tempDir is a world-readable temporary folder: as root the servers' workers
// run as nobody and must read the pages (t.TempDir makes 0700 folders).
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "errpages-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func write(t *testing.T, name, data string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(name), 0o755)
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// project is the test project: three languages (ar from a project locale
// file), the codes the checks drive, Retry-After for 503 and a cacheable 404.
const project = `
name = "Acme"
url = "https://acme.example/"
locales = ["en", "de", "ar"]
codes = [401, 403, 404, 408, 500, 503]
[server]
url_prefix = "/_errors/"
root = %q
retry_after = { 503 = 120 }
cache_control = { 404 = "max-age=60" }
`

const arabic = `
[ui]
error = "خطأ"
help = "ما يمكنك فعله"
related = "أخطاء ذات صلة"
home = "الصفحة الرئيسية"
contact = "اتصل بمالك الموقع"
[codes.401]
title = "غير مصرح"
summary = "يجب عليك تسجيل الدخول لعرض هذه الصفحة."
[codes.404]
title = "الصفحة غير موجودة"
summary = "لم نتمكن من العثور على الصفحة التي طلبتها."
`

// buildSite builds the test project with its server root at out.
func buildSite(t *testing.T, out string) {
	t.Helper()
	buildProject(t, out, map[string]string{"errpages.toml": fmt.Sprintf(project, out), "locales/ar.toml": arabic})
}

// siteFiles lays out what every test server needs under prefix: writable
// logs/, run/ and tmp/ folders (workers run as nobody under root), the
// site's home page and /secret, and the htpasswd file for alice.
func siteFiles(t *testing.T, prefix string) {
	t.Helper()
	for _, d := range []string{"logs", "run", "tmp"} {
		os.MkdirAll(filepath.Join(prefix, d), 0o777)
		os.Chmod(filepath.Join(prefix, d), 0o777)
	}
	write(t, filepath.Join(prefix, "site/index.html"), "<!doctype html><title>home</title>home\n")
	write(t, filepath.Join(prefix, "site/secret"), "top secret\n")
	htpasswd(t, filepath.Join(prefix, "htpasswd"), "alice", "wonderland")
}

// htpasswd writes a {SHA} password file both nginx and Apache read.
func htpasswd(t *testing.T, name, user, pass string) {
	sum := sha1.Sum([]byte(pass))
	write(t, name, user+":{SHA}"+base64.StdEncoding.EncodeToString(sum[:])+"\n")
}

// freePort returns a loopback port nothing listens on, never the same
// one twice in a run: the tests start their servers in parallel.
func freePort(t *testing.T) int {
	t.Helper()
	ports.Lock()
	defer ports.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !ports.given[port] {
			ports.given[port] = true
			return port
		}
	}
}

var ports = struct {
	sync.Mutex
	given map[int]bool
}{given: map[int]bool{}}

// server is a running server process.
type server struct {
	base     string
	errorLog string
}

// start runs cmd in the foreground, waits until it answers on port and
// stops it by PID at cleanup: SIGTERM, 5 s, then SIGKILL.
func start(t *testing.T, cmd *exec.Cmd, port int, errorLog string) *server {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// done is closed when the process has exited, with its error in waitErr.
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if err := syscall.Kill(cmd.Process.Pid, 0); err == nil {
			t.Errorf("server PID %d still running after stop", cmd.Process.Pid)
		}
		if log, _ := os.ReadFile(errorLog); t.Failed() && len(log) > 0 {
			t.Logf("%s error log (last 3 KiB):\n%s", cmd.Path, log[max(0, len(log)-3072):])
		}
		if log, _ := os.ReadFile(errorLog); bytes.Contains(log, []byte("[emerg]")) || bytes.Contains(log, []byte("[alert]")) || bytes.Contains(log, []byte("[crit]")) {
			t.Errorf("error log has emerg/alert/crit lines:\n%s", log)
		}
	})
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port), errorLog: errorLog}
	// Poll until the server answers, it exits, or the test runs out of time:
	// a loaded machine may take long to start a server.
	ctx := testContext(t)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return s
		}
		select {
		case <-done:
			log, _ := os.ReadFile(errorLog)
			t.Fatalf("%s exited: %v\n%s\n%s", cmd.Path, waitErr, out.String(), log)
		case <-ctx.Done():
			log, _ := os.ReadFile(errorLog)
			t.Fatalf("%s did not answer on port %d before the test's deadline\n%s\n%s", cmd.Path, port, out.String(), log)
		case <-tick.C:
		}
	}
}

// readDeadline bounds reads on conn by the test's own deadline.
func readDeadline(t *testing.T, conn net.Conn) {
	if d, ok := testContext(t).Deadline(); ok {
		conn.SetReadDeadline(d)
	}
}

// testContext ends shortly before the test's deadline (go test -timeout),
// so that a request that never completes fails the test with a message
// instead of hanging until the whole run is killed.
func testContext(t *testing.T) context.Context {
	deadline, ok := t.Deadline()
	if !ok {
		return context.Background()
	}
	// Leave time for the cleanups and the failure message.
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-time.Until(deadline)/20))
	t.Cleanup(cancel)
	return ctx
}

// asRoot reports whether the tests run as root: the servers' workers then
// run as nobody.
func asRoot() bool { return os.Geteuid() == 0 }

var client = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request; headers are "Name: value" pairs.
func (s *server) do(t *testing.T, method, path string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, s.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		if k == "Host" { // Go sends req.Host, never a Host header
			req.Host = v
			continue
		}
		if k == "Authorization" {
			u, p, _ := strings.Cut(v, ":")
			req.SetBasicAuth(u, p)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(body)}
}
