package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
)

// journalWorld is tenant 0 of a world with, in November 2026: an advance
// invoice (two 19 % lines whose per-line rounding differs from the
// document's, one 7 % line), the final invoice deducting it, a credit note
// on the final (all at station 0), a standalone invoice with an e-invoice
// for a business at station 1; one invoice of tenant 1; and one of tenant
// 0 in December.
type journalWorld struct {
	w                           *world
	adv, fin, cn, b2b, dec      *invoice.Issued
	foreign                     *invoice.Issued
	november, december          invoice.JournalQuery
	stationZero, stationOne     context.Context
	admin, foreignAdmin         context.Context
	stationZeroID, stationOneID int64
}

func line(desc string, qtyMilli, unitGross int64, rate int) invoice.Line {
	return invoice.Line{Description: desc, QuantityMilli: qtyMilli, Unit: "piece", UnitGross: unitGross, VATRateBP: rate}
}

func newJournalWorld(t *testing.T, s *store.Store, clk *clock) *journalWorld {
	t.Helper()
	jw := &journalWorld{w: newWorld(t, s)}
	w := jw.w
	jw.admin, jw.foreignAdmin = as(w.actor(0, -1)), as(w.actor(1, -1))
	jw.stationZero, jw.stationOne = as(w.actor(0, 0)), as(w.actor(0, 1))
	jw.stationZeroID, jw.stationOneID = w.stations[0][0].ID, w.stations[0][1].ID
	ctx := sys(w.tenants[0].ID)
	c := testCustomer(t, s, ctx, "weiss@example.de")
	res := booking.Reservation{StationID: w.stations[0][0].ID, CustomerID: c.ID, CategoryID: w.cats[0].ID, VehicleID: w.vehicles[0][0].ID,
		TariffID: w.tariffs[0].ID, Pickup: clk.Now().Add(time.Hour), Return: clk.Now().Add(73 * time.Hour), Status: booking.StatusConfirmed}
	mustNil(t, s.CreateReservation(ctx, &res))
	issue := func(ctx context.Context, iss *invoice.Issued, e bool) {
		t.Helper()
		req := invoice.IssueRequest{Issued: iss, Render: fakeRender, Loc: time.UTC}
		if e {
			req.EInvoice = fakeEInvoice
		}
		mustNil(t, s.IssueInvoice(ctx, req))
		clk.Advance(time.Hour)
	}
	jw.adv = advanceInvoice(c.ID)
	jw.adv.StationID, jw.adv.ReservationID = w.stations[0][0].ID, res.ID
	jw.adv.Invoice.Lines = []invoice.Line{line("Miete", 1000, 1000, 1900), line("Zubehör", 1000, 1000, 1900), line("Buch", 1000, 1070, 700)}
	issue(ctx, jw.adv, false)

	jw.fin = advanceInvoice(c.ID)
	jw.fin.StationID, jw.fin.ReservationID = w.stations[0][0].ID, res.ID
	jw.fin.Invoice.Kind = invoice.KindFinal
	jw.fin.Invoice.Lines = []invoice.Line{line("Miete 3 Tage", 3000, 4900, 1900), line("Buch", 1000, 1070, 700)}
	jw.fin.Invoice.Advances = []invoice.Advance{invoice.AsAdvance(jw.adv.Invoice)}
	issue(ctx, jw.fin, false)

	jw.cn = advanceInvoice(c.ID)
	jw.cn.StationID, jw.cn.ReservationID, jw.cn.CorrectsID = w.stations[0][0].ID, res.ID, jw.fin.ID
	jw.cn.Invoice.Kind = invoice.KindCreditNote
	jw.cn.Invoice.Corrects = &invoice.Reference{Number: jw.fin.Invoice.Number, IssueDate: jw.fin.Invoice.IssueDate}
	jw.cn.Invoice.Lines = []invoice.Line{line("Kulanz", 1000, 500, 1900)}
	issue(ctx, jw.cn, false)

	biz := testCustomer(t, s, ctx, "einkauf@zoe.example")
	jw.b2b = advanceInvoice(biz.ID)
	jw.b2b.StationID = w.stations[0][1].ID
	jw.b2b.Invoice.Kind = invoice.KindStandalone
	jw.b2b.Invoice.Recipient.Name, jw.b2b.Invoice.Recipient.VATID = "Zoe Flotten GmbH", "DE811111111"
	jw.b2b.Invoice.Lines = []invoice.Line{line("Überführung", 2000, 1070, 700)}
	issue(ctx, jw.b2b, true)

	fc := testCustomer(t, s, sys(w.tenants[1].ID), "fremd@example.de")
	jw.foreign = advanceInvoice(fc.ID)
	jw.foreign.StationID = w.stations[1][0].ID
	issue(sys(w.tenants[1].ID), jw.foreign, false)

	clk.t = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	jw.dec = advanceInvoice(c.ID)
	jw.dec.StationID = w.stations[0][0].ID
	issue(ctx, jw.dec, false)

	berlin, err := time.LoadLocation("Europe/Berlin")
	mustNil(t, err)
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, berlin)
	jw.november = invoice.JournalQuery{From: nov, To: nov.AddDate(0, 1, 0)}
	jw.december = invoice.JournalQuery{From: nov.AddDate(0, 1, 0), To: nov.AddDate(0, 2, 0)}
	return jw
}

func journalNumbers(es []invoice.JournalEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Number)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestJournalAmounts: the journal lists a tenant's documents of the period
// newest first with the stored amounts; per rate it books what the
// document's own per-rate totals say (gross of the lines per rate, split
// once — not the sum of the lines' own roundings), a final invoice less
// the advance it deducts, a credit note negative; the per-rate amounts add
// up to the stored invoice totals and the totals to the sum of the entries.
func TestJournalAmounts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		jw := newJournalWorld(t, s, clk)
		es, tot, err := s.Journal(jw.admin, jw.november)
		mustNil(t, err)
		want := []string{jw.b2b.Invoice.Number, jw.cn.Invoice.Number, jw.fin.Invoice.Number, jw.adv.Invoice.Number}
		if got := journalNumbers(es); !equalStrings(got, want) {
			t.Fatalf("journal %v, want %v", got, want)
		}
		byNumber := map[string]invoice.JournalEntry{}
		for _, e := range es {
			byNumber[e.Number] = e
			// the document's amounts as stored
			var net, vat, gross, due int64
			mustNil(t, s.DB().QueryRow(`SELECT net_cents, vat_cents, gross_cents, due_cents FROM invoices WHERE id = $1`, e.ID).
				Scan(&net, &vat, &gross, &due))
			if e.Net != net || e.VAT != vat || e.Gross != gross || e.Due != due {
				t.Errorf("%s: amounts %d/%d/%d/%d, stored %d/%d/%d/%d", e.Number, e.Net, e.VAT, e.Gross, e.Due, net, vat, gross, due)
			}
			// per rate: the lines' gross per rate, split once; the rates add up to the booked amounts
			var rn, rv, rg int64
			for _, r := range e.Rates {
				rn, rv, rg = rn+r.Net, rv+r.VAT, rg+r.Gross
				if r.Net+r.VAT != r.Gross {
					t.Errorf("%s %d: net %d + VAT %d != gross %d", e.Number, r.RateBP, r.Net, r.VAT, r.Gross)
				}
				if e.Kind == invoice.KindFinal {
					continue
				}
				lineGross := int64(count(t, s, `SELECT COALESCE(SUM(gross_cents), 0) FROM invoice_lines WHERE invoice_id = $1 AND vat_rate_bp = $2`,
					e.ID, r.RateBP))
				n, v := invoice.Split(lineGross, r.RateBP)
				if r.Gross != e.Sign()*lineGross || r.Net != e.Sign()*n || r.VAT != e.Sign()*v {
					t.Errorf("%s %d: booked %+v, lines gross %d", e.Number, r.RateBP, r, lineGross)
				}
			}
			if rn != e.BookedNet() || rv != e.BookedVAT() || rg != e.BookedGross() {
				t.Errorf("%s: rates add up to %d/%d/%d, booked %d/%d/%d", e.Number, rn, rv, rg, e.BookedNet(), e.BookedVAT(), e.BookedGross())
			}
		}

		adv := byNumber[jw.adv.Invoice.Number]
		// two 1000-cent lines at 19 %: 840 net each by the line, but the document says 1681 net on 2000 gross
		if r := adv.Rate(1900); r.Net != 1681 || r.VAT != 319 || r.Gross != 2000 {
			t.Errorf("advance at 19 %%: %+v, want 1681/319/2000", r)
		}
		if n := count(t, s, `SELECT SUM(net_cents) FROM invoice_lines WHERE invoice_id = $1 AND vat_rate_bp = 1900`, adv.ID); n != 1680 {
			t.Errorf("the fixture no longer rounds per line differently (%d)", n)
		}
		if r := adv.Rate(700); r.Net != 1000 || r.VAT != 70 {
			t.Errorf("advance at 7 %%: %+v", r)
		}
		fin := byNumber[jw.fin.Invoice.Number]
		if fin.Gross != 15770 || fin.DeductedGross != 3070 || fin.DeductedNet != 2681 || fin.Due != 12700 {
			t.Errorf("final as stored: %+v", fin)
		}
		// 14700 gross at 19 % is 12353 net; less the advance's 1681; 7 %: 1070 less 1070
		if r := fin.Rate(1900); r.Net != 10672 || r.VAT != 2028 || r.Gross != 12700 {
			t.Errorf("final at 19 %%: %+v", r)
		}
		if r := fin.Rate(700); r.Net != 0 || r.VAT != 0 || r.Gross != 0 {
			t.Errorf("final at 7 %%: %+v", r)
		}
		if fin.BookedGross() != fin.Due || fin.ReservationNumber == "" || fin.StationName != "Station 0-0" {
			t.Errorf("final booked %d, due %d, labels %q %q", fin.BookedGross(), fin.Due, fin.ReservationNumber, fin.StationName)
		}
		cn := byNumber[jw.cn.Invoice.Number]
		if r := cn.Rate(1900); r.Net != -420 || r.VAT != -80 || r.Gross != -500 || cn.BookedGross() != -500 || cn.CorrectsNumber != jw.fin.Invoice.Number {
			t.Errorf("credit note: %+v booked %d corrects %q", r, cn.BookedGross(), cn.CorrectsNumber)
		}
		b2b := byNumber[jw.b2b.Invoice.Number]
		if b2b.CustomerName != "Zoe Flotten GmbH" || b2b.CustomerVATID != "DE811111111" || !b2b.HasEInvoice || adv.HasEInvoice ||
			b2b.StationName != "Station 0-1" || b2b.ReservationID != 0 || b2b.DocumentID == 0 {
			t.Errorf("standalone: %+v", b2b)
		}
		if adv.CustomerName != "Jürgen Weiß" || adv.SHA256 == "" || adv.DocumentID == 0 {
			t.Errorf("advance labels: %+v", adv)
		}

		wantTot := invoice.JournalTotals{Documents: 4, Net: 2681 + 10672 - 420 + 2000, VAT: 389 + 2028 - 80 + 140, Gross: 3070 + 12700 - 500 + 2140}
		if tot.Documents != wantTot.Documents || tot.Net != wantTot.Net || tot.VAT != wantTot.VAT || tot.Gross != wantTot.Gross {
			t.Errorf("totals %+v, want %+v", tot, wantTot)
		}
		if len(tot.Rates) != 2 || tot.Rates[0] != (invoice.RateTotal{RateBP: 1900, Net: 11933, VAT: 2267, Gross: 14200}) ||
			tot.Rates[1] != (invoice.RateTotal{RateBP: 700, Net: 3000, VAT: 210, Gross: 3210}) {
			t.Errorf("per-rate totals %+v", tot.Rates)
		}

		// a page: the totals stay those of the whole period
		page, ptot, err := s.Journal(jw.admin, invoice.JournalQuery{From: jw.november.From, To: jw.november.To, Limit: 2, Offset: 2})
		mustNil(t, err)
		if got := journalNumbers(page); !equalStrings(got, want[2:]) || ptot.Documents != 4 || ptot.Gross != wantTot.Gross {
			t.Errorf("page 2: %v, totals %+v", got, ptot)
		}
	})
}

// TestJournalScopeAndFilters: station users see only their stations'
// documents, no one another tenant's; kind, station, search and period
// filter; a bad kind or period is invalid.
func TestJournalScopeAndFilters(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		jw := newJournalWorld(t, s, clk)
		n := jw.november
		with := func(f func(q *invoice.JournalQuery)) invoice.JournalQuery {
			q := n
			f(&q)
			return q
		}
		cases := []struct {
			name string
			ctx  context.Context
			q    invoice.JournalQuery
			want []string
		}{
			{"station 0 user", jw.stationZero, n, []string{jw.cn.Invoice.Number, jw.fin.Invoice.Number, jw.adv.Invoice.Number}},
			{"station 1 user", jw.stationOne, n, []string{jw.b2b.Invoice.Number}},
			{"station 1 user asks for station 0", jw.stationOne, with(func(q *invoice.JournalQuery) { q.StationID = jw.stationZeroID }), nil},
			{"other tenant's admin", jw.foreignAdmin, n, []string{jw.foreign.Invoice.Number}},
			{"credit notes", jw.admin, with(func(q *invoice.JournalQuery) { q.Kind = invoice.KindCreditNote }), []string{jw.cn.Invoice.Number}},
			{"finals", jw.admin, with(func(q *invoice.JournalQuery) { q.Kind = invoice.KindFinal }), []string{jw.fin.Invoice.Number}},
			{"station 1", jw.admin, with(func(q *invoice.JournalQuery) { q.StationID = jw.stationOneID }), []string{jw.b2b.Invoice.Number}},
			{"search name", jw.admin, with(func(q *invoice.JournalQuery) { q.Search = "  FLOTTEN " }), []string{jw.b2b.Invoice.Number}},
			{"search number", jw.admin, with(func(q *invoice.JournalQuery) { q.Search = jw.cn.Invoice.Number }), []string{jw.cn.Invoice.Number}},
			{"search is no pattern", jw.admin, with(func(q *invoice.JournalQuery) { q.Search = "%" }), nil},
			{"december", jw.admin, jw.december, []string{jw.dec.Invoice.Number}},
			{"december, other tenant", jw.foreignAdmin, jw.december, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				es, tot, err := s.Journal(tc.ctx, tc.q)
				mustNil(t, err)
				if got := journalNumbers(es); !equalStrings(got, tc.want) || tot.Documents != len(tc.want) {
					t.Errorf("got %v (%d), want %v", got, tot.Documents, tc.want)
				}
			})
		}
		// the station 0 user's totals are its documents' only
		_, tot, err := s.Journal(jw.stationZero, n)
		mustNil(t, err)
		if tot.Gross != 3070+12700-500 {
			t.Errorf("station 0 totals %+v", tot)
		}
		for _, q := range []invoice.JournalQuery{
			with(func(q *invoice.JournalQuery) { q.Kind = "bogus" }),
			with(func(q *invoice.JournalQuery) { q.To = q.From }),
		} {
			if _, _, err := s.Journal(jw.admin, q); !errs.Is(err, errs.KindInvalid) {
				t.Errorf("bad query %+v: %v", q, err)
			}
		}
		if _, _, err := s.Journal(context.Background(), n); err == nil {
			t.Error("journal without an actor")
		}
	})
}

// TestJournalFiles: each entry's stored PDF and, for the business
// customer's invoice, its XML are handed over exactly as stored, one at a
// time and in order; another station's documents are not read.
func TestJournalFiles(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		jw := newJournalWorld(t, s, clk)
		es, _, err := s.Journal(jw.admin, jw.november)
		mustNil(t, err)
		var seen []string
		mustNil(t, s.EachJournalFile(jw.admin, es, func(f invoice.JournalFile) error {
			seen = append(seen, f.Entry.Number)
			sum := sha256.Sum256(f.PDF)
			if hex.EncodeToString(sum[:]) != f.Entry.SHA256 {
				t.Errorf("%s: PDF bytes differ from the stored hash", f.Entry.Number)
			}
			if want, _ := fakeRender(invoice.Invoice{Number: f.Entry.Number}); !bytes.Equal(f.PDF, want) {
				t.Errorf("%s: PDF %q", f.Entry.Number, f.PDF)
			}
			if f.Entry.Number == jw.b2b.Invoice.Number {
				if want, _ := fakeEInvoice(invoice.Invoice{Number: f.Entry.Number}); !bytes.Equal(f.XML, want.Data) {
					t.Errorf("XML %q", f.XML)
				}
			} else if f.XML != nil {
				t.Errorf("%s: XML without an e-invoice", f.Entry.Number)
			}
			return nil
		}))
		if !equalStrings(seen, journalNumbers(es)) {
			t.Errorf("files of %v, want %v", seen, journalNumbers(es))
		}
		// the station 1 user cannot read station 0's documents by naming them
		err = s.EachJournalFile(jw.stationOne, es, func(f invoice.JournalFile) error {
			if f.Entry.Number != jw.b2b.Invoice.Number {
				t.Errorf("read %s", f.Entry.Number)
			}
			return nil
		})
		if !errs.Is(err, errs.KindNotFound) {
			t.Errorf("other station's files: %v", err)
		}
	})
}
