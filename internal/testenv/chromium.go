package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is where Debian installs Chromium.
const ChromiumPath = "/usr/bin/chromium"

var (
	chromeOnce    sync.Once
	chromeErr     error
	chromeCtx     context.Context // the browser's first tab; parent of every test tab
	chromeCancel  context.CancelFunc
	chromeAlloc   context.CancelFunc
	chromeDataDir string
)

// chromiumFlags are the flags the shared browser runs with, on top of
// chromedp's defaults: headless, no sandbox (tests may run as root in a
// container), no GPU, and nothing that talks to the network by itself.
var chromiumFlags = []chromedp.ExecAllocatorOption{
	chromedp.ExecPath(ChromiumPath),
	chromedp.Headless,
	chromedp.NoSandbox,
	chromedp.DisableGPU,
	chromedp.NoFirstRun,
	chromedp.Flag("disable-background-networking", true),
	chromedp.Flag("disable-component-update", true),
	chromedp.Flag("disable-sync", true),
	chromedp.Flag("disable-quic", true),
	chromedp.WindowSize(1280, 800), // a 10-inch tablet in landscape
}

// Browser returns a chromedp context for a new tab of the headless Chromium
// shared by the whole test binary (started on first use with a fresh
// user-data directory). The tab closes when the test ends. Without Chromium
// the test is skipped, or fails under CI=true. Call StopChromium from TestMain.
func Browser(t testing.TB) context.Context {
	t.Helper()
	chromeOnce.Do(startChromium)
	if chromeErr != nil {
		unavailable(t, "Chromium: %v", chromeErr)
	}
	ctx, cancel := chromedp.NewContext(chromeCtx)
	t.Cleanup(cancel)
	return ctx
}

func startChromium() {
	if _, err := os.Stat(ChromiumPath); err != nil {
		chromeErr = fmt.Errorf("%s not found (install the Debian package chromium)", ChromiumPath)
		return
	}
	dir, err := os.MkdirTemp("", "mietwerk-chromium-")
	if err != nil {
		chromeErr = err
		return
	}
	chromeDataDir = dir
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]), chromiumFlags...)
	opts = append(opts, chromedp.UserDataDir(dir))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	// Start the browser now, so that every test's context is a tab of it.
	if err := chromedp.Do(bctx); err != nil {
		bcancel()
		acancel()
		chromeErr = fmt.Errorf("start %s: %w", ChromiumPath, err)
		return
	}
	chromeCtx, chromeCancel, chromeAlloc = bctx, bcancel, acancel
}

// StopChromium stops the shared browser, if it was started, and removes its
// user-data directory; call it from TestMain after m.Run.
func StopChromium() {
	if chromeCancel != nil {
		chromeCancel()
		chromeAlloc()
	}
	if chromeDataDir != "" {
		os.RemoveAll(chromeDataDir)
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ArtifactsDir returns the folder for the test's artifacts (screenshots):
// $MIETWERK_TEST_ARTIFACTS/<test name> when that variable is set (kept after
// the run), else a temporary directory removed with the test.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("MIETWERK_TEST_ARTIFACTS")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, unsafeName.ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts dir: %v", err)
	}
	return dir
}

// StepFailer returns the check of a browser test's steps: for a non-nil
// err it saves a screenshot of tab as "failed" and fails the test, naming
// the step.
func StepFailer(t testing.TB, tab context.Context) func(step string, err error) {
	return func(step string, err error) {
		t.Helper()
		if err != nil {
			Screenshot(t, tab, "failed")
			t.Fatalf("%s: %v", step, err)
		}
	}
}

// Screenshot saves a full-page PNG of the tab ctx as name.png in the test's
// artifacts folder and returns its path. A failed screenshot is only logged:
// it must not hide the failure being documented.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	// Bounded: a screenshot of a tab that stopped answering must not hang the test.
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	buf, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p := filepath.Join(ArtifactsDir(t), unsafeName.ReplaceAllString(name, "_")+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	t.Logf("screenshot: %s", p)
	return p
}

// Steps returns the check of a browser journey's steps: a step that
// returned an error fails the test after logging where the tab is and
// what it shows, with a screenshot named prefix-step.
func Steps(t testing.TB, tab context.Context, prefix string) func(step string, err error) {
	return func(step string, err error) {
		t.Helper()
		if err == nil {
			return
		}
		ctx, cancel := context.WithTimeout(tab, 5*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Logf("at %s:\n%.1500s", loc, body)
		Screenshot(t, tab, "failed-"+prefix+"-"+step)
		t.Fatalf("%s: %v", step, err)
	}
}
