package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/payer"
)

func payerForm(tok string, catID int64) url.Values {
	return url.Values{"csrf": {tok}, "kind": {"insurer"}, "name": {"HUK-COBURG Haftpflicht"}, "street": {"Bahnhofsplatz 1"},
		"postal_code": {"96444"}, "city": {"Coburg"}, "country": {"de"}, "vat_id": {"DE 131 862 950"},
		"buyer_reference": {"04011000-1234512345-06"}, "payment_days": {"30"}, "cap_days": {"14"}, "cap": {"1.500,00"},
		"covers": {"rent", "damages"}, fmt.Sprintf("rate_%d", catID): {"65,00"}, "active": {"1"}}
}

// TestPayerPages: an admin creates and edits a payer; a bad form names every
// problem in the reader's language and saves nothing; station users may not
// open the pages.
func TestPayerPages(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedFleet(t, e)
		c := e.client(t)
		c.mustLogin(adminEmail)
		p := c.get("/admin/payers")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Noch keine Kostenträger.")
		tok := c.token("/admin/payers/new")

		bad := payerForm(tok, w.cat.ID)
		bad.Set("kind", "bank")
		bad.Set("name", "")
		bad.Set("street", "")
		bad.Set("vat_id", "123")
		bad.Set("buyer_reference", "04011000-1234512345-07")
		bad.Set("payment_days", "viele")
		bad.Set("cap", "-3")
		bad.Del("covers")
		bad.Set(fmt.Sprintf("rate_%d", w.cat.ID), "0")
		p = c.post("/admin/payers", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		fe := p.fieldErrors()
		for _, f := range []string{"kind", "name", "street", "vat_id", "buyer_reference", "payment_days", "cap", "covers",
			fmt.Sprintf("rate_%d", w.cat.ID)} {
			if fe[f] == "" {
				t.Errorf("no message for %s: %v", f, fe)
			}
		}
		if !strings.Contains(fe["buyer_reference"], "Prüfziffer") {
			t.Errorf("buyer reference message %q", fe["buyer_reference"])
		}
		if list, _ := e.store.ListPayers(e.sys()); len(list) != 0 {
			t.Fatalf("%d payers after a refused form", len(list))
		}

		p = c.post("/admin/payers", payerForm(tok, w.cat.ID))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Kostenträger wurde angelegt.", "HUK-COBURG Haftpflicht", "Versicherung", "14 Tage", "1.500,00 €",
			"Miete", "Schäden")
		list, err := e.store.ListPayers(e.sys())
		must(t, err)
		if len(list) != 1 {
			t.Fatalf("payers: %+v", list)
		}
		got := list[0]
		if rate, _ := got.RateFor(w.cat.ID); got.VATID != "DE131862950" || got.Country != "DE" || got.CapDays != 14 ||
			got.CapCents != 150000 || got.PaymentDays != 30 || rate != 6500 || !got.Covered(payer.PartDamages) || got.Covered(payer.PartFuel) {
			t.Fatalf("saved payer %+v", got)
		}
		// A rate for another tenant's category is never offered nor taken.
		foreign := payerForm(tok, w.foreignCat.ID)
		foreign.Set("name", "Fremd")
		p = c.post("/admin/payers", foreign)
		wantStatus(t, p, http.StatusOK)
		if fp := findPayer(t, e, "Fremd"); len(fp.Rates) != 0 {
			t.Fatalf("a rate for another tenant's category was stored: %+v", fp.Rates)
		}

		// Edit in English: the same name as another payer is refused.
		path := fmt.Sprintf("/admin/payers/%d", got.ID)
		p = c.get(path)
		wantContains(t, p, `value="65,00"`, `value="1500,00"`, `value="DE131862950"`)
		f := payerForm(tok, w.cat.ID)
		f.Set("name", "Fremd")
		p = c.post(path, f)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !strings.Contains(p.fieldErrors()["name"], "gibt es schon") {
			t.Fatalf("taken name: %v", p.fieldErrors())
		}
		f = payerForm(tok, w.cat.ID)
		f.Set("kind", "cost_centre")
		f.Set("name", "Werkstatt Kulanz")
		f.Set("street", "")
		f.Set("postal_code", "")
		f.Set("city", "")
		f.Set("cap", "")
		f.Set(fmt.Sprintf("rate_%d", w.cat.ID), "")
		f["covers"] = []string{"rent", "km", "fuel", "cleaning"}
		p = c.post(path, f)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Kostenstelle (intern)", "Werkstatt Kulanz")
		got = findPayer(t, e, "Werkstatt Kulanz")
		if got.Kind != payer.KindCostCentre || got.CapCents != 0 || len(got.Rates) != 0 || !got.Covered(payer.PartFuel) {
			t.Fatalf("edited payer %+v", got)
		}

		st := e.client(t)
		st.mustLogin(stationEmail)
		wantStatus(t, st.get("/admin/payers"), http.StatusForbidden)
		wantStatus(t, st.get(path), http.StatusForbidden)
	})
}

func findPayer(t *testing.T, e *env, name string) payer.Payer {
	t.Helper()
	list, err := e.store.ListPayers(e.sys())
	must(t, err)
	for _, p := range list {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no payer %q in %+v", name, list)
	return payer.Payer{}
}

// TestBrowserPayers: an admin goes from the home screen through the
// administration menu to the payers, creates an insurer with its buyer reference and an agreed
// rate, and finds it in the list; axe finds nothing serious.
func TestBrowserPayers(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedFleet(t, e)
		tab := testenv.Browser(t)
		ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
		defer cancel()
		browserSignIn(t, ctx, e, adminEmail)
		rate := fmt.Sprintf("f-rate_%d", w.cat.ID)
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.ID("admin-menu-toggle")),
			chromedp.Click(chromedp.CSS(`#admin-menu a[href="/admin/payers"]`)),
			chromedp.WaitVisible(chromedp.ID("payer-new")),
			chromedp.Click(chromedp.ID("payer-new")),
			chromedp.WaitVisible(chromedp.ID("payer-form")),
			chromedp.SetValue(chromedp.ID("f-kind"), "insurer"),
			chromedp.SendKeys(chromedp.ID("f-name"), "Allianz Versicherungs-AG"),
			chromedp.SendKeys(chromedp.ID("f-street"), "Königinstr. 28"),
			chromedp.SendKeys(chromedp.ID("f-postal_code"), "80802"),
			chromedp.SendKeys(chromedp.ID("f-city"), "München"),
			chromedp.SendKeys(chromedp.ID("f-buyer_reference"), "SCHADEN-2026-4711"),
			chromedp.SendKeys(chromedp.ID(rate), "59,00"),
			chromedp.Click(chromedp.CSS(`input[name="covers"][value="damages"]`)),
			chromedp.Click(chromedp.ID("payer-save")),
			chromedp.WaitVisible(chromedp.ID("payer-list")),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-payer-create")
			t.Fatal(err)
		}
		testenv.Screenshot(t, ctx, "payer-created")
		row, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-payer]`)))
		must(t, err)
		if !strings.Contains(row, "Allianz Versicherungs-AG") || !strings.Contains(row, "SCHADEN-2026-4711") || !strings.Contains(row, "Schäden") {
			t.Fatalf("list row %q", row)
		}
		testenv.AxeClean(t, ctx, "payers")
		if p := findPayer(t, e, "Allianz Versicherungs-AG"); p.Kind != payer.KindInsurer || len(p.Rates) != 1 || p.Rates[0].PricePerDayCents != 5900 {
			t.Fatalf("saved %+v", p)
		}
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`tr[data-payer] a`)),
			chromedp.WaitVisible(chromedp.ID("payer-form")),
		); err != nil {
			t.Fatal(err)
		}
		testenv.AxeClean(t, ctx, "payer form")
	})
}
