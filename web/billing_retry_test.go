package web_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/web"
)

// failingInvoices renders with the real PDF renderer but fails the first
// `fail` invoice renderings (protocols and contracts always work).
type failingInvoices struct {
	document.Renderer
	fail  atomic.Int32
	crash atomic.Int32 // the next renderings that panic (a bug hit by the invoice's data)
}

func (r *failingInvoices) Invoice(ctx context.Context, d document.InvoiceDoc) ([]byte, error) {
	if r.crash.Add(-1) >= 0 {
		panic("test: a bug hit by this invoice")
	}
	if r.fail.Add(-1) >= 0 {
		return nil, errors.New("renderer down")
	}
	return r.Renderer.Invoice(ctx, d)
}

// TestBillingResumesAfterFailedInvoice: the final invoice fails after the
// card was charged. The contract goes back to "returned" (not "billed"
// without an invoice); "bill now" then issues the missing final invoice
// without charging again: one final invoice, one approved charge on the
// simulator, the ledger balances. A further "bill now" is refused. In
// "resume-crash" the resume job's first attempt crashes: the job goes on,
// the contract page shows staff the note, the job leaves the contract
// alone for the back-off and then bills it (the note goes).
func TestBillingResumesAfterFailedInvoice(t *testing.T) {
	for _, mode := range []string{"bill-now", "resume", "resume-crash"} {
		t.Run(mode, func(t *testing.T) {
			testBillingRetry(t, mode)
		})
	}
}

func testBillingRetry(t *testing.T, mode string) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		s := ce.store
		sim, err := telecashsim.NewServer("127.0.0.1:0", telecashsim.Options{})
		must(t, err)
		t.Cleanup(func() { sim.Close() })
		gw, err := telecash.New(telecash.Config{BaseURL: sim.URL, APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret,
			StoreID: telecashsim.DefaultStoreID, Timeout: 5 * time.Second})
		must(t, err)
		pay := payment.NewService(s, payment.SingleGateway{G: gw}, payment.Config{}, nil, nil, nil)
		rnd := &failingInvoices{Renderer: pdf.New()}
		deps := storeContractDeps(s, ce.clk.Now)
		deps.Payments, deps.Renderer = pay, rnd
		deps.Jobs = &job.Runner{Store: s, Log: slog.New(slog.NewJSONHandler(ce.log, nil)), Now: ce.clk.Now}
		svc := contract.NewService(deps)
		ce.srv.Close()
		ce.srv = httptest.NewServer(web.New(web.Deps{Identity: ce.id, Users: s, Tenancy: s, Now: ce.clk.Now,
			Fleet: s, Damages: s, Categories: s, Pricing: s, Tariffs: s, Mail: s, Bookings: s,
			Contracts: svc, ContractData: s, Attention: s, Logger: slog.New(slog.NewJSONHandler(ce.log, nil))}))
		t.Cleanup(ce.srv.Close)

		tn, err := s.Tenant(ce.sys())
		must(t, err)
		tn.Street, tn.PostalCode, tn.City, tn.Country, tn.VATID = "Hauptstr. 1", "93047", "Regensburg", "DE", "DE123456789"
		must(t, s.UpdateTenant(ce.sys(), &tn))
		reg := ce.res["reg"]
		ctx := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: ce.tenant.ID,
			UserID: ce.station.ID, Name: "Rita Regensburg", Role: identity.RoleStation, StationIDs: []int64{ce.reg.ID}})
		tok, err := gw.CreateToken(ctx, payment.TokenCreate{MerchantTransactionID: payment.RandomID(),
			Card: payment.Card{Number: telecashsim.CardApproveVisa, ExpMonth: 12, ExpYear: 2030}})
		must(t, err)
		must(t, s.SaveCard(ctx, &payment.StoredCard{CustomerID: reg.CustomerID, Token: tok.Token,
			Card: payment.CardInfo{Brand: "visa", Last4: "1111", ExpMonth: 12, ExpYear: 2030}}))

		c, err := svc.Handover(ctx, &contract.Handover{ReservationID: reg.ID, LicenceChecked: true, TimingConfirmed: true,
			Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Eva", LastName: "Muster", LicenceNumber: "B072RRE2I55",
				LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}},
			Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 5000, FuelEighths: 8, Cleanliness: "clean", SignerName: "Eva Muster"}})
		must(t, err)
		ce.clk.Advance(26 * time.Hour) // 2 days of 49,00
		rnd.fail.Store(1)
		_, _, err = svc.Return(ctx, &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 5200, FuelEighths: 8, Cleanliness: "clean"}})
		if err == nil || !strings.Contains(err.Error(), "renderer down") {
			t.Fatalf("return with failing invoice renderer: %v", err)
		}
		charges := func() []payment.Record {
			t.Helper()
			recs, err := s.ListPayments(ctx, payment.RecordFilter{ReservationID: reg.ID})
			must(t, err)
			var out []payment.Record
			for _, r := range recs {
				if r.Operation == payment.OpTokenSale {
					out = append(out, r)
				}
			}
			return out
		}
		finals := func() []invoice.Summary {
			t.Helper()
			docs, err := s.ListInvoices(ctx, invoice.Filter{ReservationID: reg.ID})
			must(t, err)
			var out []invoice.Summary
			for _, d := range docs {
				if d.Kind == invoice.KindFinal {
					out = append(out, d)
				}
			}
			return out
		}
		got, err := s.Contract(ctx, c.ID)
		must(t, err)
		if ch := charges(); got.Status != contract.StatusReturned || len(ch) != 1 || ch[0].Status != payment.StatusApproved ||
			ch[0].Amount.Cents != 9800 || len(finals()) != 0 {
			t.Fatalf("after the failure: status %s, charges %+v, finals %d", got.Status, ch, len(finals()))
		}

		var cl *client
		var path string
		if mode == "resume-crash" {
			// the process died after marking the contract billed, and the
			// resume job's attempt crashes: staff see the note and bill now
			must(t, s.SetContractStatus(ctx, c.ID, []contract.Status{contract.StatusReturned}, contract.StatusBilled))
			ce.clk.Advance(10 * time.Minute)
			resumeCrashes(t, ce, svc, rnd, ctx, c.ID)
		}
		if mode == "resume" {
			// the process died after marking the contract billed: the resume job
			// finishes billing once the contract has been billed-without-invoice
			// for a while, without charging again
			must(t, s.SetContractStatus(ctx, c.ID, []contract.Status{contract.StatusReturned}, contract.StatusBilled))
			if n, err := svc.ResumeBilling(ctx, 5*time.Minute); err != nil || n != 0 {
				t.Fatalf("resume right away: %d, %v", n, err)
			}
			ce.clk.Advance(10 * time.Minute)
			if n, err := svc.ResumeBilling(ctx, 5*time.Minute); err != nil || n != 1 {
				t.Fatalf("resume: %d, %v", n, err)
			}
			got, err = s.Contract(ctx, c.ID)
			must(t, err)
			if fs, ch := finals(), charges(); got.Status != contract.StatusBilled || len(fs) != 1 || fs[0].Gross != 9800 || len(ch) != 1 {
				t.Fatalf("after resume: status %s, finals %+v, charges %+v", got.Status, fs, ch)
			}
			cl = ce.client(t)
			cl.login(stationEmail, password)
			path = fmt.Sprintf("/admin/contracts/%d", c.ID)
		} else {
			// "bill now" in the admin resumes
			cl = ce.client(t)
			cl.login(stationEmail, password)
			path = fmt.Sprintf("/admin/contracts/%d", c.ID)
			p := cl.post(path+"/bill", url.Values{"csrf": {cl.token(path)}})
			if p.status != http.StatusOK || !strings.Contains(p.url.RawQuery, "done=billed") {
				t.Fatalf("bill now: %d %s %s", p.status, p.url, ctExcerpt(p.body, "error"))
			}
			got, err = s.Contract(ctx, c.ID)
			must(t, err)
			fs, ch := finals(), charges()
			if got.Status != contract.StatusBilled || len(fs) != 1 || fs[0].Gross != 9800 || len(ch) != 1 {
				t.Fatalf("after bill now: status %s, finals %+v, charges %+v", got.Status, fs, ch)
			}
			if strings.Contains(cl.get(path).body, "Braucht Aufmerksamkeit") {
				t.Error("the note stays after the contract was billed")
			}
		}
		l, _, _, err := svc.Ledger(ctx, c.ID)
		must(t, err)
		if !l.Balanced() || l.Charged != 9800 || l.Billed() != 9800 {
			t.Fatalf("ledger %+v", l)
		}
		// billing twice is refused and changes nothing
		p := cl.post(path+"/bill", url.Values{"csrf": {cl.token(path)}})
		if len(finals()) != 1 || len(charges()) != 1 || strings.Contains(p.url.RawQuery, "done=billed") {
			t.Fatalf("second bill now: %d %s", p.status, p.url)
		}
	})
}

// resumeCrashes lets the resume job's attempt on contract id crash: the
// job returns normally, the contract is open for "bill now" again, staff
// see the note on the contract page, and the next passes leave the
// contract alone.
func resumeCrashes(t *testing.T, ce *ctEnv, svc *contract.Service, rnd *failingInvoices, ctx context.Context, id int64) {
	t.Helper()
	rnd.crash.Store(1)
	if n, err := svc.ResumeBilling(ctx, 5*time.Minute); err != nil || n != 0 {
		t.Fatalf("resume with a crash: %d, %v; want the job to go on", n, err)
	}
	if c, err := ce.store.Contract(ctx, id); err != nil || c.Status != contract.StatusReturned {
		t.Fatalf("after the crash: %+v %v, want returned (open for bill now)", c.Status, err)
	}
	if !strings.Contains(ce.log.String(), fmt.Sprintf(`"contract_id":%d`, id)) || !strings.Contains(ce.log.String(), `"stack":"goroutine`) {
		t.Errorf("log lacks the contract id or the stack:\n%s", ce.log.String())
	}
	cl := ce.client(t)
	cl.login(adminEmail, password)
	if p := cl.get(fmt.Sprintf("/admin/contracts/%d", id)); !strings.Contains(p.body, "Braucht Aufmerksamkeit") ||
		!strings.Contains(p.body, "Die unterbrochene Abrechnung dieses Vertrags konnte nicht automatisch fortgesetzt werden") {
		t.Errorf("contract page does not show the note:\n%s", ctExcerpt(p.body, "attention"))
	}
	if p := cl.get("/admin/"); !strings.Contains(p.body, "Die unterbrochene Abrechnung dieses Vertrags") {
		t.Errorf("dashboard does not list the note:\n%s", ctExcerpt(p.body, "attention"))
	}
}
