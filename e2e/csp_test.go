package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
)

// cspServer serves an output folder with each page's policy from the
// manifest as a real Content-Security-Policy header, the way the generated
// server configuration sends it.
func cspServer(t *testing.T, out string, policy func(path, csp string) string) *httptest.Server {
	m := readManifest(t, out)
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
	t.Parallel()
	out := defaultBuild(t)
	const broken = "/pages/en/404.html"
	srv := cspServer(t, out, func(path, csp string) string { return csp })
	bad := cspServer(t, out, func(path, csp string) string {
		return strings.Replace(csp, "'sha256-", "'sha256-AAAA", 1)
	})
	var mu sync.Mutex
	var violations []string
	// tab opens a browser tab that records the CSP violations it logs.
	tab := func() context.Context {
		ctx := browser(t)
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
		return ctx
	}
	// visit opens url and returns the heading's colour. The load event
	// comes after the style is applied or refused.
	visit := func(ctx context.Context, url string) (color string, err error) {
		err = chromedp.Run(ctx,
			chromedp.Navigate(url),
			chromedp.Evaluate(`getComputedStyle(document.querySelector("h1")).color`, &color),
		)
		return color, err
	}
	pages, _ := filepath.Glob(filepath.Join(out, "pages", "*", "*.html"))
	if len(pages) < 1000 {
		t.Fatalf("only %d pages", len(pages))
	}
	// Three tabs at once: a page load waits as much as it computes.
	next := make(chan string)
	var wg sync.WaitGroup
	for range 3 {
		ctx := tab()
		wg.Go(func() {
			for page := range next {
				rel, _ := filepath.Rel(out, page)
				// The classic theme's default light text colour, #1f2937.
				if color, err := visit(ctx, srv.URL+"/"+filepath.ToSlash(rel)); err != nil || color != "rgb(31, 41, 55)" {
					t.Errorf("%s: heading colour %q (%v): the page is not styled", rel, color, err)
				}
			}
		})
	}
	for _, page := range pages {
		next <- page
	}
	close(next)
	wg.Wait()
	t.Logf("%d pages checked", len(pages))

	// A policy with another hash blocks the style: the check can fail. Its
	// violation is logged after any of the pages above, so once it has
	// arrived, every earlier violation has too.
	ctx := tab()
	if color, err := visit(ctx, bad.URL+broken); err != nil || color == "rgb(31, 41, 55)" {
		t.Errorf("a page with a wrong hash is still styled (%v)", err)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		mu.Lock()
		got := slices.Clone(violations)
		mu.Unlock()
		if len(got) > 0 {
			for _, v := range got {
				if !strings.HasPrefix(v, bad.URL) {
					t.Errorf("CSP violation on a page with its own policy: %s", v)
				}
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("a wrong hash reported no CSP violation")
		case <-tick.C:
		}
	}
}
