package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"

	"github.com/errpages/errpages"
	"github.com/errpages/errpages/generator"
)

// cspServer serves an output folder with each page's policy from the
// manifest as a real Content-Security-Policy header, the way the generated
// server configuration sends it.
func cspServer(t *testing.T, out string, policy func(path, csp string) string) *httptest.Server {
	data, err := os.ReadFile(filepath.Join(out, generator.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m generator.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	csp := map[string]string{}
	for _, f := range m.Files {
		csp["/"+f.Path] = f.CSP
	}
	files := http.FileServer(http.Dir(out))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", policy(r.URL.Path, csp[r.URL.Path]))
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCSPInChromium opens every page of the default build in Chromium with
// its policy as a header: no CSP violation is reported, and the page is
// styled (the heading has the theme's text colour). A page whose policy has
// the wrong hash is reported and unstyled, so the check can fail.
func TestCSPInChromium(t *testing.T) {
	ctx := browser(t)
	p, err := generator.Load(generator.Options{Builtin: errpages.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tempDir(t), "out")
	if _, err := p.Build(context.Background(), out, generator.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	const broken = "/pages/en/404.html"
	srv := cspServer(t, out, func(path, csp string) string { return csp })
	var mu sync.Mutex
	var violations []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*log.EventEntryAdded); ok && strings.Contains(e.Entry.Text, "Content Security Policy") {
			mu.Lock()
			violations = append(violations, e.Entry.URL+": "+e.Entry.Text)
			mu.Unlock()
		}
	})
	if err := chromedp.Run(ctx, log.Enable()); err != nil {
		t.Fatal(err)
	}
	visit := func(url string) (color string) {
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Run(tctx,
			chromedp.Navigate(url),
			chromedp.WaitReady("h1"),
			chromedp.Evaluate(`getComputedStyle(document.querySelector("h1")).color`, &color),
		); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		return color
	}
	pages, _ := filepath.Glob(filepath.Join(out, "pages", "*", "*.html"))
	if len(pages) < 1000 {
		t.Fatalf("only %d pages", len(pages))
	}
	for _, page := range pages {
		rel, _ := filepath.Rel(out, page)
		url := srv.URL + "/" + filepath.ToSlash(rel)
		// The classic theme's default light text colour, #1f2937.
		if color := visit(url); color != "rgb(31, 41, 55)" {
			t.Errorf("%s: heading colour %s: the page is not styled", rel, color)
		}
	}
	time.Sleep(200 * time.Millisecond) // let the last log entries arrive
	mu.Lock()
	if len(violations) > 0 {
		t.Errorf("%d CSP violations, first: %s", len(violations), violations[0])
	}
	mu.Unlock()
	t.Logf("%d pages checked", len(pages))

	// A policy with another hash blocks the style: the check can fail.
	bad := cspServer(t, out, func(path, csp string) string {
		return strings.Replace(csp, "'sha256-", "'sha256-AAAA", 1)
	})
	if color := visit(bad.URL + broken); color == "rgb(31, 41, 55)" {
		t.Error("a page with a wrong hash is still styled")
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(violations) == 0 {
		t.Error("a wrong hash reported no CSP violation")
	}
}
