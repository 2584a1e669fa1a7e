package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

var (
	estimatePayerRE  = regexp.MustCompile(`id="estimate-payer">([^<]*?)\s*<`)
	estimateDriverRE = regexp.MustCompile(`id="estimate-driver">([^<]*)<`)
	previewDriverRE  = regexp.MustCompile(`id="preview-gross">([^<]*)<`)
)

// estimateOn reads the payer's and the driver's estimated shares from a
// reservation or contract page; the test fails when the page has none.
func estimateOn(t *testing.T, p page) (payerShare, driverShare string) {
	t.Helper()
	pm, dm := estimatePayerRE.FindStringSubmatch(p.body), estimateDriverRE.FindStringSubmatch(p.body)
	if pm == nil || dm == nil {
		t.Fatalf("%s shows no estimated split: %s", p.url.Path, ctExcerpt(p.body, `id="cover"`))
	}
	return pm[1], dm[1]
}

// TestEstimateSplitMatchesReturn (both databases): the Regensburg rental
// (49,00 € a day at the tariff) is paid by a manufacturer programme
// capped at one day at its agreed 59,00 € a day for the category. The
// reservation page's and, after the handover, the contract page's
// estimate (and the reservation's print) split it as the return will: the programme 59,00 € (at the
// agreed rate, named), the driver the day over the cap at 49,00 €, 108,00 €
// in all; the return preview at the planned end (no extra km, a full
// tank) shows exactly those shares. A rental the driver pays alone shows
// no split.
func TestEstimateSplitMatchesReturn(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		supplierReady(t, ce)
		c := ce.client(t)
		c.mustLogin(stationEmail)
		reg := ce.res["reg"]
		resPath := fmt.Sprintf("/admin/reservations/%d", reg.ID)
		if p := c.get(resPath); strings.Contains(p.body, `id="estimate-split"`) {
			t.Fatalf("a rental the driver pays shows a split: %s", ctExcerpt(p.body, `id="estimate-split"`))
		}
		prog := payer.Payer{Kind: payer.KindManufacturer, Name: "Skoda Mobilitätsgarantie", Street: "Tr. Václava Klementa 869",
			PostalCode: "29301", City: "Mladá Boleslav", Country: "CZ", Active: true, CapDays: 1,
			Covers: map[string]bool{payer.PartRent: true}, Rates: []payer.Rate{{CategoryID: reg.CategoryID, PricePerDayCents: 5900}}}
		must(t, ce.store.CreatePayer(ce.sys(), &prog))
		must(t, ce.store.SetCover(ce.sys(), &payer.Cover{ReservationID: reg.ID, Mode: payer.ModePayer, PayerID: prog.ID}))

		de := locale.Lang("de")
		wantPayer, wantDriver := de.Money(5900), de.Money(4900)
		p := c.get(resPath)
		wantStatus(t, p, http.StatusOK)
		resPayer, resDriver := estimateOn(t, p)
		wantContains(t, p, "Davon zahlt Skoda Mobilitätsgarantie", "zum vereinbarten Tagessatz von "+de.Money(5900),
			`id="res-estimate">`+de.Money(10800)+`<`)
		if resPayer != wantPayer || resDriver != wantDriver {
			t.Errorf("reservation estimate: programme %q, driver %q; want %s, %s", resPayer, resDriver, wantPayer, wantDriver)
		}

		// the printed reservation the customer takes home says the same
		p = c.get(resPath + "/print")
		wantContains(t, p, `id="print-estimate">`+de.Money(10800)+`<`, `id="print-estimate-payer">`+resPayer,
			`id="print-estimate-driver">`+resDriver+`<`)

		// the handover at the booked pickup
		ce.clk.Advance(time.Hour)
		c.mustLogin(stationEmail)
		hand := fmt.Sprintf("/admin/reservations/%d/handover", reg.ID)
		if p := c.post(hand, handoverForm(c.token(hand), true, "5000")); p.status != http.StatusOK {
			t.Fatalf("handover: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		ct, err := ce.store.ContractByReservation(ce.sys(), reg.ID)
		must(t, err)
		p = c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
		ctPayer, ctDriver := estimateOn(t, p)
		wantContains(t, p, "Voraussichtlich 2 Tage · "+de.Money(10800))
		if ctPayer != resPayer || ctDriver != resDriver {
			t.Errorf("contract estimate: programme %q, driver %q; the reservation said %s, %s", ctPayer, ctDriver, resPayer, resDriver)
		}

		// the return preview at the planned end, as planned
		ce.clk.Advance(48 * time.Hour)
		c.mustLogin(stationEmail)
		ret := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		p = c.post(ret, handoverForm(c.token(ret), false, "5000"))
		pm, dm := previewPayerRE.FindStringSubmatch(p.body), previewDriverRE.FindStringSubmatch(p.body)
		if p.status != http.StatusOK || pm == nil || dm == nil {
			t.Fatalf("preview: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		if pm[1] != ctPayer || dm[1] != ctDriver {
			t.Errorf("return preview: programme %s, driver %s; the estimate said %s, %s", pm[1], dm[1], ctPayer, ctDriver)
		}
	})
}

// TestReturnPreviewInStaffLanguage (both databases): the driver of the
// Regensburg rental reads English; the return preview the German staff
// read words the bill in German (the same amounts), while the final
// invoice issued at the confirmed return stays in the driver's English.
func TestReturnPreviewInStaffLanguage(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, _ := handedOver(t, d)
		supplierReady(t, ce)
		cu, err := ce.store.Customer(ce.sys(), ct.CustomerID)
		must(t, err)
		cu.Language = "en"
		must(t, ce.store.UpdateCustomer(ce.sys(), &cu))
		ce.clk.Advance(30 * time.Hour)
		c.mustLogin(stationEmail)
		path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		form := handoverForm(c.token(path), false, "5100")
		p := c.post(path, form)
		token := confirmRE.FindStringSubmatch(p.body)
		if p.status != http.StatusOK || token == nil {
			t.Fatalf("preview: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		wantContains(t, p, "Miete Standard")
		if strings.Contains(p.body, "Rent Standard") {
			t.Errorf("the staff preview shows the driver's English lines: %s", ctExcerpt(p.body, `id="return-preview"`))
		}
		form.Set("confirm", token[1])
		if p = c.post(path, form); p.status != http.StatusOK || strings.Contains(p.body, `id="f-confirm"`) {
			t.Fatalf("return: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID})
		must(t, err)
		var final invoice.Summary
		for _, doc := range docs {
			if doc.Kind == invoice.KindFinal {
				final = doc
			}
		}
		if final.ID == 0 {
			t.Fatalf("no final invoice among %+v", docs)
		}
		pdf := c.get(fmt.Sprintf("/admin/contracts/%d/documents/%d", ct.ID, final.DocumentID))
		if text := testenv.PDFText(t, []byte(pdf.body)); !strings.Contains(text, "Rent Standard") || strings.Contains(text, "Miete Standard") {
			t.Errorf("the driver's final invoice is not in English:\n%s", text)
		}
	})
}
