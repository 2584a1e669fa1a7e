package testenv

import (
	"context"

	"github.com/chromedp/chromedp"
)

// DrawSignature draws a stroke on the page's signature pad (#sigpad) with
// mouse events, as a finger on the tablet would.
func DrawSignature(ctx context.Context) error {
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.ID("sigpad"))); err != nil {
		return err
	}
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById("sigpad").getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	if err != nil {
		return err
	}
	x, y := box[0]+20, box[1]+box[3]/2
	acts := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 12; i++ {
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, x+float64(i)*15, y+float64((i%3)-1)*12, chromedp.ButtonLeft))
	}
	acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, x+180, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	return chromedp.Do(ctx, acts...)
}
