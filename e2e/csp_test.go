package e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"
)

// cspServer serves an output folder with each page's policy from the
// manifest as a real Content-Security-Policy header, the way the generated
// server configuration sends it.
func cspServer(t *testing.T, out string, policy func(csp string) string) *httptest.Server {
	m := readManifest(t, out)
	csp := map[string]string{}
	for _, f := range m.Files {
		csp["/"+f.Path] = f.CSP
	}
	files := http.FileServer(http.Dir(out))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := policy(csp[r.URL.Path]); p != "" {
			w.Header().Set("Content-Security-Policy", p)
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// cspKey is what Chromium's verdict on a page's policy depends on: the
// policy, the page's language (its fonts and direction), and the text of
// every inline style and script element and of every style and event
// handler attribute, as an HTML parser reads them.
func cspKey(page []byte, policy string) string {
	key := []string{policy}
	z := html.NewTokenizer(bytes.NewReader(page))
	inline := ""
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(key, "\x00")
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.Data == "style" || tok.Data == "script" {
				inline = tok.Data
			}
			for _, a := range tok.Attr {
				if a.Key == "style" || a.Key == "lang" && tok.Data == "html" || strings.HasPrefix(a.Key, "on") {
					key = append(key, tok.Data+" "+a.Key+"="+a.Val)
				}
			}
		case html.TextToken:
			if inline != "" {
				key = append(key, inline+":"+string(z.Text()))
			}
		case html.EndTagToken:
			inline = ""
		}
	}
}

// TestCSPInChromium checks every page of the default build and of a brand
// per built-in theme against its own policy in Chromium. Pages with the
// same policy, language and inline content get the same verdict, so one
// page of each such group is opened, with its policy as a header: no CSP
// violation is reported, and the heading has the colour it has without
// any policy (the style was applied). A page whose policy has the wrong
// hash is reported and unstyled, so the check can fail.
func TestCSPInChromium(t *testing.T) {
	t.Parallel()
	outs := append([]string{defaultBuild(t)}, brandDirs(t, buildThemes(t))...)
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
	// heading opens url and returns the heading's colour. The load event
	// comes after the style is applied or refused.
	heading := func(ctx context.Context, url string) (color string, err error) {
		err = chromedp.Run(ctx,
			chromedp.Navigate(url),
			chromedp.Evaluate(`getComputedStyle(document.querySelector("h1")).color`, &color),
		)
		return color, err
	}
	ctx := tab()
	pages, groups := 0, 0
	var bad, plain *httptest.Server
	var broken string
	for _, out := range outs {
		srv := cspServer(t, out, func(csp string) string { return csp })
		plain = cspServer(t, out, func(string) string { return "" })
		bad = cspServer(t, out, func(csp string) string { return strings.Replace(csp, "'sha256-", "'sha256-AAAA", 1) })
		seen := map[string]bool{}
		for _, f := range readManifest(t, out).Files {
			if !strings.HasSuffix(f.Path, ".html") || f.CSP == "" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(f.Path)))
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if key := cspKey(data, f.CSP); !seen[key] {
				seen[key] = true
				groups++
				broken = "/" + f.Path
				want, err := heading(ctx, plain.URL+broken)
				if err != nil || want == "rgb(0, 0, 0)" {
					t.Fatalf("%s without a policy: heading colour %q (%v): the theme sets none", f.Path, want, err)
				}
				if got, err := heading(ctx, srv.URL+broken); err != nil || got != want {
					t.Errorf("%s: heading colour %q, %q without a policy (%v): the style was blocked", f.Path, got, want, err)
				}
			}
		}
	}
	if pages < 1000 {
		t.Fatalf("only %d pages", pages)
	}
	t.Logf("%d pages in %d groups of the same policy, language and inline content", pages, groups)

	// A policy with another hash blocks the style: the check can fail. Its
	// violation is logged after any of the pages above, so once it has
	// arrived, every earlier violation has too.
	want, err := heading(ctx, plain.URL+broken)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := heading(ctx, bad.URL+broken); err != nil || got == want {
		t.Errorf("%s with a wrong hash: heading colour %q, as without a policy (%v): the style was not blocked", broken, got, err)
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
