package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/web"
)

// fineEnv is the admin UI with a contract service that charges cards on
// the Telecash simulator, and one returned contract of the Regensburg
// station (with the customer's card stored when card is set).
type fineEnv struct {
	*ctEnv
	svc *contract.Service
	ct  contract.Contract
	ctx context.Context // the station user
}

func newFineEnv(t *testing.T, d store.Dialect, card bool) *fineEnv {
	t.Helper()
	return newFineEnvWith(t, d, card, nil)
}

// newFineEnvWith is newFineEnv with the contract service's documents
// rendered by rnd (nil: the PDF renderer).
func newFineEnvWith(t *testing.T, d store.Dialect, card bool, rnd document.Renderer) *fineEnv {
	t.Helper()
	ce := newCtEnv(t, d)
	s := ce.store
	sim, err := telecashsim.NewServer("127.0.0.1:0", telecashsim.Options{})
	must(t, err)
	t.Cleanup(func() { sim.Close() })
	gw, err := telecash.New(telecash.Config{BaseURL: sim.URL, APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret,
		StoreID: telecashsim.DefaultStoreID, Timeout: 5 * time.Second})
	must(t, err)
	deps := storeContractDeps(s, ce.clk.Now)
	deps.Payments = payment.NewService(s, payment.SingleGateway{G: gw}, payment.Config{}, nil, nil, nil)
	if rnd != nil {
		deps.Renderer = rnd
	}
	svc := contract.NewService(deps)
	ce.srv.Close()
	ce.srv = httptest.NewServer(web.New(web.Deps{Identity: ce.id, Users: s, Tenancy: s, Now: ce.clk.Now,
		Fleet: s, Damages: s, Categories: s, Pricing: s, Tariffs: s, Mail: s, Bookings: s,
		Contracts: svc, ContractData: s, Attention: s, Logger: slog.New(slog.NewJSONHandler(ce.log, nil))}))
	t.Cleanup(ce.srv.Close)

	tn, err := s.Tenant(ce.sys())
	must(t, err)
	tn.Street, tn.PostalCode, tn.City, tn.Country, tn.VATID = "Hauptstr. 1", "93047", "Regensburg", "DE", "DE123456789"
	tn.FineFeeCents = 2380
	must(t, s.UpdateTenant(ce.sys(), &tn))
	reg := ce.res["reg"]
	ctx := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: ce.tenant.ID,
		UserID: ce.station.ID, Name: "Stefan Station", Role: identity.RoleStation, StationIDs: []int64{ce.reg.ID}})
	if card {
		tok, err := gw.CreateToken(ctx, payment.TokenCreate{MerchantTransactionID: payment.RandomID(),
			Card: payment.Card{Number: telecashsim.CardApproveVisa, ExpMonth: 12, ExpYear: 2030}})
		must(t, err)
		must(t, s.SaveCard(ctx, &payment.StoredCard{CustomerID: reg.CustomerID, Token: tok.Token,
			Card: payment.CardInfo{Brand: "visa", Last4: "1111", ExpMonth: 12, ExpYear: 2030}}))
	}
	c, err := svc.Handover(ctx, &contract.Handover{ReservationID: reg.ID, LicenceChecked: true, TimingConfirmed: true,
		Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Eva", LastName: "Muster", BirthDate: "1985-03-14",
			LicenceNumber: "B072RRE2I55", LicenceClass: "B", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}},
		Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 5000, FuelEighths: 8, Cleanliness: "clean", SignerName: "Eva Muster"}})
	must(t, err)
	ce.clk.Advance(26 * time.Hour)
	_, _, err = svc.Return(ctx, &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt",
		OdometerKM: 5200, FuelEighths: 8, Cleanliness: "clean"}})
	must(t, err)
	c, err = s.Contract(ctx, c.ID)
	must(t, err)
	ce.clk.Advance(30 * 24 * time.Hour) // the authority writes weeks later
	return &fineEnv{ctEnv: ce, svc: svc, ct: c, ctx: ctx}
}

// local is t as a datetime-local value in the station's time zone.
func (fe *fineEnv) local(t time.Time) string {
	return t.In(fe.reg.Location()).Format("2006-01-02T15:04")
}

func (fe *fineEnv) fineForm(c *client, edit func(url.Values)) url.Values {
	f := url.Values{"csrf": {c.token(fmt.Sprintf("/admin/fines/new?contract=%d", fe.ct.ID))}, "contract_id": {fmt.Sprint(fe.ct.ID)},
		"kind": {"fine"}, "authority_name": {"Stadt Regensburg, Bußgeldstelle"}, "authority_address": {"D.-Martin-Luther-Str. 1\n93047 Regensburg"},
		"reference": {"AZ 4711/26"}, "offence_at": {fe.local(fe.ct.Start.Add(3 * time.Hour))}, "place": {"Regensburg, Kumpfmühler Str."},
		"offence": {"Geschwindigkeit um 21 km/h überschritten"}, "amount": {"70,00"}}
	if edit != nil {
		edit(f)
	}
	return f
}

// TestFineRecordRoundTrip: "Vorgang erfassen" stores a fine on the
// contract and reads it back as typed; bad input (no reference, an
// offence time outside the rental, a negative amount, no authority, a
// reference the contract has) gets field errors and stores nothing; the
// list shows the case with its status; another tenant does not see it.
func TestFineRecordRoundTrip(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		fe := newFineEnv(t, d, false)
		c := fe.client(t)
		c.mustLogin(stationEmail)
		for _, tc := range []struct {
			name  string
			edit  func(url.Values)
			field string
		}{
			{"no reference", func(f url.Values) { f.Set("reference", "  ") }, "reference"},
			{"before the handover", func(f url.Values) { f.Set("offence_at", fe.local(fe.ct.Start.Add(-time.Hour))) }, "offence_at"},
			{"at the return", func(f url.Values) { f.Set("offence_at", fe.local(*fe.ct.EndedAt)) }, "offence_at"},
			{"no time", func(f url.Values) { f.Set("offence_at", "gestern") }, "offence_at"},
			{"negative amount", func(f url.Values) { f.Set("amount", "-5,00") }, "amount"},
			{"no authority", func(f url.Values) { f.Set("authority_name", "") }, "authority_name"},
			{"unknown kind", func(f url.Values) { f.Set("kind", "speeding") }, "kind"},
		} {
			p := c.post("/admin/fines/new", fe.fineForm(c, tc.edit))
			if p.status != http.StatusUnprocessableEntity || p.fieldErrors()[tc.field] == "" {
				t.Errorf("%s: %d, field errors %v", tc.name, p.status, p.fieldErrors())
			}
		}
		if fs, err := fe.svc.ListFines(fe.ctx, contract.FineFilter{}); err != nil || len(fs) != 0 {
			t.Fatalf("refused input stored fines: %v %v", fs, err)
		}

		p := c.post("/admin/fines/new", fe.fineForm(c, nil))
		wantStatus(t, p, http.StatusOK)
		if !strings.HasPrefix(p.url.Path, "/admin/fines/") {
			t.Fatalf("after recording: %s", p.url)
		}
		wantContains(t, p, "Vorgang erfasst.", "AZ 4711/26", "Stadt Regensburg, Bußgeldstelle", "70,00 €", fe.ct.Number, "Erfasst")
		fs, err := fe.svc.ListFines(fe.ctx, contract.FineFilter{})
		must(t, err)
		if len(fs) != 1 {
			t.Fatalf("fines: %+v", fs)
		}
		got, err := fe.svc.Fine(fe.ctx, fs[0].ID)
		must(t, err)
		want := contract.Fine{ID: got.ID, ContractID: fe.ct.ID, Kind: "fine", AuthorityName: "Stadt Regensburg, Bußgeldstelle",
			AuthorityAddress: "D.-Martin-Luther-Str. 1\n93047 Regensburg", Reference: "AZ 4711/26", Place: "Regensburg, Kumpfmühler Str.",
			Offence: "Geschwindigkeit um 21 km/h überschritten", AmountCents: 7000, Status: contract.FineRecorded,
			ContractNumber: fe.ct.Number, Plate: "R-CT 11"}
		if !got.OffenceAt.Equal(fe.ct.Start.Add(3*time.Hour).Truncate(time.Minute)) || got.Kind != want.Kind ||
			got.AuthorityName != want.AuthorityName || got.AuthorityAddress != want.AuthorityAddress || got.Reference != want.Reference ||
			got.Place != want.Place || got.Offence != want.Offence || got.AmountCents != want.AmountCents || got.Status != want.Status ||
			got.ContractNumber != want.ContractNumber || got.Plate != want.Plate || got.ContractID != want.ContractID {
			t.Fatalf("read back %+v\nwant %+v", got, want)
		}
		// the same reference again on this contract is refused
		p = c.post("/admin/fines/new", fe.fineForm(c, nil))
		if p.status != http.StatusUnprocessableEntity || p.fieldErrors()["reference"] == "" {
			t.Fatalf("duplicate reference: %d %v", p.status, p.fieldErrors())
		}
		p = c.get("/admin/fines/cases")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, fmt.Sprintf(`data-fine="%d"`, got.ID), "AZ 4711/26", "R-CT 11", "Erfasst")
		// the contract's history says it as a sentence
		p = c.get(fmt.Sprintf("/admin/contracts/%d", fe.ct.ID))
		wantContains(t, p, "Bußgeld / Anhörung erfasst: Stadt Regensburg, Bußgeldstelle, Aktenzeichen AZ 4711/26",
			fmt.Sprintf(`<a href="/admin/fines/%d">Bußgeld / Anhörung AZ 4711/26</a>`, got.ID))
		if _, err := fe.svc.Fine(fe.foreign, got.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("another tenant reads the fine: %v", err)
		}
	})
}

// TestFineFeeChargedOnce: the fee is shown to confirm first (nothing
// charged), then charged once to the stored card although the confirmed
// form is sent again and twice at the same time: one approved charge on
// the gateway, one invoice, equal to the tenant's fee and the fee the
// letter names; the fine says "Gebühr berechnet" and the history has the
// sentence. Without a card the fee is invoiced, open, once.
func TestFineFeeChargedOnce(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		for _, card := range []bool{true, false} {
			t.Run(fmt.Sprintf("card=%v", card), func(t *testing.T) {
				fe := newFineEnv(t, d, card)
				s := fe.store
				f := contract.Fine{ContractID: fe.ct.ID, Kind: contract.FineKindToll, AuthorityName: "Toll Collect GmbH",
					Reference: "TC-99812", OffenceAt: fe.ct.Start.Add(time.Hour), AmountCents: 1234}
				must(t, fe.svc.RecordFine(fe.ctx, &f))
				c := fe.client(t)
				c.mustLogin(stationEmail)
				path := fmt.Sprintf("/admin/fines/%d", f.ID)
				csrf := c.token(path)
				feeCharges := func() []payment.Record {
					t.Helper()
					recs, err := s.ListPayments(fe.ctx, payment.RecordFilter{ReservationID: fe.ct.ReservationID})
					must(t, err)
					var out []payment.Record
					for _, r := range recs {
						if r.Purpose == contract.PurposeFineFee {
							out = append(out, r)
						}
					}
					return out
				}
				invoices := func() []invoice.Summary {
					t.Helper()
					docs, err := s.ListInvoices(fe.ctx, invoice.Filter{ContractID: fe.ct.ID})
					must(t, err)
					var out []invoice.Summary
					for _, d := range docs {
						if d.Kind == invoice.KindStandalone {
							out = append(out, d)
						}
					}
					return out
				}

				p := c.post(path+"/fee", url.Values{"csrf": {csrf}})
				wantStatus(t, p, http.StatusOK)
				confirm := "23,80 € jetzt der hinterlegten Karte des Kunden belasten?"
				if !card {
					confirm = "Der Kunde hat keine hinterlegte Karte: eine Rechnung über 23,80 € ausstellen?"
				}
				wantContains(t, p, `id="fine-fee-confirm"`, confirm, `name="confirm_cents" value="2380"`)
				if n := len(feeCharges()) + len(invoices()); n != 0 {
					t.Fatalf("charged before the confirmation: %d", n)
				}
				// a confirmation of another amount (the fee changed meanwhile) charges nothing
				p = c.post(path+"/fee", url.Values{"csrf": {csrf}, "confirm_cents": {"1500"}})
				if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Die Bearbeitungsgebühr hat sich geändert") || len(invoices()) != 0 {
					t.Fatalf("other amount: %d %s, %d invoices", p.status, p.alert(), len(invoices()))
				}

				form := url.Values{"csrf": {csrf}, "confirm_cents": {"2380"}}
				var wg sync.WaitGroup
				for range 3 { // a double click, and one more
					wg.Add(1)
					go func() {
						defer wg.Done()
						c.post(path+"/fee", form)
					}()
				}
				wg.Wait()
				p = c.post(path+"/fee", form) // and a retry afterwards
				wantStatus(t, p, http.StatusOK)
				wantContains(t, p, "Die Bearbeitungsgebühr war schon berechnet; es wurde nichts erneut berechnet.", "Gebühr berechnet",
					"Bearbeitungsgebühr von 23,80 € berechnet.")

				invs := invoices()
				if len(invs) != 1 || invs[0].Gross != 2380 {
					t.Fatalf("fee invoices: %+v", invs)
				}
				ch := feeCharges()
				if card {
					if len(ch) != 1 || ch[0].Status != payment.StatusApproved || ch[0].Amount.Cents != invs[0].Gross {
						t.Fatalf("fee charges: %+v", ch)
					}
				} else if len(ch) != 0 {
					t.Fatalf("charged without a card: %+v", ch)
				}
				got, err := fe.svc.Fine(fe.ctx, f.ID)
				must(t, err)
				if got.Status != contract.FineFeeCharged || got.FeeCents != 2380 || got.FeeInvoiceID != invs[0].ID {
					t.Fatalf("fine after the fee: %+v", got)
				}
				sentence := "Bearbeitungsgebühr 23,80 € zu Aktenzeichen TC-99812 in Rechnung gestellt (" + invs[0].Number + ")"
				if card {
					sentence = "Bearbeitungsgebühr 23,80 € zu Aktenzeichen TC-99812 der Karte belastet (" + invs[0].Number + ")"
				}
				wantContains(t, p, sentence)
				// the letter names the fee charged and the invoice
				_, _, pdf, err := fe.svc.FineDocument(fe.ctx, f.ID, contract.FineDocLetter)
				must(t, err)
				text := strings.Join(strings.Fields(testenv.PDFText(t, pdf)), " ")
				for _, want := range []string{"23,80 €", invs[0].Number, "TC-99812"} {
					if !strings.Contains(text, want) {
						t.Errorf("letter lacks %q:\n%s", want, text)
					}
				}
				// the tenant's fee changes later: the case keeps what was charged
				tn, err := s.Tenant(fe.sys())
				must(t, err)
				tn.FineFeeCents = 5000
				must(t, s.UpdateTenant(fe.sys(), &tn))
				if out, err := fe.svc.ChargeFineFee(fe.ctx, f.ID, 5000); err != nil || !out.Already || out.Cents != 2380 {
					t.Fatalf("after the fee changed: %+v %v", out, err)
				}
				if len(invoices()) != 1 || len(feeCharges()) != len(ch) {
					t.Fatal("charged again")
				}
			})
		}
	})
}

// TestFineDocuments: the keeper's answer names the authority's
// reference, the car, and the driver with date of birth, address and
// licence number as the contract holds them; the letter goes to the
// customer in their language and can be e-mailed through the outbox.
func TestFineDocuments(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		fe := newFineEnv(t, d, false)
		f := contract.Fine{ContractID: fe.ct.ID, Kind: contract.FineKindFine, AuthorityName: "Stadt Regensburg, Bußgeldstelle",
			AuthorityAddress: "D.-Martin-Luther-Str. 1\n93047 Regensburg", Reference: "AZ 4711/26", OffenceAt: fe.ct.Start.Add(time.Hour),
			Place: "A3 km 412", AmountCents: 7000}
		must(t, fe.svc.RecordFine(fe.ctx, &f))
		c := fe.client(t)
		c.mustLogin(stationEmail)
		path := fmt.Sprintf("/admin/fines/%d", f.ID)
		p := c.post(path+"/answer", url.Values{"csrf": {c.token(path)}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Halterauskunft erstellt.", "Beantwortet", `href="`+path+`/answer.pdf"`, `href="`+path+`/letter.pdf"`)

		text := func(doc string) string {
			t.Helper()
			p := c.get(path + "/" + doc)
			wantStatus(t, p, http.StatusOK)
			if ct := p.header.Get("Content-Type"); ct != "application/pdf" {
				t.Fatalf("%s: %s", doc, ct)
			}
			if err := os.WriteFile(filepath.Join(testenv.ArtifactsDir(t), doc), []byte(p.body), 0o644); err != nil {
				t.Log(err)
			}
			return strings.Join(strings.Fields(testenv.PDFText(t, []byte(p.body))), " ")
		}
		answer := text("answer.pdf")
		v, err := fe.store.Vehicle(fe.ctx, fe.ct.VehicleID)
		must(t, err)
		for _, want := range []string{"Halterauskunft zu Ihrem Aktenzeichen AZ 4711/26", "Stadt Regensburg, Bußgeldstelle", "93047 Regensburg",
			"Eva Muster", "14.03.1985", "B072RRE2I55", "R-CT 11", fe.ct.Number, "A3 km 412", "Weg 1"} {
			if !strings.Contains(answer, want) {
				t.Errorf("answer lacks %q:\n%s", want, answer)
			}
		}
		if v.VIN != "" && !strings.Contains(answer, v.VIN) {
			t.Errorf("answer lacks the VIN %s", v.VIN)
		}
		letter := text("letter.pdf")
		for _, want := range []string{"AZ 4711/26", "Stadt Regensburg, Bußgeldstelle", "übermittelt", "23,80 €"} {
			if !strings.Contains(letter, want) {
				t.Errorf("letter lacks %q:\n%s", want, letter)
			}
		}
		// in English for a customer who reads English
		cu, err := fe.store.Customer(fe.ctx, fe.ct.CustomerID)
		must(t, err)
		cu.Language = "en"
		must(t, fe.store.UpdateCustomer(fe.sys(), &cu))
		letter = text("letter.pdf")
		if !strings.Contains(letter, "has written to us as the keeper") || !strings.Contains(letter, "AZ 4711/26") {
			t.Errorf("English letter:\n%s", letter)
		}
		// e-mailed through the outbox
		p = c.post(path+"/send", url.Values{"csrf": {c.token(path)}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Schreiben an den Kunden gesendet.", `id="fine-letter-sent"`)
		msgs, _, err := fe.store.ListEmails(fe.sys(), mail.Filter{Limit: 50})
		must(t, err)
		n := 0
		for _, m := range msgs {
			if m.Message.Kind == mail.KindFineLetter {
				n++
				if m.Links.ContractID != fe.ct.ID {
					t.Errorf("letter mail: %+v", m.Links)
				}
			}
		}
		if n != 1 {
			t.Fatalf("%d letter mails", n)
		}
	})
}

// TestFineFeeResumesAfterFailedInvoice: the card is charged but the fee's
// invoice fails to render. Nothing is marked charged; the next click
// finds the approved charge by its order id and only issues the invoice:
// one charge, one invoice of the same amount.
func TestFineFeeResumesAfterFailedInvoice(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		rnd := &failingInvoices{Renderer: pdf.New()}
		fe := newFineEnvWith(t, d, true, rnd)
		f := contract.Fine{ContractID: fe.ct.ID, Kind: contract.FineKindParking, AuthorityName: "Stadt Regensburg",
			Reference: "PK-1", OffenceAt: fe.ct.Start.Add(time.Hour), AmountCents: 2500}
		must(t, fe.svc.RecordFine(fe.ctx, &f))
		rnd.fail.Store(1)
		if _, err := fe.svc.ChargeFineFee(fe.ctx, f.ID, 2380); err == nil || !strings.Contains(err.Error(), "renderer down") {
			t.Fatalf("with a failing renderer: %v", err)
		}
		got, err := fe.svc.Fine(fe.ctx, f.ID)
		must(t, err)
		if got.Status == contract.FineFeeCharged || got.FeeInvoiceID != 0 {
			t.Fatalf("marked charged without an invoice: %+v", got)
		}
		out, err := fe.svc.ChargeFineFee(fe.ctx, f.ID, 2380)
		must(t, err)
		if out.Already || !out.Card || out.Cents != 2380 || out.InvoiceNumber == "" {
			t.Fatalf("resumed: %+v", out)
		}
		recs, err := fe.store.ListPayments(fe.ctx, payment.RecordFilter{ReservationID: fe.ct.ReservationID})
		must(t, err)
		n := 0
		for _, r := range recs {
			if r.Purpose == contract.PurposeFineFee {
				n++
			}
		}
		docs, err := fe.store.ListInvoices(fe.ctx, invoice.Filter{ContractID: fe.ct.ID})
		must(t, err)
		fees := 0
		for _, d := range docs {
			if d.Kind == invoice.KindStandalone && d.Gross == 2380 {
				fees++
			}
		}
		if n != 1 || fees != 1 {
			t.Fatalf("%d fee charges, %d fee invoices; want one each", n, fees)
		}
	})
}

// TestFineFeeDeclinedThenInvoiced: the stored card declines the fee
// (the simulator declines it): nothing is issued and the case stays open;
// "Stattdessen Rechnung ausstellen" then invoices the fee with the amount
// open, once, without another charge.
func TestFineFeeDeclinedThenInvoiced(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		fe := newFineEnv(t, d, true)
		s := fe.store
		f := contract.Fine{ContractID: fe.ct.ID, Kind: contract.FineKindParking, AuthorityName: "Stadt Regensburg",
			Reference: "PK-7", OffenceAt: fe.ct.Start.Add(time.Hour), AmountCents: 2500}
		must(t, fe.svc.RecordFine(fe.ctx, &f))
		// the card is replaced by one the simulator declines
		must(t, s.SaveCard(fe.ctx, &payment.StoredCard{CustomerID: fe.ct.CustomerID, Token: "tok-declines-fine",
			Card: payment.CardInfo{Brand: "visa", Last4: "0002", ExpMonth: 12, ExpYear: 2030}}))
		c := fe.client(t)
		c.mustLogin(stationEmail)
		path := fmt.Sprintf("/admin/fines/%d", f.ID)
		csrf := c.token(path)
		p := c.post(path+"/fee", url.Values{"csrf": {csrf}, "confirm_cents": {"2380"}})
		if p.status != http.StatusPaymentRequired || p.alert() == "" {
			t.Fatalf("declined card: %d %q", p.status, p.alert())
		}
		fees := func() (approved int, invs []invoice.Summary) {
			t.Helper()
			recs, err := s.ListPayments(fe.ctx, payment.RecordFilter{ReservationID: fe.ct.ReservationID})
			must(t, err)
			for _, r := range recs {
				if r.Purpose == contract.PurposeFineFee && r.Status == payment.StatusApproved {
					approved++
				}
			}
			docs, err := s.ListInvoices(fe.ctx, invoice.Filter{ContractID: fe.ct.ID})
			must(t, err)
			for _, d := range docs {
				if d.Kind == invoice.KindStandalone {
					invs = append(invs, d)
				}
			}
			return approved, invs
		}
		if n, invs := fees(); n != 0 || len(invs) != 0 {
			t.Fatalf("after the decline: %d charges, %d invoices", n, len(invs))
		}
		p = c.post(path+"/fee", url.Values{"csrf": {csrf}})
		wantContains(t, p, `id="fine-fee-invoice"`)
		for range 2 {
			p = c.post(path+"/fee", url.Values{"csrf": {csrf}, "confirm_cents": {"2380"}, "to": {"invoice"}})
			wantStatus(t, p, http.StatusOK)
		}
		wantContains(t, p, "Gebühr berechnet", "in Rechnung gestellt")
		n, invs := fees()
		if n != 0 || len(invs) != 1 || invs[0].Gross != 2380 || invs[0].Due != 2380 {
			t.Fatalf("invoiced: %d charges, %+v", n, invs)
		}
	})
}
