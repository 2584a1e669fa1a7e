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

// coverPayers creates an insurer, a manufacturer programme capped at one
// day and a cost centre for e's tenant.
func coverPayers(t *testing.T, e *env) (ins, man, cc payer.Payer) {
	t.Helper()
	addr := func(p payer.Payer) payer.Payer {
		p.Street, p.PostalCode, p.City, p.Country, p.Active = "Bahnhofsplatz 1", "96444", "Coburg", "DE", true
		return p
	}
	ins = addr(payer.Payer{Kind: payer.KindInsurer, Name: "HUK-COBURG", BuyerReference: "KS-Abteilung 7",
		Covers: map[string]bool{payer.PartRent: true, payer.PartDamages: true}})
	man = addr(payer.Payer{Kind: payer.KindManufacturer, Name: "VW Mobilitätsgarantie", CapDays: 1,
		Covers: map[string]bool{payer.PartRent: true}})
	cc = payer.Payer{Kind: payer.KindCostCentre, Name: "Kulanz Werkstatt", Country: "DE", Active: true,
		Covers: map[string]bool{payer.PartRent: true, payer.PartKM: true, payer.PartFuel: true}}
	for _, p := range []*payer.Payer{&ins, &man, &cc} {
		must(t, e.store.CreatePayer(e.sys(), p))
	}
	return ins, man, cc
}

// TestCoverPages: staff of the reservation's station choose an insurer
// with the claim, then a capped manufacturer programme (the page counts
// the days against the cap), then internal use; a wrong choice names the
// field and changes nothing; another station's user cannot open it.
func TestCoverPages(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		ins, man, cc := coverPayers(t, e)
		c := e.client(t)
		c.mustLogin(stationEmail)
		path := fmt.Sprintf("/admin/reservations/%d", w.resReg.ID)
		p := c.get(path)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Der Fahrer zahlt alles.", `id="cover-change"`)
		tok := c.token(path + "/cover")

		form := func(mode string, payerID, ccID int64, claim, date string) url.Values {
			return url.Values{"csrf": {tok}, "mode": {mode}, "payer_id": {fmt.Sprint(payerID)}, "cost_centre_id": {fmt.Sprint(ccID)},
				"claim_number": {claim}, "policy_number": {"KH 4711"}, "damage_date": {date}, "at_fault_party": {"Max Muster, R-XY 1"}}
		}
		p = c.post(path+"/cover", form("internal", ins.ID, 0, "", ""))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["cost_centre_id"] != "Bitte die Kostenstelle wählen." {
			t.Fatalf("internal use without a cost centre: %v", p.fieldErrors())
		}
		p = c.post(path+"/cover", form("payer", ins.ID, 0, "KS-1", "2026-12-31"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["damage_date"] == "" {
			t.Fatalf("date of damage in the future: %v", p.fieldErrors())
		}
		if cv, _ := e.store.Cover(e.sys(), w.resReg.ID); cv.Mode != payer.ModeDriver {
			t.Fatalf("a refused cover was stored: %+v", cv)
		}

		p = c.post(path+"/cover", form("payer", ins.ID, cc.ID, "KS-2026-4711", "2026-11-20"))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Kostenübernahme wurde gespeichert.", "HUK-COBURG (Versicherung) übernimmt die vereinbarten Kosten",
			"KS-2026-4711", "20.11.2026", "Kostenübernahme: HUK-COBURG, Rest zahlt der Fahrer")
		if cv, _ := e.store.Cover(e.sys(), w.resReg.ID); cv.Mode != payer.ModePayer || cv.PayerID != ins.ID || cv.ClaimNumber != "KS-2026-4711" {
			t.Fatalf("stored cover %+v", cv)
		}
		p = c.post(path+"/cover", form("payer", man.ID, 0, "", ""))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "VW Mobilitätsgarantie (Herstellerprogramm)", "1 von 2 (Obergrenze 1 Tage)")
		p = c.post(path+"/cover", form("internal", ins.ID, cc.ID, "", ""))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Interne Nutzung auf Kostenstelle Kulanz Werkstatt: keine Rechnung an den Fahrer.")

		// English
		en := e.client(t)
		en.mustLogin(adminEmail)
		en.post("/admin/lang?l=en", url.Values{"csrf": {en.token("/admin/")}, "next": {"/admin/"}})
		p = en.post(path+"/cover", url.Values{"csrf": {en.token(path + "/cover")}, "mode": {"payer"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["payer_id"] != "Choose the payer." {
			t.Fatalf("English: %v", p.fieldErrors())
		}

		// another station's reservation
		wantStatus(t, c.get(fmt.Sprintf("/admin/reservations/%d/cover", w.resMuc.ID)), http.StatusNotFound)
		p = c.post(fmt.Sprintf("/admin/reservations/%d/cover", w.resMuc.ID), form("payer", ins.ID, 0, "", ""))
		wantStatus(t, p, http.StatusNotFound)
		if cv, _ := e.store.Cover(e.sys(), w.resMuc.ID); cv.Mode != payer.ModeDriver {
			t.Fatalf("another station's cover changed: %+v", cv)
		}
	})
}

// TestBrowserCover: from the home screen, staff open a reservation and
// record that an insurer pays the accident replacement car, with the claim.
func TestBrowserCover(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		ins, _, _ := coverPayers(t, e)
		tab := testenv.Browser(t)
		ctx, cancel := context.WithTimeout(tab, 40*time.Second)
		defer cancel()
		browserSignIn(t, ctx, e, adminEmail)
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`nav a[href="/admin/reservations"]`)),
			chromedp.Click(chromedp.CSS(`a[href^="/admin/reservations?day=all"]`)),
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/reservations/%d"]`, w.resReg.ID))),
			chromedp.WaitVisible(chromedp.ID("cover-summary")),
			chromedp.Click(chromedp.ID("cover-change")),
			chromedp.WaitVisible(chromedp.ID("cover-form")),
			chromedp.Click(chromedp.ID("mode-payer")),
			chromedp.SetValue(chromedp.ID("f-payer_id"), fmt.Sprint(ins.ID)),
			chromedp.SendKeys(chromedp.ID("f-claim_number"), "KS-2026-4711"),
			chromedp.SendKeys(chromedp.ID("f-at_fault_party"), "Max Muster, R-XY 1"),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-cover-open")
			t.Fatal(err)
		}
		testenv.AxeClean(t, ctx, "cover form")
		testenv.Screenshot(t, ctx, "cover-form")
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.ID("cover-save")),
			chromedp.WaitVisible(chromedp.ID("cover-claim")),
		); err != nil {
			testenv.Screenshot(t, ctx, "failed-cover-save")
			t.Fatal(err)
		}
		testenv.Screenshot(t, ctx, "cover-saved")
		summary, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("cover")))
		must(t, err)
		if !strings.Contains(summary, "HUK-COBURG (Versicherung) übernimmt") || !strings.Contains(summary, "KS-2026-4711") {
			t.Fatalf("cover card %q", summary)
		}
	})
}
