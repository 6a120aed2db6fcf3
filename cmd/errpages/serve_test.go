package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func get(t *testing.T, url string, headers ...string) (int, http.Header, string) {
	t.Helper()
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel func()
		ctx, cancel = context.WithDeadline(ctx, d.Add(-time.Until(d)/20))
		defer cancel()
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// waitFor polls cond until it holds or the test nears its deadline (go
// test -timeout): a loaded machine may be slow, and a failure still ends
// with a message rather than a killed run.
func waitFor(t *testing.T, cond func() bool) bool {
	end := time.Now().Add(time.Minute)
	if d, ok := t.Deadline(); ok {
		end = d.Add(-time.Until(d) / 20)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(end) {
			return false
		}
		<-tick.C
	}
	return true
}

func TestServe(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	config := "name = \"Acme\"\nlocales = [\"en\", \"de\"]\ncodes = [401, 404, 503]\n[server]\ntargets = [\"nginx\"]\n"
	write("errpages.toml", config)
	write("content/en/404.md", "+++\ntitle = \"Lost at sea\"\n+++\n1. Swim.\n")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "-c", filepath.Join(dir, "errpages.toml"), "--addr", addr}, io.Discard, &stderr)
	}()
	base := "http://" + addr
	if !waitFor(t, func() bool { _, err := net.Dial("tcp", addr); return err == nil }) {
		t.Fatalf("serve did not listen:\n%s", stderr.String())
	}

	status, _, body := get(t, base+"/")
	if status != 200 || !strings.Contains(body, "errpages preview") || !strings.Contains(body, "pages/en/404.html") {
		t.Fatalf("gallery: %d %.300s", status, body)
	}
	status, h, body := get(t, base+"/pages/de/503.html")
	if status != 503 || h.Get("Content-Language") != "de" || !strings.Contains(body, "<html lang=de") || !strings.Contains(body, "EventSource") ||
		strings.Contains(body, "Content-Security-Policy") {
		t.Errorf("page: status %d, Content-Language %q", status, h.Get("Content-Language"))
	}
	// As nginx does: the first listed language that is built, whatever the
	// q-values; the default locale when the first is not built.
	status, h, body = get(t, base+"/_negotiate/404", "Accept-Language: de-CH, en;q=0.9")
	if status != 404 || h.Get("Content-Language") != "de" || !strings.Contains(body, "<html lang=de") {
		t.Errorf("negotiated: status %d, Content-Language %q (de-CH picks de)", status, h.Get("Content-Language"))
	}
	if _, h, _ = get(t, base+"/_negotiate/404", "Accept-Language: fr;q=0.9, de;q=0.8"); h.Get("Content-Language") != "en" {
		t.Errorf("negotiated: Content-Language %q (fr first, not built: the default en)", h.Get("Content-Language"))
	}
	status, h, _ = get(t, base+"/_negotiate/401", "Accept: application/json")
	if status != 401 || h.Get("Content-Type") != "application/problem+json" {
		t.Errorf("negotiated JSON: status %d, %s", status, h.Get("Content-Type"))
	}

	// An edit shows without a restart.
	edited := time.Now()
	write("content/en/404.md", "+++\ntitle = \"Found the shore\"\n+++\n1. Walk.\n")
	if !waitFor(t, func() bool {
		_, _, b := get(t, base+"/pages/en/404.html")
		return strings.Contains(b, "Found the shore")
	}) {
		t.Fatalf("the edited page was never served\n%s", stderr.String())
	}
	t.Logf("the edit was served after %v", time.Since(edited).Round(time.Millisecond))

	// A broken config is reported; the last good build is still served.
	write("errpages.toml", "colour = 1\n"+config)
	if !waitFor(t, func() bool { _, _, b := get(t, base+"/"); return strings.Contains(b, `unknown key &#34;colour&#34;`) }) {
		t.Fatalf("the gallery does not report the broken config\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), `unknown key "colour"`) {
		t.Errorf("stderr does not report the error:\n%s", stderr.String())
	}
	if status, _, body := get(t, base+"/pages/en/404.html"); status != 404 || !strings.Contains(body, "Found the shore") {
		t.Errorf("the last good page is not served: %d", status)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d", code)
		}
	case <-testDone(t):
		t.Fatal("serve did not stop")
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("still listening after stop")
	}
}

// testDone is closed shortly before the test's deadline.
func testDone(t *testing.T) <-chan struct{} {
	done := make(chan struct{})
	if d, ok := t.Deadline(); ok {
		timer := time.AfterFunc(time.Until(d)*19/20, func() { close(done) })
		t.Cleanup(func() { timer.Stop() })
	}
	return done
}
