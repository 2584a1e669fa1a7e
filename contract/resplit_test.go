package contract_test

import (
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// rentalMoney is what a billed rental's documents and card come to.
type rentalMoney struct {
	driverBilled int64 // the driver's ledger: billed
	driverOpen   int64
	payers       map[int64]int64 // payer id → invoiced less credited
	payerNet     int64
	cardNet      int64 // approved card money of the rental (not the deposit)
	docs         int
}

func moneyOf(t *testing.T, w *mworld, r *splitRental) rentalMoney {
	t.Helper()
	m := r.m
	l, _, _, err := w.contracts.Ledger(m.sys, r.c.ID)
	must(t, err)
	rm := rentalMoney{driverBilled: l.Billed(), driverOpen: l.Open(), payers: map[int64]int64{}, cardNet: l.Paid()}
	all, err := w.s.ListInvoices(m.sys, invoice.Filter{ContractID: r.c.ID})
	must(t, err)
	rm.docs = len(all)
	for _, d := range all {
		if d.PayerID == 0 {
			continue
		}
		g := d.Gross
		if d.Kind == invoice.KindCreditNote {
			g = -g
		}
		rm.payers[d.PayerID] += g
		rm.payerNet += g
	}
	return rm
}

// TestResplitAfterBilling: the cover of a billed rental changes (the
// insurer refuses after the return, a claim turns up for a rental the
// driver paid, a manufacturer case becomes a courtesy car): the plan lists
// the documents, Resplit issues exactly those with the new cover — the old
// payer's invoice cancelled by credit note, the new payer invoiced its
// share (XRechnung valid), the driver's difference invoiced and charged to
// the card or credited and refunded on it. The rental's bill is the same
// before and after (driver + payers), every ledger balances, the payer's
// open items follow; a stale plan, an invalid cover and a payer invoice
// with a transfer are refused and change nothing. Both databases.
func TestResplitAfterBilling(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		cases := splitCases()
		insurer, maker, workshop, driverOnly := cases[0], cases[1], cases[2], cases[3]
		insurer.lang = "" // German driver: the driver's lines read as the payer's
		type step struct {
			name string
			from splitCase
			to   func(r *splitRental, ins, cc payer.Payer) payer.Cover
			// the driver pays more (> 0) or less (< 0)
			driverMore bool
		}
		// payers the steps move to, stored once
		ins := *insurer.payer
		ins.Name = "Allianz Nachtrag"
		ins.Rates = []payer.Rate{{CategoryID: w.tenants[0].cat.ID, PricePerDayCents: 5500}}
		must(t, w.s.CreatePayer(w.tenants[0].admin, &ins))
		cc := *workshop.payer
		cc.Name = "Kulanz Nachtrag"
		must(t, w.s.CreatePayer(w.tenants[0].admin, &cc))
		steps := []step{
			{name: "insurer refuses after the return", from: insurer, driverMore: true,
				to: func(r *splitRental, _, _ payer.Payer) payer.Cover { return payer.Cover{Mode: payer.ModeDriver} }},
			{name: "a claim turns up for a driver-paid rental", from: driverOnly,
				to: func(r *splitRental, ins, _ payer.Payer) payer.Cover {
					return payer.Cover{Mode: payer.ModePayer, PayerID: ins.ID, ClaimNumber: "SCH-NACH-1", CustomerVIN: "wvw zzz1jz 3w386752"}
				}},
			{name: "manufacturer case becomes a courtesy car", from: maker,
				to: func(r *splitRental, _, cc payer.Payer) payer.Cover {
					return payer.Cover{Mode: payer.ModeInternal, PayerID: cc.ID}
				}},
		}
		for n, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				r := newSplitRental(t, w, st.from, 100+n)
				m := r.m
				_, _, err := w.contracts.Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
				must(t, err)
				before := moneyOf(t, w, r)
				if before.driverOpen != 0 {
					t.Fatalf("billed with %d open", before.driverOpen)
				}
				// an invalid cover: field errors, nothing changes
				bad := payer.Cover{Mode: payer.ModePayer}
				if _, err := w.contracts.PlanResplit(m.admin, r.c.ID, &contract.Correction{Cover: bad}); errs.KindOf(err) != errs.KindInvalid {
					t.Fatalf("payer mode without payer: %v", err)
				}
				cv := st.to(r, ins, cc)
				plan, err := w.contracts.PlanResplit(m.admin, r.c.ID, &contract.Correction{Cover: cv})
				must(t, err)
				if !plan.Changes() || (plan.DriverDelta > 0) != st.driverMore || plan.DriverDelta == 0 {
					t.Fatalf("plan %+v", plan.Docs)
				}
				// the plan changes nothing
				if now := moneyOf(t, w, r); now.docs != before.docs {
					t.Fatalf("planning issued %d documents", now.docs-before.docs)
				}
				// a plan for another cover is stale for this one
				other := payer.Cover{Mode: payer.ModeDriver}
				if cv.Mode == payer.ModeDriver {
					other = payer.Cover{Mode: payer.ModeInternal, PayerID: cc.ID}
				}
				if _, err := w.contracts.Resplit(m.admin, r.c.ID, &contract.Correction{Cover: other}, plan.Token); errs.KindOf(err) != errs.KindConflict {
					t.Fatalf("another cover under the plan's token: %v", err)
				}
				cv = st.to(r, ins, cc)
				done, err := w.contracts.Resplit(m.admin, r.c.ID, &contract.Correction{Cover: cv}, plan.Token)
				must(t, err)
				after := moneyOf(t, w, r)
				if after.docs-before.docs != len(plan.Docs) || len(done.Docs) != len(plan.Docs) {
					t.Fatalf("issued %d documents, the plan listed %d", after.docs-before.docs, len(plan.Docs))
				}
				// the rental's bill is the split's, before and after (a payer's
				// agreed rate makes the rent differ)
				total := func(sp contract.Split) int64 {
					g := sp.Driver.CompensationCents + sp.PayerGross()
					if !sp.NoFinal {
						g += sp.Driver.Totals.Gross
					}
					return g
				}
				if before.driverBilled+before.payerNet != total(plan.Old) || after.driverBilled+after.payerNet != total(plan.New) {
					t.Errorf("bill before %d+%d (split %d), after %d+%d (split %d)", before.driverBilled, before.payerNet, total(plan.Old),
						after.driverBilled, after.payerNet, total(plan.New))
				}
				if after.payerNet != plan.New.PayerGross() || after.payerNet-before.payerNet != plan.PayerAfter-plan.PayerBefore {
					t.Errorf("payers now %d (%+v), the plan said %d", after.payerNet, after.payers, plan.New.PayerGross())
				}
				if after.driverBilled-before.driverBilled != plan.DriverDelta {
					t.Errorf("driver billed %d → %d, plan delta %d", before.driverBilled, after.driverBilled, plan.DriverDelta)
				}
				// the card took or gave back exactly the difference
				if after.driverOpen != 0 || after.cardNet-before.cardNet != plan.DriverDelta {
					t.Errorf("driver open %d, card %d → %d (delta %d)", after.driverOpen, before.cardNet, after.cardNet, plan.DriverDelta)
				}
				c, err := w.s.Contract(m.sys, r.c.ID)
				must(t, err)
				if c.Status != contract.StatusBilled {
					t.Errorf("contract %s after the re-split", c.Status)
				}
				stored, err := w.s.Cover(m.sys, r.res.ID)
				must(t, err)
				if stored.Mode != cv.Mode || stored.PayerID != cv.PayerID || stored.ClaimNumber != cv.ClaimNumber {
					t.Errorf("stored cover %+v, want %+v", stored, cv)
				}
				// the old payer owes nothing any more; the new payer's documents
				// are printed and (external) e-invoiced
				recs, err := w.contracts.Receivables(m.sys, contract.ReceivableFilter{ContractID: r.c.ID})
				must(t, err)
				for _, rc := range recs {
					open := rc.Gross - rc.Credited - rc.Paid
					if rc.PayerID == cv.PayerID && cv.Mode != payer.ModeDriver {
						continue
					}
					if open != 0 {
						t.Errorf("old payer's %s still open %d", rc.Number, open)
					}
				}
				all, err := w.s.ListInvoices(m.sys, invoice.Filter{ContractID: r.c.ID})
				must(t, err)
				for _, d := range all[before.docs:] {
					iss, err := w.s.IssuedInvoice(m.sys, d.ID)
					must(t, err)
					doc, err := w.s.Document(m.sys, d.DocumentID)
					must(t, err)
					text := strings.Join(strings.Fields(testenv.PDFText(t, doc.Data)), " ")
					l := locale.Lang(iss.Language).Or()
					for _, s := range []string{iss.Invoice.Number, l.Money(iss.Totals.Gross)} {
						if !strings.Contains(text, s) {
							t.Errorf("%s PDF lacks %q", d.Number, s)
						}
					}
					if d.Kind == invoice.KindCreditNote && (iss.Invoice.Corrects == nil || d.CorrectsID == 0) {
						t.Errorf("credit note %s corrects nothing", d.Number)
					}
					if f, ok, err := w.s.EInvoiceFile(m.sys, d.ID); err == nil && ok {
						if v := xrechnung.Check(f.Data); len(v) != 0 {
							t.Errorf("%s e-invoice violates %v", d.Number, v)
						}
					}
				}
				// the same plan again: stale, nothing issued
				cv = st.to(r, ins, cc)
				if _, err := w.contracts.Resplit(m.admin, r.c.ID, &contract.Correction{Cover: cv}, plan.Token); !isCode(err, "resplit_stale") {
					t.Errorf("the plan applied twice: %v", err)
				}
				if again := moneyOf(t, w, r); again.docs != after.docs {
					t.Errorf("a second run issued %d documents", again.docs-after.docs)
				}
				w.clk.Advance(24 * time.Hour)
			})
		}
		// a payer invoice with a transfer recorded is not re-split
		t.Run("payer already paid part", func(t *testing.T) {
			r := newSplitRental(t, w, insurer, 120)
			m := r.m
			_, out, err := w.contracts.Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
			must(t, err)
			must(t, w.contracts.RecordPayerTransfer(m.admin, &contract.PayerPayment{InvoiceID: out.PayerInvoices[0].ID, AmountCents: 1000,
				ReceivedOn: w.clk.Now().In(w.loc).Format("2006-01-02"), Reference: "Allianz Abschlag"}))
			before := moneyOf(t, w, r)
			cv := payer.Cover{Mode: payer.ModeDriver}
			if _, err := w.contracts.PlanResplit(m.admin, r.c.ID, &contract.Correction{Cover: cv}); !isCode(err, "resplit_payer_paid") {
				t.Fatalf("paid payer invoice re-split: %v", err)
			}
			if after := moneyOf(t, w, r); after.docs != before.docs {
				t.Fatal("a refused re-split issued documents")
			}
			cov, err := w.s.Cover(m.sys, r.res.ID)
			must(t, err)
			if cov.Mode != payer.ModePayer {
				t.Errorf("refused re-split changed the cover to %s", cov.Mode)
			}
			w.clk.Advance(24 * time.Hour)
		})
	})
}

func isCode(err error, code string) bool {
	e, ok := errs.As(err)
	return ok && string(e.Code) == code
}

// TestCorrectReturnAfterBilling: a return recorded a day late is corrected
// after billing — the bill is recomputed for the real end, the insurer's
// invoice is cancelled and re-issued for its days (when its share
// changed), the driver's difference credited and refunded on the card; the
// car's allocation ends at the corrected time (free for another booking
// then). An end before the handover or in the future is refused with its
// field; nothing changes. Both databases.
func TestCorrectReturnAfterBilling(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		cases := splitCases()
		for n, tc := range []splitCase{cases[3], cases[0]} {
			tc.lang = ""
			t.Run(tc.name, func(t *testing.T) {
				r := newSplitRental(t, w, tc, 140+n)
				m := r.m
				// recorded a day late
				w.clk.Advance(24 * time.Hour)
				_, _, err := w.contracts.Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
				must(t, err)
				c, err := w.s.Contract(m.sys, r.c.ID)
				must(t, err)
				before := moneyOf(t, w, r)
				cv, err := w.s.Cover(m.sys, r.res.ID)
				must(t, err)
				for _, bad := range []time.Time{c.Start.Add(-time.Hour), w.clk.Now().Add(time.Hour)} {
					_, err := w.contracts.PlanResplit(m.admin, r.c.ID, &contract.Correction{Cover: cv, End: bad})
					if e, ok := errs.As(err); !ok || e.Kind != errs.KindInvalid || len(e.Fields) == 0 || e.Fields[0].Field != "ended_at" {
						t.Fatalf("end %v: %v", bad, err)
					}
				}
				real := c.EndedAt.Add(-24 * time.Hour)
				co := &contract.Correction{Cover: cv, End: real}
				plan, err := w.contracts.PlanResplit(m.admin, r.c.ID, co)
				must(t, err)
				if !plan.EndChanged || plan.DriverDelta >= 0 && tc.payer == nil {
					t.Fatalf("plan: end changed %v, driver delta %d", plan.EndChanged, plan.DriverDelta)
				}
				_, err = w.contracts.Resplit(m.admin, r.c.ID, &contract.Correction{Cover: cv, End: real}, plan.Token)
				must(t, err)
				after := moneyOf(t, w, r)
				c, err = w.s.Contract(m.sys, r.c.ID)
				must(t, err)
				if !c.EndedAt.Equal(real) || c.Status != contract.StatusBilled {
					t.Fatalf("contract ends %v (%s), want %v billed", c.EndedAt, c.Status, real)
				}
				// one day less: its rent is no longer billed, but the km included
				// with it are: driver only, 3 days at 69,00 € and 100 km beyond
				// 900 at 0,19 € instead of 4 days (27.600 → 22.600); with the
				// insurer, one day at its 55,00 € less, 300 km at 0,19 € more
				want := map[string]int64{"driver only": 6900 - 100*19, "insurer": 5500 - 300*19}[tc.name]
				if got := (before.driverBilled + before.payerNet) - (after.driverBilled + after.payerNet); got != want {
					t.Errorf("the correction billed %d less, want %d", got, want)
				}
				if after.driverOpen != 0 || after.cardNet-before.cardNet != plan.DriverDelta ||
					after.payerNet != plan.New.PayerGross() || after.driverBilled-before.driverBilled != plan.DriverDelta {
					t.Errorf("after: %+v, plan delta %d, payer %d", after, plan.DriverDelta, plan.New.PayerGross())
				}
				// the billed facts follow the stored end
				bl, ok, err := w.contracts.Billed(m.sys, c.ID)
				must(t, err)
				if !ok || bl.Days != tc.days+1 {
					t.Errorf("billed %d days, want %d", bl.Days, tc.days+1)
				}
				// the car is free from the corrected end
				vs, err := w.s.FreeVehicles(m.sys, m.st.ID, real.Add(time.Hour), real.Add(3*time.Hour), 0)
				must(t, err)
				free := false
				for _, v := range vs {
					free = free || v.ID == c.VehicleID
				}
				if !free {
					t.Errorf("the car is not free after the corrected end")
				}
				w.clk.Advance(24 * time.Hour)
			})
		}
	})
}
