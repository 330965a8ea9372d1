package web_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kizuna-dev/kizuna/node"
	"github.com/kizuna-dev/kizuna/node/nodetest"
	"github.com/kizuna-dev/kizuna/web"
)

// chromiumPath is Debian's chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// requireBrowserEnv makes the browser tests fail, not skip, without
// chromium.
const requireBrowserEnv = "KIZUNA_REQUIRE_BROWSER"

var screenshots = flag.String("ui.screenshots", "", "directory TestScreenshots writes the workspace's screenshots to (docs/ui); without it the test is skipped")

// The one browser of the test binary, started by the first test that
// needs it and stopped by TestMain.
var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	stopBrowser = func() {}
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// newTab returns a tab of the shared headless chromium in a browser
// context of its own (its own cookies), closed when the test ends. The
// test is skipped when chromium is not installed, unless
// KIZUNA_REQUIRE_BROWSER=1.
func newTab(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv(requireBrowserEnv) == "1" {
			t.Fatalf("%s is required (%s=1) but missing: %v", chromiumPath, requireBrowserEnv, err)
		}
		t.Skipf("%s is not installed (apt-get install chromium)", chromiumPath)
	}
	browserOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kizuna-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(chromiumPath),
			chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.UserDataDir(dir),
		)
		ctx, cancel := chromedp.NewContext(alloc)
		stopBrowser = func() {
			cancel()
			cancelAlloc()
			os.RemoveAll(dir)
		}
		browserCtx, browserErr = ctx, chromedp.Do(ctx) // starts the browser
	})
	if browserErr != nil {
		t.Fatalf("starting %s: %v", chromiumPath, browserErr)
	}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The tab lives as long as the context of its first action: this one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// stepTimeout bounds one step of a browser test: a page that never shows
// what the test waits for fails the test instead of hanging it.
const stepTimeout = 20 * time.Second

// tab drives one tab for a test.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (w *workspace) tab(t *testing.T) *tab {
	return &tab{t: t, ctx: newTab(t), base: w.Base}
}

func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%v (%s)", err, b.where())
	}
}

// where describes the tab's page, for failure messages.
func (b *tab) where() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 400) : ""`))
	return "at " + loc + ": " + body
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v (%s)", sel, err, b.where())
	}
	return strings.TrimSpace(s)
}

func eval[T any](b *tab, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// open navigates to a path of the workspace and waits for its page.
func (b *tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.ID("banner-bottom")))
}

// login signs in through the form.
func (b *tab) login(token string) {
	b.t.Helper()
	b.open("/")
	b.do(chromedp.WaitVisible(chromedp.ID("token")), chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("who")))
}

// rows returns the object ids of the page's result rows.
func (b *tab) rows() []string {
	return eval[[]string](b, `Array.from(document.querySelectorAll("tr[data-id]")).map(e => e.dataset.id)`)
}

// banner returns the top banner's text and background colour, and
// checks that the bottom one is the same.
func (b *tab) banner() (text, colour string) {
	b.t.Helper()
	text, bottom := b.text("#banner-top"), b.text("#banner-bottom")
	if text != bottom {
		b.t.Errorf("top banner %q, bottom %q", text, bottom)
	}
	return text, eval[string](b, `getComputedStyle(document.getElementById("banner-top")).backgroundColor`)
}

// Banner colours of the stylesheet.
const (
	red   = "rgb(200, 16, 46)"
	green = "rgb(0, 122, 51)"
	black = "rgb(0, 0, 0)"
)

// TestScreenshots writes screenshots of the main pages to the directory
// of -ui.screenshots (docs/ui):
//
//	go test ./web -run TestScreenshots -ui.screenshots ../docs/ui
func TestScreenshots(t *testing.T) {
	if *screenshots == "" {
		t.Skip("-ui.screenshots DIR not given")
	}
	w := startWorkspace(t, nodetest.Options{}, node.ServeConfig{}, web.Options{})
	shoot := func(b *tab, name string) {
		t.Helper()
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*screenshots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := w.tab(t)
	b.do(chromedp.EmulateViewport(1280, 1000))
	b.open("/login")
	shoot(b, "login.png")
	b.login(w.tokens["tanaka"])
	b.open("/?collection=sample&type=indicator")
	shoot(b, "search.png")
	b.open("/objects/" + secondStage)
	shoot(b, "object.png")
	b.open("/objects/" + senderAddress)
	b.do(chromedp.Click(chromedp.CSS(`a[hreflang="ja"]`)), chromedp.WaitVisible(chromedp.ID("who")))
	shoot(b, "object-ja.png")

	m := w.tab(t)
	m.do(chromedp.EmulateViewport(1280, 1000))
	m.login(w.tokens["mitchell"])
	m.open("/objects/" + senderAddress)
	shoot(m, "object-withheld.png")

	j := w.tab(t)
	j.do(chromedp.EmulateViewport(1280, 1000))
	j.login(w.tokens["jones"])
	j.open("/publish")
	j.do(chromedp.SetValue(chromedp.ID("json"), publishBundle(t, "Published through the workspace", true)), chromedp.Submit(chromedp.ID("publish")),
		chromedp.WaitVisible(chromedp.ID("results")))
	shoot(j, "publish.png")
}
