package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// fleetReturned hands over the Regensburg booking (49,00 € a day) with a
// leasing customer billed by collective invoice as its payer (rent and km)
// and returns it after 30 hours (two days); the station user did it.
func fleetReturned(t *testing.T, d store.Dialect) (*ctEnv, contract.Contract, payer.Payer) {
	t.Helper()
	ce, c, ct, _ := handedOver(t, d)
	supplierReady(t, ce)
	fleet := payer.Payer{Kind: payer.KindFleet, Name: "Ostbayern Leasing GmbH", Street: "Donaustaufer Str. 200", PostalCode: "93059",
		City: "Regensburg", Country: "DE", BuyerReference: "LEAS-KOENIG", PaymentDays: 14, Active: true, Collective: true,
		Covers: map[string]bool{payer.PartRent: true, payer.PartKM: true}}
	must(t, ce.store.CreatePayer(ce.sys(), &fleet))
	must(t, ce.store.SetCover(ce.sys(), &payer.Cover{ReservationID: ct.ReservationID, Mode: payer.ModePayer, PayerID: fleet.ID}))
	ce.clk.Advance(30 * time.Hour)
	c.mustLogin(stationEmail)
	path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
	form := handoverForm(c.token(path), false, "5100")
	p := c.post(path, form)
	token := confirmRE.FindStringSubmatch(p.body)
	if token == nil {
		t.Fatalf("preview: %d %s %v", p.status, p.alert(), p.fieldErrors())
	}
	wantContains(t, p, "Mit der monatlichen Sammelrechnung an Ostbayern Leasing GmbH")
	form.Set("confirm", token[1])
	if p = c.post(path, form); p.status != http.StatusOK {
		t.Fatalf("return: %d %s", p.status, p.alert())
	}
	wantContains(t, p, `id="collective-state"`, "wird mit der monatlichen Sammelrechnung abgerechnet")
	return ce, ct, fleet
}

var expectRE = regexp.MustCompile(`name="expect" value="(\d+)"`)

// TestCollectivePages: the admin finds the leasing customer's collective
// invoice from the payers list, sees the month's rental with the share
// billing computed (98,00 €: two days), a stale total is refused and
// changes nothing, issuing shows the invoice and the contract page then
// names it; only fleet payers can be billed collectively; station users
// cannot run it. Both databases.
func TestCollectivePages(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, ct, fleet := fleetReturned(t, d)
		a := ce.client(t)
		a.mustLogin(adminEmail)
		p := a.get("/admin/payers")
		link := fmt.Sprintf(`/admin/payers/%d/collective`, fleet.ID)
		wantContains(t, p, `href="`+link+`"`)
		p = a.get(link) // the month of the oldest rental not yet billed
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, ct.Number, `id="ci-total"`, `data-gross>98,00 €</td>`, "Sammelrechnung über 98,00 € ausstellen")
		m := expectRE.FindStringSubmatch(p.body)
		if m == nil || m[1] != "9800" {
			t.Fatalf("expected total %v", m)
		}
		berlin, _ := time.LoadLocation("Europe/Berlin")
		month := ce.clk.Now().In(berlin).Format("2006-01")
		// stale: refused, nothing issued
		q := a.post(link, url.Values{"csrf": {a.token(link)}, "month": {month}, "expect": {"9700"}})
		wantStatus(t, q, http.StatusConflict)
		wantContains(t, q, "Seit der Vorschau hat sich die Sammelrechnung geändert")
		if on, _, ok, _ := ce.store.CollectiveInvoiceOf(ce.sys(), ct.ID); ok {
			t.Fatalf("a stale run issued %s", on.Number)
		}
		q = a.post(link, url.Values{"csrf": {a.token(link)}, "month": {month}, "expect": {m[1]}})
		wantStatus(t, q, http.StatusOK)
		on, gross, ok, err := ce.store.CollectiveInvoiceOf(ce.sys(), ct.ID)
		must(t, err)
		if !ok || gross != 9800 {
			t.Fatalf("collective invoice of the contract %+v %d %v", on, gross, ok)
		}
		wantContains(t, q, fmt.Sprintf("Sammelrechnung %s über 98,00 € ausgestellt.", on.Number), `id="ci-none"`,
			fmt.Sprintf(`href="/admin/invoices/%d/pdf"`, on.ID))
		p = a.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
		wantContains(t, p, fmt.Sprintf("Mit Sammelrechnung %s an Ostbayern Leasing GmbH abgerechnet (%s).", on.Number, locale.Lang("de").Money(9800)))

		// station users do not run it
		s := ce.client(t)
		s.mustLogin(stationEmail)
		if p := s.get(link); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
			t.Errorf("station user: %d", p.status)
		}
		// an insurer is billed per rental
		edit := fmt.Sprintf("/admin/payers/%d", fleet.ID)
		form := url.Values{"csrf": {a.token(edit)}, "kind": {payer.KindInsurer}, "name": {fleet.Name}, "street": {fleet.Street},
			"postal_code": {fleet.PostalCode}, "city": {fleet.City}, "country": {"DE"}, "payment_days": {"14"}, "covers": {"rent"},
			"active": {"1"}, "collective": {"1"}}
		p = a.post(edit, form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !strings.Contains(p.fieldErrors()["collective"], "Flotten- und Leasingkunden") {
			t.Errorf("insurer billed collectively: %v", p.fieldErrors())
		}
	})
}

// TestBrowserCollectiveInvoice: the admin goes from the home screen to the
// payers, opens the leasing customer's collective invoice, sees the
// month's rental and total, issues it and opens its PDF link; axe finds
// nothing serious on the page.
func TestBrowserCollectiveInvoice(t *testing.T) {
	ce, ct, fleet := fleetReturned(t, store.SQLite)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	defer cancel()
	browserSignIn(t, ctx, ce.env, adminEmail)
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed-collective-"+step)
			t.Fatalf("%s: %v", step, err)
		}
	}
	fail("preview", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("admin-menu-toggle")),
		chromedp.Click(chromedp.CSS(`#admin-menu a[href="/admin/payers"]`)),
		chromedp.WaitVisible(chromedp.ID("payer-list")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-payer="%d"] a[data-action="collective"]`, fleet.ID))),
		chromedp.WaitVisible(chromedp.ID("ci-rentals")),
	))
	rows, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("ci-rentals")))
	fail("read preview", err)
	if !strings.Contains(rows, ct.Number) || !strings.Contains(rows, "98,00 €") {
		t.Errorf("preview:\n%s", rows)
	}
	testenv.AxeClean(t, ctx, "collective")
	fail("issue", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("ci-issue")),
		chromedp.WaitVisible(chromedp.ID("ci-done-pdf")),
	))
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.notice`)))
	fail("read notice", err)
	on, _, ok, err := ce.store.CollectiveInvoiceOf(ce.sys(), ct.ID)
	must(t, err)
	if !ok || !strings.Contains(notice, on.Number) || !strings.Contains(notice, "98,00 €") {
		t.Errorf("notice %q, invoice %+v", notice, on)
	}
	testenv.Screenshot(t, ctx, "collective-issued")
}

// TestRetryWithoutCard: "Zahlung erneut versuchen" on a contract whose
// customer has no stored card says so and where to record the payment,
// instead of an error page; nothing is charged.
func TestRetryWithoutCard(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, _ := handedOver(t, d)
		supplierReady(t, ce)
		ce.clk.Advance(30 * time.Hour)
		c.mustLogin(stationEmail)
		path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		form := handoverForm(c.token(path), false, "5100")
		p := c.post(path, form)
		token := confirmRE.FindStringSubmatch(p.body)
		if token == nil {
			t.Fatalf("preview: %d %s", p.status, p.alert())
		}
		form.Set("confirm", token[1])
		if p = c.post(path, form); p.status != http.StatusOK {
			t.Fatalf("return: %d %s", p.status, p.alert())
		}
		retry := fmt.Sprintf("/admin/contracts/%d/retry", ct.ID)
		p = c.post(retry, url.Values{"csrf": {c.token(fmt.Sprintf("/admin/contracts/%d", ct.ID))}})
		wantStatus(t, p, http.StatusConflict)
		wantContains(t, p, "keine Karte gespeichert", `id="receipt-form"`)
	})
}
