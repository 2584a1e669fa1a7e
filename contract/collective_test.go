package contract_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// TestCollectiveInvoice: a leasing customer billed by monthly collective
// invoice covers rent, km and cleaning of two rentals. At their returns
// the payer gets no invoice — the driver's final bills only the fuel, or
// (nothing of the driver's) no final at all and the advance comes back —
// and billing ends. The month's collective invoice lists both rentals with
// the shares billing computed at return (the previews' figures), in one
// document with its own number, due per the payer's terms, the rentals as
// an annex of the PDF and a valid XRechnung with the buyer reference; each
// rental is billed once: a second run finds nothing, a stale preview and a
// concurrent run issue nothing. Both databases.
func TestCollectiveInvoice(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		m := w.tenants[0]
		fleet := payer.Payer{Kind: payer.KindFleet, Name: "Ostbayern Leasing GmbH", Street: "Donaustaufer Str. 200", PostalCode: "93059",
			City: "Regensburg", Country: "DE", VATID: "DE274589306", BuyerReference: "LEAS-KOENIG", Email: "rechnung@leasing.example",
			PaymentDays: 14, Active: true, Collective: true,
			Covers: map[string]bool{payer.PartRent: true, payer.PartKM: true, payer.PartCleaning: true}}
		must(t, w.s.CreatePayer(m.admin, &fleet))

		// only a fleet payer is billed collectively
		bad := fleet
		bad.ID, bad.Name, bad.Kind = 0, "HUK", payer.KindInsurer
		if err := w.s.CreatePayer(m.admin, &bad); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("an insurer billed collectively: %v", err)
		}

		start := w.clk.Now()
		type back struct {
			r  *splitRental
			pv contract.Preview
		}
		var rentals []back
		for n, tc := range []splitCase{
			{name: "fuel to the driver", payer: &fleet, mode: payer.ModePayer, days: 2, driven: 1000, fuel: 6},
			{name: "all to the payer", payer: &fleet, mode: payer.ModePayer, days: 1, driven: 100, fuel: 8},
		} {
			r := newSplitRental(t, w, tc, 100+n)
			pv, err := w.contracts.PreviewReturn(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
			must(t, err)
			if !pv.Split.Collective() || pv.Split.PayerGross() == 0 {
				t.Fatalf("%s: preview split %+v", tc.name, pv.Split)
			}
			_, out, err := w.contracts.Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
			must(t, err)
			if len(out.PayerInvoices) != 0 {
				t.Fatalf("%s: the collective payer got an invoice at return: %+v", tc.name, out.PayerInvoices)
			}
			c, err := w.s.Contract(m.sys, r.c.ID)
			must(t, err)
			if c.Status != contract.StatusBilled {
				t.Fatalf("%s: contract %s after return", tc.name, c.Status)
			}
			docs, err := w.s.ListInvoices(m.sys, invoice.Filter{ContractID: c.ID})
			must(t, err)
			for _, d := range docs {
				if d.PayerID != 0 {
					t.Errorf("%s: payer document %s at return", tc.name, d.Number)
				}
				if d.Kind == invoice.KindFinal {
					fin, err := w.s.IssuedInvoice(m.sys, d.ID)
					must(t, err)
					if !slices.Equal(kinds(fin.Invoice.Lines), []string{billing.KindRefuel}) {
						t.Errorf("%s: the driver's final bills %v, want only the fuel", tc.name, kinds(fin.Invoice.Lines))
					}
				}
			}
			rentals = append(rentals, back{r, pv})
			w.clk.Advance(24 * time.Hour)
		}
		from, to := start.Add(-24*time.Hour), w.clk.Now().Add(time.Hour)

		// the preview: both rentals, each with the share its return computed
		cv, err := w.contracts.CollectivePreview(m.admin, fleet.ID, from, to)
		must(t, err)
		if len(cv.Rentals) != 2 {
			t.Fatalf("preview lists %d rentals, want 2", len(cv.Rentals))
		}
		var want int64
		for i, b := range rentals {
			got := cv.Rentals[i]
			if got.ContractID != b.r.c.ID || got.Gross != b.pv.Split.PayerGross() {
				t.Errorf("rental %d: %s %d, its return previewed %d", i, got.Number, got.Gross, b.pv.Split.PayerGross())
			}
			want += b.pv.Split.PayerGross()
		}
		if cv.Totals.Gross != want {
			t.Errorf("collective total %d, want %d", cv.Totals.Gross, want)
		}

		// a stale preview issues nothing
		if _, err := w.contracts.IssueCollective(m.admin, fleet.ID, from, to, want-1); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("stale preview: %v", err)
		}
		// two runs at once: one invoice
		var wg sync.WaitGroup
		results := make([]error, 2)
		issued := make([]invoice.Issued, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				issued[i], results[i] = w.contracts.IssueCollective(m.admin, fleet.ID, from, to, want)
			}()
		}
		wg.Wait()
		var iss invoice.Issued
		for i, err := range results {
			switch {
			case err == nil && iss.ID == 0:
				iss = issued[i]
			case err == nil:
				t.Fatalf("two collective invoices: %s and %s", iss.Invoice.Number, issued[i].Invoice.Number)
			case !errs.Is(err, errs.KindConflict):
				t.Fatalf("concurrent run: %v", err)
			}
		}
		if iss.ID == 0 {
			t.Fatalf("no collective invoice issued: %v", results)
		}
		if _, err := w.contracts.IssueCollective(m.admin, fleet.ID, from, to, want); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("a second run: %v", err)
		}
		if cv, err := w.contracts.CollectivePreview(m.admin, fleet.ID, from, to); err != nil || len(cv.Rentals) != 0 {
			t.Fatalf("after the run the preview lists %d rentals (%v)", len(cv.Rentals), err)
		}

		// the invoice as stored, printed and sent as e-invoice
		got, err := w.s.IssuedInvoice(m.sys, iss.ID)
		must(t, err)
		if got.PayerID != fleet.ID || got.Totals.Gross != want || got.Invoice.Recipient.Name != fleet.Name ||
			got.Invoice.Payment.Means != invoice.MeansOpen || got.Invoice.Payment.TermsDays != fleet.PaymentDays {
			t.Errorf("collective invoice %+v %+v", got.Invoice.Recipient, got.Totals)
		}
		l := locale.Lang("de")
		sums, err := w.s.ListInvoices(m.sys, invoice.Filter{})
		must(t, err)
		var sum invoice.Summary
		for _, s := range sums {
			if s.ID == iss.ID {
				sum = s
			}
		}
		doc, err := w.s.Document(m.sys, sum.DocumentID)
		must(t, err)
		text := strings.Join(strings.Fields(testenv.PDFText(t, doc.Data)), " ")
		for _, s := range []string{got.Invoice.Number, fleet.Name, l.Money(want), "Anlage zur Rechnung " + got.Invoice.Number, rentals[0].r.c.Number,
			rentals[1].r.c.Number, "Summe der Mieten (= Rechnungsbetrag) " + l.Money(want), "LEAS-KOENIG"} {
			if !strings.Contains(text, s) {
				t.Errorf("collective PDF lacks %q:\n%s", s, text)
			}
		}
		f, ok, err := w.s.EInvoiceFile(m.sys, iss.ID)
		must(t, err)
		if !ok {
			t.Fatalf("no e-invoice with the collective invoice")
		}
		for _, s := range []string{"<ram:BuyerReference>LEAS-KOENIG</ram:BuyerReference>", "<ram:GrandTotalAmount>" + xmlEuros(want) + "</ram:GrandTotalAmount>"} {
			if !strings.Contains(string(f.Data), s) {
				t.Errorf("collective e-invoice lacks %q", s)
			}
		}
		if v := xrechnung.Check(f.Data); len(v) != 0 {
			t.Errorf("collective e-invoice violates %v", v)
		}
		// each rental knows the invoice it is on, with its share
		for _, b := range rentals {
			on, gross, ok, err := w.contracts.CollectiveInvoiceOf(m.admin, b.r.c.ID)
			must(t, err)
			if !ok || on.ID != iss.ID || gross != b.pv.Split.PayerGross() {
				t.Errorf("%s on %+v with %d (%v), want %s with %d", b.r.c.Number, on, gross, ok, got.Invoice.Number, b.pv.Split.PayerGross())
			}
		}
		// the payer report counts it once, as issued
		rev, err := w.s.RevenueByPayerMonth(m.admin, from, to, w.loc)
		must(t, err)
		var reported int64
		for _, r := range rev {
			if r.PayerID == fleet.ID {
				reported += r.GrossCents
			}
		}
		if reported != want {
			t.Errorf("payer report %d, collective invoice %d", reported, want)
		}
		// it is none of the drivers' documents
		for _, b := range rentals {
			docs, err := w.s.ListInvoices(m.sys, invoice.Filter{CustomerID: b.r.c.CustomerID})
			must(t, err)
			for _, d := range docs {
				if d.ID == iss.ID {
					t.Errorf("the collective invoice is listed as the driver's")
				}
			}
		}
	})
}
