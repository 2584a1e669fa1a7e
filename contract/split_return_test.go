package contract_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/payment"
)

// splitCase is a replacement car of tenant koenig (deposit pre-authorised
// and released) booked online for a workshop order: the workshop tariff
// KOMFORT (69,00 € per calendar day, 300 km/day included, 0,19 €/km
// beyond, fuel 2,29 €/l, 6 l per eighth), one day's rent (69,00 €) paid
// in advance; out from 9:00 for days × 24 hours (days + 1 calendar days),
// back with driven km and fuel eighths.
type splitCase struct {
	name   string
	payer  *payer.Payer // nil: driver only
	mode   string
	days   int
	driven int64
	fuel   int
	// what the payer is invoiced (its lines' kinds, gross) and what the
	// driver's card is charged or refunded for the rental
	payerKinds  []string
	payerGross  int64
	driverKinds []string // nil: no final invoice to the driver
	charge      int64
	refund      int64
	lang        string // the driver's; "" German
}

func splitCases() []splitCase {
	insurer := payer.Payer{Kind: payer.KindInsurer, Name: "Allianz Versicherungs-AG", Street: "Königinstr. 28", PostalCode: "80802",
		City: "München", Country: "DE", VATID: "DE811191545", BuyerReference: "Kfz-Schaden Süd", Email: "kfz@allianz.example",
		PaymentDays: 30, Active: true, Covers: map[string]bool{payer.PartRent: true, payer.PartCleaning: true, payer.PartDamages: true}}
	maker := payer.Payer{Kind: payer.KindManufacturer, Name: "VW Mobilitätsgarantie", Street: "Berliner Ring 2", PostalCode: "38440",
		City: "Wolfsburg", Country: "DE", VATID: "DE291584709", BuyerReference: "MOBI-DE-4711", Email: "mobil@vw.example",
		PaymentDays: 45, CapDays: 2, Active: true, Covers: map[string]bool{payer.PartRent: true, payer.PartKM: true, payer.PartFuel: true}}
	workshop := payer.Payer{Kind: payer.KindCostCentre, Name: "Werkstatt Kulanz", Country: "DE", PaymentDays: 0, Active: true,
		Covers: map[string]bool{payer.PartRent: true}}
	return []splitCase{
		// Unfallersatz at the insurer's agreed rate (55,00 €/day): the
		// driver pays the extra km (300 × 0,19 €) and 2 eighths of fuel
		// (12 l × 2,29 €) less the advance on the card
		{name: "insurer", payer: &insurer, mode: payer.ModePayer, days: 3, driven: 1500, fuel: 6,
			payerKinds: []string{billing.KindRent}, payerGross: 4 * 5500,
			driverKinds: []string{billing.KindExtraKM, billing.KindRefuel}, charge: 300*19 + 12*229 - 6900, lang: "en"},
		// the manufacturer's guarantee covers 2 of 5 days: the driver pays
		// the other 3 less the advance
		{name: "manufacturer over its day cap", payer: &maker, mode: payer.ModePayer, days: 4, driven: 100, fuel: 8,
			payerKinds: []string{billing.KindRent}, payerGross: 2 * 6900,
			driverKinds: []string{billing.KindRent}, charge: 3*6900 - 6900},
		// a courtesy car: all to the cost centre, the advance refunded
		{name: "internal courtesy car", payer: &workshop, mode: payer.ModeInternal, days: 2, driven: 1000, fuel: 7,
			payerKinds: []string{billing.KindRent, billing.KindExtraKM, billing.KindRefuel}, payerGross: 3*6900 + 100*19 + 6*229,
			refund: 6900},
		// no payer: as before
		{name: "driver only", days: 2, driven: 1000, fuel: 8, driverKinds: []string{billing.KindRent, billing.KindExtraKM},
			charge: 3*6900 + 100*19 - 6900},
	}
}

// splitRental books, hands over and sets the cover of one case; the car
// is out until its return.
type splitRental struct {
	w    *mworld
	m    *mtenant
	res  booking.Reservation
	c    contract.Contract
	p    payer.Payer
	back contract.Protocol
}

func newSplitRental(t *testing.T, w *mworld, tc splitCase, n int) *splitRental {
	t.Helper()
	r := &splitRental{w: w, m: w.tenants[0]}
	m := r.m
	if tc.payer != nil {
		r.p = *tc.payer
		if r.p.ID == 0 { // a payer of its own; one already stored pays several rentals
			r.p.Name = fmt.Sprintf("%s %d", r.p.Name, n)
			if r.p.Kind == payer.KindInsurer {
				r.p.Rates = []payer.Rate{{CategoryID: m.cat.ID, PricePerDayCents: 5500}}
			}
			must(t, w.s.CreatePayer(m.admin, &r.p))
		}
	}
	now := w.clk.Now().In(w.loc)
	pickup := time.Date(now.Year(), now.Month(), now.Day()+1, 9, 0, 0, 0, w.loc)
	cust := customer.Customer{Email: fmt.Sprintf("split%d@example.de", n), FirstName: "Eva", LastName: "Muster", Street: "Weg 1",
		PostalCode: "94315", City: "Straubing", Country: "DE", Language: "de", Phone: "+49 170 1234567"}
	if tc.lang != "" {
		cust.Language = tc.lang
	}
	d, err := w.bookings.Book(m.sys, booking.BookRequest{Customer: cust, StationCode: "SR", CategoryCode: "CDMR",
		Pickup: pickup, Return: pickup.Add(time.Duration(tc.days) * 24 * time.Hour), WorkshopRef: fmt.Sprintf("WA-2026-%04d", n),
		Card: &payment.Card{Number: "4111111111111111", ExpMonth: 12, ExpYear: 2060, CVV: "123"}})
	must(t, err)
	r.res = d.Reservation
	if tc.payer != nil {
		must(t, w.s.SetCover(m.admin, &payer.Cover{ReservationID: r.res.ID, Mode: tc.mode, PayerID: r.p.ID,
			ClaimNumber: fmt.Sprintf("SCH-%d-77", n)}))
	}
	w.clk.Set(pickup)
	vid := r.res.VehicleID
	if vid == 0 {
		vs, err := w.s.FreeVehicles(m.sys, m.st.ID, r.res.Pickup, r.res.Return, r.res.ID)
		must(t, err)
		vid = vs[0].ID
	}
	v, err := w.s.Vehicle(m.sys, vid)
	must(t, err)
	r.c, err = w.contracts.Handover(m.admin, &contract.Handover{ReservationID: r.res.ID, VehicleID: vid, LicenceChecked: true, TimingConfirmed: true,
		Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Eva", LastName: "Muster", LicenceNumber: "B072RRE2I55",
			LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}},
		Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: v.OdometerKM, FuelEighths: 8, Cleanliness: "clean"}})
	must(t, err)
	w.clk.Set(pickup.Add(time.Duration(tc.days)*24*time.Hour + 10*time.Minute))
	r.back = contract.Protocol{UnsignedReason: "Schlüsselkasten", OdometerKM: v.OdometerKM + tc.driven, FuelEighths: tc.fuel, Cleanliness: "clean"}
	return r
}

// TestReturnSplitsBill: at the return of a rental with a payer's cover,
// billing invoices the payer its share (own number, payment terms, PDF and
// XRechnung with the payer's buyer reference) and the driver only the
// rest, settled against the advance and charged to (or refunded on) the
// card; the deposit is released; the driver's ledger holds. The preview
// shows the same split; the PDF, the e-invoice, the invoice list, the card
// charge and the gateway all say the same amounts. Both databases.
func TestReturnSplitsBill(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		for n, tc := range splitCases() {
			t.Run(tc.name, func(t *testing.T) {
				r := newSplitRental(t, w, tc, n)
				m := r.m
				pv, err := w.contracts.PreviewReturn(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
				must(t, err)
				_, out, err := w.contracts.Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
				must(t, err)
				checkSplit(t, w, r, tc, pv, out)
				w.clk.Advance(24 * time.Hour)
			})
		}
	})
}

func kinds(ls []invoice.Line) []string {
	var ks []string
	for _, l := range ls {
		ks = append(ks, l.Kind)
	}
	return ks
}

// checkSplit compares what billing of r issued and took with tc, with the
// preview, with the printed documents and with the gateway.
func checkSplit(t *testing.T, w *mworld, r *splitRental, tc splitCase, pv contract.Preview, out contract.Outcome) {
	t.Helper()
	m := r.m
	c, err := w.s.Contract(m.sys, r.c.ID)
	must(t, err)
	if c.Status != contract.StatusBilled || c.BilledAt == nil {
		t.Fatalf("contract %s, billed at %v", c.Status, c.BilledAt)
	}
	all, err := w.s.ListInvoices(m.sys, invoice.Filter{ContractID: c.ID})
	must(t, err)
	var payerDocs, finals []invoice.Summary
	for _, d := range all {
		switch {
		case d.PayerID != 0:
			payerDocs = append(payerDocs, d)
		case d.Kind == invoice.KindFinal:
			finals = append(finals, d)
		}
	}
	// the payer's invoice
	if tc.payer == nil {
		if len(payerDocs) != 0 || len(out.PayerInvoices) != 0 {
			t.Fatalf("driver only: payer documents %+v", payerDocs)
		}
	} else {
		if len(payerDocs) != 1 || len(out.PayerInvoices) != 1 {
			t.Fatalf("%d payer documents, want 1: %+v", len(payerDocs), payerDocs)
		}
		pd := payerDocs[0]
		iss, err := w.s.IssuedInvoice(m.sys, pd.ID)
		must(t, err)
		wantName := r.p.Name
		if r.p.Kind == payer.KindCostCentre {
			wantName = m.tn.LegalName + " – " + r.p.Name
		}
		if pd.PayerID != r.p.ID || pd.Recipient != wantName || iss.Invoice.Recipient.Name != wantName || iss.Invoice.Recipient.VATID != r.p.VATID {
			t.Errorf("payer invoice addressed to %d %q (%+v), want %d %q", pd.PayerID, pd.Recipient, iss.Invoice.Recipient, r.p.ID, wantName)
		}
		if !slices.Equal(kinds(iss.Invoice.Lines), tc.payerKinds) || iss.Totals.Gross != tc.payerGross || pd.Gross != tc.payerGross {
			t.Errorf("payer invoice %v %d, want %v %d", kinds(iss.Invoice.Lines), iss.Totals.Gross, tc.payerKinds, tc.payerGross)
		}
		// the payer's documents are German, whatever the driver speaks
		if iss.Language != "de" || !strings.HasPrefix(iss.Invoice.Lines[0].Description, "Miete") || !strings.Contains(iss.Invoice.Note, "Mietvertrag") {
			t.Errorf("payer invoice in %q: %q / %q", iss.Language, iss.Invoice.Lines[0].Description, iss.Invoice.Note)
		}
		if iss.Invoice.Payment.Means != invoice.MeansOpen || iss.Invoice.Payment.TermsDays != r.p.PaymentDays {
			t.Errorf("payer invoice payment %+v, want open within %d days", iss.Invoice.Payment, r.p.PaymentDays)
		}
		if pv.Split.PayerGross() != tc.payerGross || !sameLines(pv.Split.PayerShare.Lines, iss.Invoice.Lines) {
			t.Errorf("preview: payer %d %+v, invoice %+v", pv.Split.PayerGross(), pv.Split.PayerShare.Lines, iss.Invoice.Lines)
		}
		if !strings.Contains(iss.Invoice.Note, "WA-2026-") || (r.p.Kind == payer.KindInsurer && !strings.Contains(iss.Invoice.Note, "SCH-")) {
			t.Errorf("payer invoice note %q lacks the workshop order or the claim", iss.Invoice.Note)
		}
		// printed: the PDF and (external payers) the XRechnung
		doc, err := w.s.Document(m.sys, pd.DocumentID)
		must(t, err)
		l := locale.Lang(iss.Language).Or()
		text := strings.Join(strings.Fields(testenv.PDFText(t, doc.Data)), " ")
		for _, s := range []string{iss.Invoice.Number, wantName, l.Money(tc.payerGross),
			strings.Join(strings.Fields(document.PaymentNote(l, iss.Invoice, iss.Totals)), " ")} {
			if !strings.Contains(text, s) {
				t.Errorf("payer invoice PDF lacks %q:\n%s", s, text)
			}
		}
		f, ok, err := w.s.EInvoiceFile(m.sys, pd.ID)
		must(t, err)
		if ok != (r.p.Kind != payer.KindCostCentre) {
			t.Fatalf("payer %s: e-invoice %v", r.p.Kind, ok)
		}
		if ok {
			x := string(f.Data)
			for _, s := range []string{"<ram:BuyerReference>" + r.p.BuyerReference + "</ram:BuyerReference>",
				"<ram:GrandTotalAmount>" + xmlEuros(tc.payerGross) + "</ram:GrandTotalAmount>", r.p.VATID, r.p.Email} {
				if !strings.Contains(x, s) {
					t.Errorf("payer e-invoice lacks %q", s)
				}
			}
			if v := xrechnung.Check(f.Data); len(v) != 0 {
				t.Errorf("payer e-invoice violates %v", v)
			}
		}
	}
	// … and on the contract document
	_, cpdf, err := w.contracts.ContractPDF(m.admin, c.ID)
	must(t, err)
	if text := strings.Join(strings.Fields(testenv.PDFText(t, cpdf)), " "); !strings.Contains(text, "WA-2026-") {
		t.Errorf("contract PDF lacks the workshop order:\n%.600s", text)
	}
	// the customer's view of the booking (booking page, API) holds only
	// the customer's documents
	bd, err := w.bookings.Get(m.sys, r.res.Number)
	must(t, err)
	for _, d := range bd.Invoices {
		if d.PayerID != 0 {
			t.Errorf("the customer's booking shows the payer's %s", d.Number)
		}
	}
	// the driver's final invoice: only the driver's share
	if tc.driverKinds == nil {
		if len(finals) != 0 || out.Final.ID != 0 {
			t.Fatalf("a final invoice went to the driver: %+v", finals)
		}
	} else {
		if len(finals) != 1 {
			t.Fatalf("%d final invoices", len(finals))
		}
		fin, err := w.s.IssuedInvoice(m.sys, finals[0].ID)
		must(t, err)
		if !slices.Equal(kinds(fin.Invoice.Lines), tc.driverKinds) || fin.Totals.Due != tc.charge-tc.refund {
			t.Errorf("final invoice %v due %d, want %v due %d", kinds(fin.Invoice.Lines), fin.Totals.Due, tc.driverKinds, tc.charge-tc.refund)
		}
		if !sameLines(pv.Bill.Lines, fin.Invoice.Lines) {
			t.Errorf("preview driver lines %+v, final %+v", pv.Bill.Lines, fin.Invoice.Lines)
		}
		// the workshop order is on every document of the rental: the driver's too
		if !strings.Contains(fin.Invoice.Note, "WA-2026-") {
			t.Errorf("final invoice note %q lacks the workshop order", fin.Invoice.Note)
		}
		doc, err := w.s.Document(m.sys, finals[0].DocumentID)
		must(t, err)
		text := strings.Join(strings.Fields(testenv.PDFText(t, doc.Data)), " ")
		if l := locale.Lang(fin.Language).Or(); !strings.Contains(text, l.Money(fin.Totals.Gross)) {
			t.Errorf("final PDF lacks its gross %s", l.Money(fin.Totals.Gross))
		}
	}
	// the card: charged exactly the driver's share, as the preview said
	var charged, refunded int64
	recs, err := w.s.ListPayments(m.sys, payment.RecordFilter{ReservationID: c.ReservationID})
	must(t, err)
	for _, p := range recs {
		if p.Status != payment.StatusApproved {
			continue
		}
		if p.Purpose == contract.PurposeFinal && p.ParentID == 0 {
			charged += p.Amount.Cents
		}
		if p.Operation == payment.OpRefund && p.Purpose != contract.PurposeDeposit {
			refunded += p.Amount.Cents
		}
	}
	if charged != tc.charge || refunded != tc.refund {
		t.Errorf("card charged %d refunded %d, want %d and %d", charged, refunded, tc.charge, tc.refund)
	}
	if pv.Settled.Charge != tc.charge || pv.Settled.Refund+pv.Split.AdvanceRefund() != tc.refund {
		t.Errorf("preview charges %d and refunds %d+%d, billing %d and %d", pv.Settled.Charge, pv.Settled.Refund,
			pv.Split.AdvanceRefund(), charged, refunded)
	}
	var atGateway int64
	for order, b := range m.sim.Ledger() {
		if strings.HasPrefix(order, c.Number+"-F") {
			atGateway += b.Net()
		}
	}
	if atGateway != tc.charge {
		t.Errorf("gateway holds %d for the final order, want %d", atGateway, tc.charge)
	}
	// what the contract page says was billed: all the rental's days
	bl, ok, err := w.contracts.Billed(m.sys, c.ID)
	must(t, err)
	if !ok || bl.Days != tc.days+1 || bl.DrivenKM != tc.driven {
		t.Errorf("billed %+v (%v), want %d days, %d km", bl, ok, tc.days+1, tc.driven)
	}
	// the driver's ledger holds; the deposit is released
	l, _, docs, err := w.contracts.Ledger(m.sys, c.ID)
	must(t, err)
	for _, d := range docs {
		if d.PayerID != 0 {
			t.Errorf("payer document %s in the driver's ledger", d.Number)
		}
	}
	if !l.Balanced() || l.DepositHeld != 0 {
		t.Errorf("driver's ledger %+v: open %d", l, l.Open())
	}
}

// TestSplitBillingRetried: billing of a covered rental stops at a step
// (the process dies) and a restarted process resumes it: the payer's
// invoice and the driver's final invoice exist once, the card is charged
// once. Both databases.
func TestSplitBillingRetried(t *testing.T) {
	cs := splitCases()
	for _, k := range []struct {
		name, at string
		tc       splitCase
	}{
		{"insurer, killed before the invoices", "IssueInvoice:" + string(invoice.KindFinal), cs[0]},
		{"insurer, killed before billing was marked finished", "FinishBilling", cs[0]},
		{"courtesy car, killed before the cost centre's document", "IssueInvoice:" + string(invoice.KindStandalone), cs[2]},
		{"courtesy car, killed before billing was marked finished", "FinishBilling", cs[2]},
	} {
		t.Run(k.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, d store.Dialect) {
				w := newMoneyWorld(t, d)
				r := newSplitRental(t, w, k.tc, 0)
				m := r.m
				pv, err := w.contracts.PreviewReturn(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
				must(t, err)
				ks := &killSwitch{at: k.at}
				deps := w.cdeps
				deps.Store, deps.Invoices = killableContracts{w.s, ks}, killableInvoices{w.s, ks}
				_, _, err = contract.NewService(deps).Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
				if err == nil || !ks.dead.Load() {
					t.Fatalf("the process never died at %s: %v", k.at, err)
				}
				tctx := identity.WithActor(context.Background(), identity.SystemFor(m.tn.ID))
				for range 3 {
					w.clk.Advance(10 * time.Minute)
					_, err := w.contracts.ResumeBilling(tctx, 5*time.Minute)
					must(t, err)
				}
				c, err := w.s.Contract(m.sys, r.c.ID)
				must(t, err)
				out := contract.Outcome{}
				if all, err := w.s.ListInvoices(m.sys, invoice.Filter{ContractID: c.ID}); err == nil {
					for _, d := range all {
						if d.PayerID != 0 {
							out.PayerInvoices = append(out.PayerInvoices, invoice.Issued{ID: d.ID})
						}
						if d.Kind == invoice.KindFinal {
							out.Final.ID = d.ID
						}
					}
				}
				checkSplit(t, w, r, k.tc, pv, out)
			})
		})
	}
}

// TestCoverKeepsPayerTerms: a cover keeps its payer's terms from when it
// named the payer. The insurer raises its agreed rate and caps its days
// after the rental was covered; editing the claim keeps the old terms; the
// return bills the insurer at the rate of the day the cover was set. A
// cover moved to another payer after the handover takes that payer's
// terms of the moment. Both databases.
func TestCoverKeepsPayerTerms(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		cases := splitCases()
		tc := cases[0] // the insurer at 55,00 € a day, 3 days out = 4 calendar days
		r := newSplitRental(t, w, tc, 1)
		m := r.m
		changed := r.p
		changed.Rates = []payer.Rate{{CategoryID: m.cat.ID, PricePerDayCents: 8000}}
		changed.CapDays = 1
		must(t, w.s.UpdatePayer(m.admin, &changed))
		cv, err := w.s.Cover(m.admin, r.res.ID)
		must(t, err)
		cv.ClaimNumber = "SCH-1-78" // a correction of the claim keeps the terms
		must(t, w.s.SetCover(m.admin, &cv))
		if cv, err = w.s.Cover(m.admin, r.res.ID); err != nil || cv.Terms == nil || cv.Terms.CapDays != 0 ||
			len(cv.Terms.Rates) != 1 || cv.Terms.Rates[0].PricePerDayCents != 5500 {
			t.Fatalf("cover terms %+v (%v), want the insurer's of the day it was set", cv.Terms, err)
		}
		pv, err := w.contracts.PreviewReturn(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
		must(t, err)
		_, out, err := w.contracts.Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
		must(t, err)
		checkSplit(t, w, r, tc, pv, out) // 4 × 55,00 €, as before the change

		// another rental covered by the insurer now gets its new terms …
		r2 := newSplitRental(t, w, splitCase{name: "new terms", payer: &changed, mode: payer.ModePayer, days: 1, driven: 10, fuel: 8}, 2)
		// … and moved after the handover to the manufacturer, that payer's
		maker := *cases[1].payer
		maker.Name = "VW Mobilitätsgarantie 2"
		must(t, w.s.CreatePayer(m.admin, &maker))
		must(t, w.s.SetCover(m.admin, &payer.Cover{ReservationID: r2.res.ID, Mode: payer.ModePayer, PayerID: maker.ID}))
		cv2, err := w.s.Cover(m.admin, r2.res.ID)
		must(t, err)
		if cv2.Terms == nil || cv2.Terms.CapDays != maker.CapDays || !slices.Equal(cv2.Terms.Covers, []string{payer.PartRent, payer.PartKM, payer.PartFuel}) {
			t.Fatalf("moved cover's terms %+v, want the manufacturer's", cv2.Terms)
		}
	})
}
