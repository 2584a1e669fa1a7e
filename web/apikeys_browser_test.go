package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestBrowserAPIKeyScopes: an admin goes from the home screen to the API
// keys, makes a staff key for a tablet app (the form explains each kind),
// sees it once with its kind, and the list shows the kind of every key;
// axe finds nothing serious on the page.
func TestBrowserAPIKeyScopes(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		tab := testenv.Browser(t)
		ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
		defer cancel()
		browserSignIn(t, ctx, e, adminEmail)
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.ID("admin-menu-toggle")),
			chromedp.Click(chromedp.CSS(`#admin-menu a[href="/admin/api-keys"]`)),
			chromedp.WaitVisible(chromedp.ID("key-form")),
			chromedp.SendKeys(chromedp.ID("f-name"), "Tablet Werkstatt"),
			chromedp.SetValue(chromedp.ID("f-scope"), "staff"),
			chromedp.Click(chromedp.ID("key-create")),
			chromedp.WaitVisible(chromedp.ID("new-key")),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-apikey-create")
			t.Fatal(err)
		}
		testenv.Screenshot(t, ctx, "apikey-staff-created")
		key, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("new-key")))
		must(t, err)
		c, err := e.id.AuthenticateAPIKey(context.Background(), key)
		if err != nil || c.Scope != identity.ScopeStaff || !strings.HasPrefix(key, "mwk_staff_") {
			t.Fatalf("the key shown %q: %+v %v; want a staff key", key, c, err)
		}
		shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("key-shown")))
		must(t, err)
		row, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-key]`)))
		must(t, err)
		if !strings.Contains(shown, "Tablet Werkstatt – Personal (Tablet-App)") || !strings.Contains(row, "Personal (Tablet-App)") ||
			!strings.Contains(row, c.Prefix+"…") {
			t.Fatalf("key shown %q, list row %q: want the kind in both", shown, row)
		}
		testenv.AxeClean(t, ctx, "API keys")

		// a test key: the box ticked, the key shown and listed as test
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("f-name"), "Website Entwicklung"),
			chromedp.SetValue(chromedp.ID("f-scope"), "public"),
			chromedp.Click(chromedp.ID("f-test")),
			chromedp.Click(chromedp.ID("key-create")),
			chromedp.WaitVisible(chromedp.CSS(`tr[data-key] span.badge[data-test="1"]`)),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-testkey-create")
			t.Fatal(err)
		}
		key, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("new-key")))
		must(t, err)
		if c, err := e.id.AuthenticateAPIKey(context.Background(), key); err != nil || !c.Test || !strings.HasPrefix(key, "mwk_test_public_") {
			t.Fatalf("the test key shown %q: %+v %v", key, c, err)
		}
		shown, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("key-shown")))
		must(t, err)
		if !strings.Contains(shown, "(Test)") {
			t.Errorf("the test key shown as %q", shown)
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("test-data"))); err != nil {
			t.Fatal(err)
		}
		testenv.Screenshot(t, ctx, "apikey-test-created")
		testenv.AxeClean(t, ctx, "API keys with a test key")
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/admin/test-data/wipe"), chromedp.WaitVisible(chromedp.ID("confirm-wipe"))); err != nil {
			t.Fatal(err)
		}
		testenv.AxeClean(t, ctx, "wipe test data")
	})
}
