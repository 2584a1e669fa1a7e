package pdf

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the golden PDF texts in testdata/")

// goldenText compares the text of a rendered PDF (pdftotext -layout, the
// trailing spaces of each line cut) with testdata/name; -update-golden
// rewrites it (review the diff).
func goldenText(t *testing.T, name string, pdf []byte) {
	t.Helper()
	lines := strings.Split(testenv.PDFText(t, pdf), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	got := strings.Join(lines, "\n")
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./adapter/pdf -run TestGoldenPDFs -update-golden to create it)", err)
	}
	if got != string(want) {
		wl := strings.Split(string(want), "\n")
		for i := range max(len(lines), len(wl)) {
			var g, w string
			if i < len(lines) {
				g = lines[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the rendered PDF at line %d:\nwant %q\ngot  %q\n(rerun with -update-golden if intended)", path, i+1, w, g)
			}
		}
	}
}

// TestGoldenPDFs keeps the text of the documents issue 14 changed: the
// final invoice that pays excess advances back itself (with the card it
// goes to), the one settled by a set-off against the damage settlement,
// the damage settlement not subject to VAT, a credit note of a
// cancellation naming fee and refund, one paid out in cash, and the
// contract printed from its terms snapshot (per-litre refuelling,
// calendar days, damages not taxed).
func TestGoldenPDFs(t *testing.T) {
	r := New()
	back := finalInvoice()
	back.Lines = back.Lines[:1]
	back.Lines[0].QuantityMilli = 500
	back.Advances = append(back.Advances, invoice.Advance{Number: "RE-2026-000043", IssueDate: issued.AddDate(0, 0, -2),
		Rates: invoice.Compute(invoice.Invoice{Lines: []invoice.Line{{QuantityMilli: 1000, UnitGross: 9998, VATRateBP: 1900}}}).Rates})
	back.Payment = invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"}
	offset := back
	offset.Number = "RE-2026-000044"
	offset.Payment = invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111", Cents: 7497}
	offset.Note = "Mietvertrag MV-2026-000123\nDavon werden 50,00 € mit der Schadensabrechnung zu diesem Mietvertrag verrechnet."
	claim := invoice.Invoice{Kind: invoice.KindStandalone, Number: "RE-2026-000045", IssueDate: issued, Currency: "EUR",
		ServicePeriod: invoice.Period{From: issued.AddDate(0, 0, -3), To: issued}, Supplier: supplier(), Recipient: recipient(),
		Lines: []invoice.Line{{Description: "Schaden: Kratzer Tür hinten links", QuantityMilli: 1000, Unit: "piece", UnitGross: 45000,
			TaxCategory: invoice.CategoryNotSubject, Kind: "damage"}},
		Note:    "Mietvertrag MV-2026-000123",
		Payment: invoice.Payment{Means: invoice.MeansOffset}}
	cancel := creditNote()
	cancel.Lines = []invoice.Line{{Description: "Stornierung, Erstattung der Anzahlung, Buchung B-2026-000815", QuantityMilli: 1000, Unit: "piece",
		UnitGross: 2499, VATRateBP: 1900}}
	cancel.Note = "Buchung B-2026-000815.\nStornierung: Anzahlung 49,99 €, einbehaltene Stornogebühr 25,00 €, erstattet 24,99 €."
	cash := creditNote()
	cash.Payment = invoice.Payment{Means: invoice.MeansCash}
	for _, c := range []struct {
		name string
		doc  document.InvoiceDoc
	}{
		{"final_pays_back.de.txt", invoiceDoc(back, document.German)},
		{"final_pays_back.en.txt", invoiceDoc(back, document.English)},
		{"final_set_off.de.txt", invoiceDoc(offset, document.German)},
		{"damage_settlement.de.txt", invoiceDoc(claim, document.German)},
		{"damage_settlement.en.txt", invoiceDoc(claim, document.English)},
		{"credit_cancellation.de.txt", invoiceDoc(cancel, document.German)},
		{"credit_cash.de.txt", invoiceDoc(cash, document.German)},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := r.Invoice(context.Background(), c.doc)
			if err != nil {
				t.Fatal(err)
			}
			goldenText(t, c.name, b)
		})
	}
	for _, lang := range []document.Lang{document.German, document.English} {
		t.Run("contract_terms."+string(lang)+".txt", func(t *testing.T) {
			d := contractDoc(lang)
			d.Tariff = document.Tariff{Name: "Komfort", PerDay: 6900, IncludedKmPerDay: 300, PerExtraKm: 19, RefuelPerEighth: 1500,
				RefuelPerLitre: 229, TankLitres: 48, CleaningFee: 2900, VATRateBP: 1900, DayCounting: "calendar"}
			d.Deposit = 20000
			b, err := r.Contract(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			goldenText(t, "contract_terms."+string(lang)+".txt", b)
		})
	}
}
