package testenv

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (npm axe-core@4, MPL-2.0), vendored in testdata.
//
//go:embed testdata/axe.min.js
var axeSource string

// AxeViolation is one rule axe-core found violated on a page.
type AxeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"` // minor, moderate, serious, critical
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"` // CSS selectors of the offending elements
}

func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
}

// Serious reports whether the violation is serious or critical.
func (v AxeViolation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

// Axe runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page currently
// loaded in the chromedp tab ctx and returns its violations. The script is
// injected through the DevTools protocol, so the page's Content-Security-
// Policy does not block it and the page itself is not changed.
func Axe(t testing.TB, ctx context.Context) []AxeViolation {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource+";void 0")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	const run = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
			nodes: v.nodes.map(n => n.target.join(" "))})))`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]AxeViolation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	return out
}

// AxeClean runs Axe on the page and fails the test, naming the page, on
// any serious or critical violation.
func AxeClean(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	var serious []string
	for _, v := range Axe(t, ctx) {
		if v.Serious() {
			serious = append(serious, v.String())
		}
	}
	if len(serious) > 0 {
		t.Fatalf("%s: serious accessibility violations:\n%s", page, strings.Join(serious, "\n"))
	}
}
