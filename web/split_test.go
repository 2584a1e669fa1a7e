package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// coveredContract hands over the Regensburg booking (49,00 € a day, no
// advance, no stored card) with the manufacturer programme capped at one
// day as its payer; the car has been out 30 hours (two days).
func coveredContract(t *testing.T, d store.Dialect) (*ctEnv, *client, contract.Contract, payer.Payer) {
	t.Helper()
	return coveredBy(t, d, payer.ModePayer)
}

// coveredBy is coveredContract with the cover mode: payer.ModeInternal
// books it to the cost centre.
func coveredBy(t *testing.T, d store.Dialect, mode string) (*ctEnv, *client, contract.Contract, payer.Payer) {
	t.Helper()
	ce, c, ct, _ := handedOver(t, d)
	supplierReady(t, ce)
	_, man, cc := coverPayers(t, ce.env)
	if mode == payer.ModeInternal {
		man = cc
	}
	must(t, ce.store.SetCover(ce.sys(), &payer.Cover{ReservationID: ct.ReservationID, Mode: mode, PayerID: man.ID}))
	ce.clk.Advance(30 * time.Hour)
	c.mustLogin(stationEmail) // the session outlived the wait
	return ce, c, ct, man
}

// supplierReady gives the tenant the address and tax id its invoices
// need as supplier.
func supplierReady(t *testing.T, ce *ctEnv) {
	t.Helper()
	tn, err := ce.store.Tenant(ce.sys())
	must(t, err)
	tn.Street, tn.PostalCode, tn.City, tn.Country, tn.VATID = "Hauptstr. 1", "93047", "Regensburg", "DE", "DE123456789"
	must(t, ce.store.UpdateTenant(ce.sys(), &tn))
}

// payerAndFinal returns the invoice to payer payerID and the driver's
// final invoice of contract id; the test fails when one is missing.
func payerAndFinal(t *testing.T, ce *ctEnv, id, payerID int64) (payerDoc, final invoice.Summary) {
	t.Helper()
	docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: id})
	must(t, err)
	for _, d := range docs {
		switch {
		case d.PayerID == payerID:
			payerDoc = d
		case d.Kind == invoice.KindFinal:
			final = d
		}
	}
	if payerDoc.ID == 0 || final.ID == 0 {
		t.Fatalf("documents %+v, want the payer's and the driver's final", docs)
	}
	return payerDoc, final
}

var previewPayerRE = regexp.MustCompile(`id="preview-payer-gross">([^<]*)<`)

// TestReturnSplitPages: the return preview of a covered rental shows what
// the payer is invoiced (its lines and total) and what is left to the
// driver; the confirmed return issues exactly those amounts — the payer's
// invoice on the contract page (with its due date) and in the invoices
// list marked as addressed to the payer, the driver's final invoice with
// the rest. Both databases.
func TestReturnSplitPages(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, man := coveredContract(t, d)
		path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		form := handoverForm(c.token(path), false, "5100")
		p := c.post(path, form)
		token := confirmRE.FindStringSubmatch(p.body)
		if p.status != http.StatusOK || token == nil {
			t.Fatalf("preview: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		m := previewPayerRE.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("the preview shows no payer share: %s", ctExcerpt(p.body, `id="return-preview"`))
		}
		wantContains(t, p, "Rechnung an VW Mobilitätsgarantie", "sofort fällig", `id="preview-driver-title"`)
		previewPayer := m[1]
		previewDriver := regexp.MustCompile(`id="preview-gross">([^<]*)<`).FindStringSubmatch(p.body)
		form.Set("confirm", token[1])
		if p = c.post(path, form); p.status != http.StatusOK || strings.Contains(p.body, `id="f-confirm"`) {
			t.Fatalf("return: %d %s", p.status, p.alert())
		}
		payerDoc, final := payerAndFinal(t, ce, ct.ID, man.ID)
		de := locale.Lang("de")
		// one fact, one source: the preview said what was issued
		if de.Money(payerDoc.Gross) != previewPayer || payerDoc.Gross != 4900 {
			t.Errorf("payer invoiced %d, preview said %s", payerDoc.Gross, previewPayer)
		}
		if previewDriver == nil || de.Money(final.Gross) != previewDriver[1] || final.Gross != 4900 {
			t.Errorf("driver invoiced %d, preview said %v", final.Gross, previewDriver)
		}
		// the driver (no card) owes the driver's share, not the payer's
		items, err := ce.store.OpenItems(ce.sys())
		must(t, err)
		for _, it := range items {
			if it.ContractID == ct.ID && it.OpenCents != final.Gross {
				t.Errorf("open item %d, want the driver's %d", it.OpenCents, final.Gross)
			}
		}
		// the contract page: the payer's invoice with its due date, the split
		p = c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
		wantContains(t, p, `id="payer-invoices"`, payerDoc.Number, "VW Mobilitätsgarantie",
			`id="split-payer">`+de.Money(payerDoc.Gross), `id="split-driver">`+de.Money(final.Gross))
		// the invoices list: who each is addressed to
		p = c.get("/admin/invoices")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, payerDoc.Number, final.Number, "Rechnungsempfänger", `data-payer="`+fmt.Sprint(man.ID)+`"`)
	})
}

// TestReturnPreviewInternal: a courtesy car's return preview shows the
// whole bill as the cost centre's internal document and no invoice to the
// driver; the return issues only that document. Both databases.
func TestReturnPreviewInternal(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, cc := coveredBy(t, d, payer.ModeInternal)
		path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		form := handoverForm(c.token(path), false, "5100")
		p := c.post(path, form)
		token := confirmRE.FindStringSubmatch(p.body)
		if p.status != http.StatusOK || token == nil {
			t.Fatalf("preview: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		wantContains(t, p, "Rechnung an Kulanz Werkstatt", "Interner Beleg an die Kostenstelle", "Keine Rechnung an den Fahrer.",
			`id="preview-payer-gross">98,00 €<`, "Nichts zu belasten oder zu erstatten.")
		form.Set("confirm", token[1])
		if p = c.post(path, form); p.status != http.StatusOK || strings.Contains(p.body, `id="f-confirm"`) {
			t.Fatalf("return: %d %s", p.status, p.alert())
		}
		docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID})
		must(t, err)
		if len(docs) != 1 || docs[0].PayerID != cc.ID || docs[0].Gross != 9800 {
			t.Fatalf("documents %+v, want the cost centre's 98,00 €", docs)
		}
		wantContains(t, p, "keine Rechnung an den Fahrer", `id="split-payer">98,00 €`, `id="split-driver">0,00 €`)
	})
}
