package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// signaturePNG is a small drawn line as the signature pad sends it.
func signaturePNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 60, 20))
	for x := 5; x < 55; x++ {
		img.Set(x, 10+x%5, color.Black)
	}
	var b bytes.Buffer
	must(t, png.Encode(&b, img))
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// TestPrintLayouts: the contract prints with the rental terms (AGB) in
// force at its start and the customer's signature; the day list has the
// day's pickups; the reservation prints; none shows the navigation; a
// station user cannot print another station's contract; the AGB form
// refuses a text too long with a field message.
func TestPrintLayouts(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		admin := ce.client(t)
		admin.login(adminEmail, password)
		tok := admin.get("/admin/settings/terms").csrf(t)
		if p := admin.post("/admin/settings/terms", url.Values{"csrf": {tok}, "rental_terms": {"§ 1 Mietzeit\n§ 2 Haftung <b>fett</b>"}}); p.status != http.StatusOK ||
			!strings.Contains(p.body, "Die Mietbedingungen wurden gespeichert") {
			t.Fatalf("save terms: %d", p.status)
		}
		if p := admin.post("/admin/settings/terms", url.Values{"csrf": {tok}, "rental_terms": {strings.Repeat("ä", 60001)}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, `data-field="rental_terms"`) || !strings.Contains(p.body, "Höchstens 60.000 Zeichen (jetzt 60.001)") {
			t.Fatalf("bad terms: %d %s", p.status, ctExcerpt(p.body, "field-error"))
		}

		c := ce.client(t)
		c.login(stationEmail, password)
		reg, muc := ce.res["reg"], ce.res["muc"]
		f := handoverForm(c.get("/admin/contracts").csrf(t), true, "5010")
		f.Del("unsigned_reason")
		f.Set("signature", signaturePNG(t))
		f.Set("signer_name", "Eva Muster")
		if p := c.post(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), f); p.status != http.StatusOK {
			t.Fatalf("handover: %d %s", p.status, ctExcerpt(p.body, "field-error"))
		}
		ct, err := ce.store.ContractByReservation(ce.sys(), reg.ID)
		must(t, err)
		// terms changed after the handover: the contract keeps printing the old ones
		ce.clk.Advance(time.Minute)
		if p := admin.post("/admin/settings/terms", url.Values{"csrf": {tok}, "rental_terms": {"§ 1 Neue Fassung"}}); p.status != http.StatusOK {
			t.Fatalf("change terms: %d", p.status)
		}

		page := c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
		if !strings.Contains(page.body, fmt.Sprintf(`href="/admin/contracts/%d/print"`, ct.ID)) {
			t.Fatalf("no print link on the contract page: %d %s", page.status, ctExcerpt(page.body, "<h1"))
		}
		p := c.get(fmt.Sprintf("/admin/contracts/%d/print", ct.ID))
		for _, want := range []string{"Mietvertrag " + ct.Number, "Autohaus König GmbH", "R-CT 11", "§ 1 Mietzeit", "§ 2 Haftung &lt;b&gt;fett&lt;/b&gt;",
			`id="print-signature"`, `src="data:image/png;base64,`, "Eva Muster", "Unterschrift Mieter", "Vermieter"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("contract print lacks %q", want)
			}
		}
		if p.status != http.StatusOK || strings.Contains(p.body, "Neue Fassung") || strings.Contains(p.body, `class="mainnav"`) {
			t.Errorf("contract print: %d, new terms or navigation shown", p.status)
		}
		if p := c.get(fmt.Sprintf("/admin/contracts/%d/print", ct.ID+100)); p.status != http.StatusNotFound {
			t.Errorf("unknown contract print: %d", p.status)
		}
		// Munich's booking: neither its print nor Munich's day list for the Regensburg user
		if p := c.get(fmt.Sprintf("/admin/reservations/%d/print", muc.ID)); p.status != http.StatusNotFound {
			t.Errorf("other station's reservation print: %d", p.status)
		}
		if p := c.get(fmt.Sprintf("/admin/reservations/day-list?day=2026-11-27&station=%d", ce.muc.ID)); p.status != http.StatusNotFound {
			t.Errorf("other station's day list: %d", p.status)
		}

		p = c.get(fmt.Sprintf("/admin/reservations/%d/print", reg.ID))
		if p.status != http.StatusOK || !strings.Contains(p.body, "Reservierung "+reg.Number) || !strings.Contains(p.body, "Regensburg") {
			t.Errorf("reservation print: %d", p.status)
		}
		day := reg.Pickup.In(time.FixedZone("CET", 3600)).Format("2006-01-02")
		list := c.get("/admin/reservations?day=" + day)
		if !strings.Contains(list.body, `id="daylist-link"`) {
			t.Fatal("no day list link on the reservations of a day")
		}
		p = c.get("/admin/reservations/day-list?day=" + day)
		if p.status != http.StatusOK || !strings.Contains(p.body, "1 Abholung") || !strings.Contains(p.body, reg.Number) ||
			strings.Contains(p.body, muc.Number) || !strings.Contains(p.body, "Rückgaben: keine") {
			t.Errorf("day list: %d %s", p.status, ctExcerpt(p.body, "daylist-"))
		}
	})
}

// TestBrowserPrintMedia looks at the pages as printed: the contract print
// without its screen bar, a reservation page without navigation, search
// and buttons.
func TestBrowserPrintMedia(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	c := ce.client(t)
	c.login(stationEmail, password)
	reg := ce.res["reg"]
	if p := c.post(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), handoverForm(c.get("/admin/contracts").csrf(t), true, "5010")); p.status != http.StatusOK {
		t.Fatalf("handover: %d", p.status)
	}
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	step := testenv.StepFailer(t, ctx)
	browserSignIn(t, ctx, ce.env, stationEmail)
	shown := func(sel string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){var e=document.querySelector(`+"`"+sel+"`"+`);return !!e && e.checkVisibility()})()`))
		step("style of "+sel, err)
		return v
	}
	// from the reservations list to the booking, printed as it is
	step("open the booking", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/admin/reservations"]`)),
		chromedp.WaitVisible(chromedp.ID("res-filter")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/reservations/%d"]`, reg.ID))),
		chromedp.WaitVisible(chromedp.ID("print-link"))))
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
	step("print media", err)
	testenv.Screenshot(t, ctx, "reservation-printed")
	for _, sel := range []string{"header.topbar", "#global-search", "#print-link"} {
		if shown(sel) {
			t.Errorf("%s shows in print", sel)
		}
	}
	if !shown("h1") || !shown("#res-status") {
		t.Error("the booking does not print")
	}
	_, err = chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
	step("screen media", err)
	step("to the contract print", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href^="/admin/contracts/"]`)),
		chromedp.WaitVisible(chromedp.ID("print-link")),
		chromedp.Click(chromedp.ID("print-link")),
		chromedp.WaitVisible(chromedp.CSS(".signatures"))))
	if !shown(".printbar") {
		t.Error("the print bar is missing on the screen")
	}
	_, err = chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
	step("print media", err)
	testenv.Screenshot(t, ctx, "contract-printed")
	if shown(".printbar") {
		t.Error("the print bar prints")
	}
}
