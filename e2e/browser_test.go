package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// nodeModule returns the path of a file of the pinned npm checkers that
// scripts/test installs in e2e/node_modules.
func nodeModule(t *testing.T, rel string) string {
	t.Helper()
	p, _ := filepath.Abs(filepath.Join("node_modules", rel))
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: scripts/test runs npm ci in e2e/", p)
		}
		t.Skipf("%s is missing: run npm ci --prefix e2e (scripts/test does)", rel)
	}
	return p
}

// chrome is the one Chromium every browser test shares: each test opens
// its own tabs in it. TestMain stops it.
var chrome struct {
	once    sync.Once
	ctx     context.Context // the browser's first tab
	stop    func()
	profile string
	err     error
}

// startChrome starts Debian's Chromium headless, as the workplace allows
// it: no sandbox as root, no background networking (the network is closed).
func startChrome(bin string) {
	chrome.profile, chrome.err = os.MkdirTemp("", "errpages-chromium-")
	if chrome.err != nil {
		return
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Tabs in the background run at full speed.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		// A tab that opens a thousand pages would keep them in memory.
		chromedp.Flag("disable-features", "BackForwardCache"),
		chromedp.UserDataDir(chrome.profile),
	}

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	chrome.ctx = ctx
	chrome.stop = func() { cancel(); cancelAlloc(); os.RemoveAll(chrome.profile) }
	chrome.err = chromedp.Run(ctx)
}

// stopChrome ends the shared browser, if a test started it.
func stopChrome() {
	if chrome.stop != nil {
		chrome.stop()
	}
}

// browser opens a new tab in the shared Chromium, closed at the test's
// end. Its context ends with the test's deadline.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := need(t, "chromium")
	chrome.once.Do(func() { startChrome(bin) })
	if chrome.err != nil {
		t.Fatalf("starting chromium: %v", chrome.err)
	}
	tab, closeTab := chromedp.NewContext(chrome.ctx)
	t.Cleanup(closeTab)
	if err := chromedp.Run(tab); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	ctx := tab
	if d, ok := testContext(t).Deadline(); ok {
		var cancel func()
		ctx, cancel = context.WithDeadline(tab, d)
		t.Cleanup(cancel)
	}
	return ctx
}

// view sets the viewport width and colour scheme, then opens file.
func view(ctx context.Context, file string, width int64, scheme string) error {
	return chromedp.Run(ctx,
		emulation.SetDeviceMetricsOverride(width, 900, 1, width < 600),
		emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}),
		chromedp.Navigate("file://"+file),
		chromedp.WaitReady("body"),
	)
}

type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any  `json:"target"`
		Why    string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeFile opens file at the width and colour scheme and returns axe-core's
// violations.
func axeFile(t *testing.T, ctx context.Context, source []byte, file string, width int64, scheme string) []axeViolation {
	t.Helper()
	if err := view(ctx, file, width, scheme); err != nil {
		t.Fatal(err)
	}
	vs, err := axe(ctx, string(source))
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// axe runs axe-core (WCAG 2 A and AA rules and best practices) on the open
// page and returns its violations.
func axe(ctx context.Context, source string) ([]axeViolation, error) {
	var raw []byte
	err := chromedp.Run(ctx,
		chromedp.Evaluate(source, nil),
		chromedp.Evaluate(`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}, resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`,
			&raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if err != nil {
		return nil, err
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	var v []axeViolation
	return v, json.Unmarshal([]byte(s), &v)
}

func describe(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  %s: %s", v.ID, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    %v: %s", n.Target, strings.ReplaceAll(n.Why, "\n", " "))
		}
	}
	return b.String()
}
