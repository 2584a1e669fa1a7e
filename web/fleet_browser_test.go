package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestBrowserDamageOnDiagram: a station user signs in, finds a vehicle by
// the htmx live search, marks a damage by clicking the car diagram, uploads
// a photo and sees its thumbnail.
func TestBrowserDamageOnDiagram(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	w := seedFleet(t, e)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed")
			t.Fatalf("%s: %v", step, err)
		}
	}
	photo := filepath.Join(t.TempDir(), "kratzer.jpg")
	must(t, os.WriteFile(photo, testImage(t, "jpeg", 900, 600), 0o644))

	fail("sign in", chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/admin/vehicles"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), stationEmail),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("vehicle-filter")),
	))
	testenv.Screenshot(t, ctx, "01-vehicles")
	// Live search: typing replaces the results without a page load and
	// keeps the URL bookmarkable.
	fail("search", chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.__samePage = true`),
		chromedp.SendKeys(chromedp.ID("f-q"), "golf"),
		fleetPoll(`location.search.indexOf("q=golf") >= 0 && document.querySelectorAll("tr[data-vehicle]").length === 1`),
	))
	same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__samePage === true`))
	fail("same page", err)
	if !same {
		t.Fatal("the search reloaded the page instead of swapping the results")
	}
	testenv.Screenshot(t, ctx, "02-search")
	// A filter select swaps the results too; back to all statuses.
	fail("filter", chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`(function(){var s=document.getElementById("f-status");s.value="workshop";s.dispatchEvent(new Event("change",{bubbles:true}))})()`),
		fleetPoll(`location.search.indexOf("status=workshop") >= 0 && !!document.getElementById("vehicle-none")`),
		chromedp.Evaluate[chromedp.Void](`(function(){var s=document.getElementById("f-status");s.value="";s.dispatchEvent(new Event("change",{bubbles:true}))})()`),
		fleetPoll(`document.querySelectorAll("tr[data-vehicle]").length === 1`),
	))
	fail("open vehicle", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/vehicles/%d"]`, w.reg.ID))),
		chromedp.WaitVisible(chromedp.ID("diagram")),
	))

	// Click the left view at 25 % / 40 % of its box.
	svg := chromedp.CSS(`#diagram svg[data-view="left"]`)
	fail("scroll", chromedp.Do(ctx, chromedp.ScrollIntoView(svg)))
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(function(){var r=document.querySelector('#diagram svg[data-view="left"]').getBoundingClientRect();return [r.left,r.top,r.width,r.height]})()`))
	fail("diagram box", err)
	fail("click diagram", chromedp.Do(ctx, chromedp.MouseClickXY(box[0]+box[2]*0.25, box[1]+box[3]*0.40)))
	x, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-x")))
	fail("read x", err)
	view, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-view")))
	fail("read view", err)
	if view != "left" || x == "" {
		t.Fatalf("after the click: view %q, x %q", view, x)
	}
	fail("fill damage", chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#diagram svg[data-view="left"] .new-marker`)),
		chromedp.SetValue(chromedp.ID("f-kind"), "dent"),
		chromedp.SetValue(chromedp.ID("f-severity"), "major"),
		chromedp.SendKeys(chromedp.ID("f-description"), "Delle Fahrertür"),
		chromedp.SetUploadFiles(chromedp.ID("f-photos"), []string{photo}),
	))
	testenv.Screenshot(t, ctx, "03-marked")
	fail("save damage", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("damage-save")),
		chromedp.WaitVisible(chromedp.CSS("#damage-list .thumbs img")),
		fleetPoll(`(function(){var i=document.querySelector("#damage-list .thumbs img");return i.complete && i.naturalWidth === 320})()`),
	))
	testenv.Screenshot(t, ctx, "04-thumbnail")
	ds, err := e.store.ListDamages(e.sys(), w.reg.ID, true)
	must(t, err)
	if len(ds) != 1 || ds[0].View != "left" || ds[0].Kind != "dent" || ds[0].Severity != "major" || len(ds[0].Photos) != 1 ||
		ds[0].X < 20 || ds[0].X > 30 || ds[0].Y < 35 || ds[0].Y > 45 {
		t.Fatalf("saved damage %+v", ds)
	}
	// The marker is on the diagram at the clicked place.
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#diagram svg[data-view="left"] .marker.sev-major').length`))
	fail("count markers", err)
	if n != 1 {
		t.Fatalf("%d markers on the left view", n)
	}
}

// TestAccessibility runs axe-core on the main pages in headless Chromium and
// fails on serious or critical violations.
func TestAccessibility(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	w := seedFleet(t, e)
	// A damage with a photo, so the vehicle page shows markers and thumbnails.
	c := e.client(t)
	c.mustLogin(adminEmail)
	p := c.postMultipart(vehiclePath(w.reg)+"/damages", damageFields(c.token(vehiclePath(w.reg))),
		map[string]map[string][]byte{"photos": {"a.png": testImage(t, "png", 200, 100)}})
	wantStatus(t, p, 200)

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	check := func(name, wait string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(wait))); err != nil {
			testenv.Screenshot(t, tab, "failed-"+name)
			t.Fatalf("%s: %v", name, err)
		}
		var serious []string
		for _, v := range testenv.Axe(t, ctx) {
			if v.Serious() {
				serious = append(serious, v.String())
			} else {
				t.Logf("%s: %s", name, v)
			}
		}
		if len(serious) > 0 {
			testenv.Screenshot(t, ctx, "axe-"+name)
			t.Errorf("%s: serious accessibility violations:\n%s", name, strings.Join(serious, "\n"))
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/admin/login")); err != nil {
		t.Fatal(err)
	}
	check("login", "#f-email")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
	); err != nil {
		t.Fatal(err)
	}
	check("dashboard", "#home-today-pickups")
	for _, pg := range []struct{ name, path, wait string }{
		{"stations", "/admin/stations", "table.list"},
		{"vehicles", "/admin/vehicles", "#vehicle-results"},
		{"vehicle", vehiclePath(w.reg), "#diagram"},
		{"vehicle-new", "/admin/vehicles/new", "#vehicle-form"},
		{"tariffs", "/admin/tariffs", "#tariff-list"},
		{"tariff", fmt.Sprintf("/admin/tariffs/%d", w.tariff.ID), "#tariff-form"},
		{"categories", "/admin/categories", "#category-list"},
		{"category", fmt.Sprintf("/admin/categories/%d", w.cat.ID), "#category-form"},
		{"reservations", "/admin/reservations", "main h1"},
		{"planning", "/admin/planning", "main h1"},
		{"customers", "/admin/customers", "main h1"},
		{"contracts", "/admin/contracts", "main h1"},
		{"reports", "/admin/reports", "main h1"},
		{"emails", "/admin/emails", "main h1"},
		{"users", "/admin/users", "main h1"},
		{"api-keys", "/admin/api-keys", "main h1"},
		{"settings", "/admin/settings", "#settings-form"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+pg.path)); err != nil {
			t.Fatal(err)
		}
		check(pg.name, pg.wait)
	}
	testenv.Screenshot(t, ctx, "category")

	// The check can fail: an image without alt text and an unlabelled
	// input are found.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(function(){var m=document.querySelector("main");
		var i=document.createElement("img");i.src="/admin/static/none.png";m.appendChild(i);
		m.appendChild(document.createElement("input"))})()`)); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, v := range testenv.Axe(t, ctx) {
		found[v.ID] = v.Serious()
	}
	if !found["image-alt"] || !found["label"] {
		t.Fatalf("axe-core missed planted violations: %v", found)
	}
}

// fleetPoll waits until the JavaScript expression is truthy.
func fleetPoll(expr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](expr)(ctx, t)
		return chromedp.Void{}, err
	}
}
