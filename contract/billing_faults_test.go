package contract_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/contract/contracttest"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// killSwitch makes a process "die" at one named step: that write and every
// write after it fail, as if the process had been killed there (no
// deferred clean-up reaches the database either).
type killSwitch struct {
	at   string
	dead atomic.Bool
}

var errKilled = errors.New("process killed")

func (k *killSwitch) hit(step string) error {
	if k.dead.Load() {
		return errKilled
	}
	if step == k.at {
		k.dead.Store(true)
		return errKilled
	}
	return nil
}

type killableContracts struct {
	contract.Store
	k *killSwitch
}

func (s killableContracts) SaveDocument(ctx context.Context, id int64, kind, name string, data []byte, msgs []mail.Queued) (contract.DocumentInfo, error) {
	if err := s.k.hit("SaveDocument:" + kind); err != nil {
		return contract.DocumentInfo{}, err
	}
	return s.Store.SaveDocument(ctx, id, kind, name, data, msgs)
}

func (s killableContracts) SetContractStatus(ctx context.Context, id int64, from []contract.Status, to contract.Status) error {
	if err := s.k.hit("SetContractStatus"); err != nil {
		return err
	}
	return s.Store.SetContractStatus(ctx, id, from, to)
}

func (s killableContracts) FinishBilling(ctx context.Context, id int64, to contract.Status) error {
	if err := s.k.hit("FinishBilling"); err != nil {
		return err
	}
	return s.Store.FinishBilling(ctx, id, to)
}

type killableInvoices struct {
	invoice.Store
	k *killSwitch
}

func (s killableInvoices) IssueInvoice(ctx context.Context, req invoice.IssueRequest) error {
	if err := s.k.hit("IssueInvoice:" + string(req.Issued.Invoice.Kind)); err != nil {
		return err
	}
	return s.Store.IssueInvoice(ctx, req)
}

type killablePayments struct {
	*store.Store
	k *killSwitch
}

func (s killablePayments) InsertPayment(ctx context.Context, r *payment.Record) error {
	if err := s.k.hit("InsertPayment:" + string(r.Operation)); err != nil {
		return err
	}
	return s.Store.InsertPayment(ctx, r)
}

func (s killablePayments) ResolvePayment(ctx context.Context, r *payment.Record) error {
	if err := s.k.hit("ResolvePayment:" + string(r.Operation)); err != nil {
		return err
	}
	return s.Store.ResolvePayment(ctx, r)
}

// billWorld is rcWorld with a stored card, a pre-authorised deposit and a
// simulator whose faults the test chooses.
type billWorld struct {
	*rcWorld
	sim      *telecashsim.Server
	simState string
	gw       *telecash.Client
	dep      payment.Record
}

func newBillWorld(t *testing.T, d store.Dialect) *billWorld {
	t.Helper()
	w := &billWorld{rcWorld: newRcWorld(t, d)}
	var err error
	w.sim, err = telecashsim.NewServer("127.0.0.1:0", w.simOptions(t))
	must(t, err)
	t.Cleanup(func() { w.sim.Close() })
	w.gw, err = telecash.New(telecash.Config{BaseURL: w.sim.URL, APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret,
		StoreID: telecashsim.DefaultStoreID, Timeout: 300 * time.Millisecond})
	must(t, err)
	tok, err := w.gw.CreateToken(w.ctx, payment.TokenCreate{MerchantTransactionID: payment.RandomID(),
		Card: payment.Card{Number: telecashsim.CardApproveVisa, ExpMonth: 12, ExpYear: 2030}})
	must(t, err)
	card := payment.StoredCard{CustomerID: w.c.CustomerID, Token: tok.Token, Card: payment.CardInfo{Brand: "visa", Last4: "1111", ExpMonth: 12, ExpYear: 2030}}
	must(t, w.s.SaveCard(w.ctx, &card))
	w.dep, err = w.payments(w.s).TokenPreAuth(w.ctx, payment.Links{ReservationID: w.c.ReservationID, ContractID: w.c.ID,
		CustomerID: w.c.CustomerID, Purpose: contract.PurposeDeposit}, w.c.Number+"-D", payment.EUR(30000), card.ID, nil)
	if err != nil || w.dep.Status != payment.StatusApproved {
		t.Fatalf("deposit: %+v %v", w.dep, err)
	}
	return w
}

// simOptions keep the simulator's state in a file, so that it can be shut
// down and started again.
func (w *billWorld) simOptions(t *testing.T) telecashsim.Options {
	if w.simState == "" {
		w.simState = filepath.Join(t.TempDir(), "sim.json")
	}
	return telecashsim.Options{FaultDelay: 800 * time.Millisecond, StateFile: w.simState}
}

func (w *billWorld) payments(ps payment.Store) *payment.Service {
	return payment.NewService(ps, payment.SingleGateway{G: w.gw}, payment.Config{InquiryDelay: 20 * time.Millisecond, InquiryAttempts: 2},
		func() time.Time { return *w.now }, nil, nil)
}

// service is the contract service of one process; with k it dies at k.at.
func (w *billWorld) service(k *killSwitch) *contract.Service {
	var cs contract.Store = w.s
	var is invoice.Store = w.s
	var ps payment.Store = w.s
	if k != nil {
		cs, is, ps = killableContracts{w.s, k}, killableInvoices{w.s, k}, killablePayments{w.s, k}
	}
	return contract.NewService(contract.Deps{Store: cs, Bookings: w.s, Vehicles: w.s, Tariffs: w.s, Tenancy: w.s, Customers: w.s,
		Payments: w.payments(ps), Records: w.s, Invoices: is, Issued: w.s, Renderer: pdf.New(), Mailer: contracttest.Mailer{},
		Receipts: w.s, Now: func() time.Time { return *w.now }})
}

// TestBillingFinishesAfterEachFault returns the car while the final charge
// meets one gateway fault, or while the process dies at one step of return
// and billing, and then lets a restarted process run the payment
// reconciler and ResumeBilling (the late window and the resume age pass
// between runs): every time the contract ends billed or payment_open with
// its billing finished, the return protocol sent and the final invoice
// issued exactly once, the gateway holding exactly what the records say
// (the final charge taken at most once), and the deposit released.
func TestBillingFinishesAfterEachFault(t *testing.T) {
	type tc struct {
		name  string
		fault telecashsim.Fault // on the final charge
		down  bool              // the gateway is unreachable (nothing sent) during the return
		kill  string            // the step where the process dies
		want  contract.Status
	}
	cases := []tc{
		{name: "decline", fault: telecashsim.FaultDecline, want: contract.StatusPaymentOpen},
		{name: "server error after commit", fault: telecashsim.FaultServerError, want: contract.StatusBilled},
		{name: "bad gateway", fault: telecashsim.FaultBadGateway, want: contract.StatusBilled},
		{name: "timeout", fault: telecashsim.FaultTimeout, want: contract.StatusBilled},
		{name: "answer lost", fault: telecashsim.FaultLostAnswer, want: contract.StatusBilled},
		{name: "late delivery", fault: telecashsim.FaultLate, want: contract.StatusBilled},
		{name: "gateway unreachable", down: true, want: contract.StatusBilled},
		{name: "killed before the return protocol", kill: "SaveDocument:" + contract.DocReturn, want: contract.StatusBilled},
		{name: "killed before claiming the billing", kill: "SetContractStatus", want: contract.StatusBilled},
		{name: "killed with the final charge sent", kill: "ResolvePayment:" + string(payment.OpTokenSale), want: contract.StatusBilled},
		{name: "killed before the final invoice", kill: "IssueInvoice:" + string(invoice.KindFinal), want: contract.StatusBilled},
		{name: "killed before the deposit release", kill: "InsertPayment:" + string(payment.OpVoidPreAuth), want: contract.StatusBilled},
		{name: "killed before billing was marked finished", kill: "FinishBilling", want: contract.StatusBilled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, d store.Dialect) {
				w := newBillWorld(t, d)
				var k *killSwitch
				if c.kill != "" {
					k = &killSwitch{at: c.kill}
				}
				if c.fault != "" {
					w.sim.Sim.SetFaults(telecashsim.FaultPlan{Next: []telecashsim.Fault{c.fault}, LateDelay: 600 * time.Millisecond})
				}
				if c.down {
					w.sim.Close()
				}
				*w.now = w.now.Add(26 * time.Hour)
				_, out, err := w.service(k).Return(w.ctx, &contract.Return{ContractID: w.c.ID,
					Protocol: contract.Protocol{UnsignedReason: "Schlüsselkasten", OdometerKM: 1300, FuelEighths: 8, Cleanliness: "clean"}})
				t.Logf("return: status %s, err %v", out.Status, err)
				if k != nil && !k.dead.Load() {
					t.Fatalf("the process never reached %s", c.kill)
				}
				if c.down {
					var err error
					w.sim, err = telecashsim.NewServer(strings.TrimPrefix(strings.TrimSuffix(w.sim.URL, telecashsim.Prefix), "http://"), w.simOptions(t))
					must(t, err)
					t.Cleanup(func() { w.sim.Close() })
				}
				time.Sleep(700 * time.Millisecond) // a late delivery arrives meanwhile
				// a restarted process: the reconciler and the resume job
				svc := w.service(nil)
				sys := identity.WithActor(context.Background(), identity.System())
				tctx := identity.WithActor(context.Background(), identity.SystemFor(w.c.TenantID))
				for i := 0; i < 4 && !billingDone(t, w); i++ {
					*w.now = w.now.Add(payment.DefaultLateWindow + time.Minute)
					if _, err := w.payments(w.s).Reconcile(sys, 100); err != nil {
						t.Fatal(err)
					}
					if _, err := svc.ResumeBilling(tctx, 5*time.Minute); err != nil {
						t.Fatal(err)
					}
				}
				cc, err := w.s.Contract(w.ctx, w.c.ID)
				must(t, err)
				if cc.Status != c.want || cc.BilledAt == nil {
					t.Fatalf("contract %s (billed_at %v), want %s with billing finished", cc.Status, cc.BilledAt, c.want)
				}
				checkBilled(t, w, cc)
			})
		})
	}
}

func billingDone(t *testing.T, w *billWorld) bool {
	c, err := w.s.Contract(w.ctx, w.c.ID)
	must(t, err)
	return c.BilledAt != nil
}

// checkBilled compares the contract's records, documents and the gateway.
func checkBilled(t *testing.T, w *billWorld, c contract.Contract) {
	t.Helper()
	l, recs, docs, err := w.svc.Ledger(w.ctx, c.ID)
	must(t, err)
	finals := 0
	for _, d := range docs {
		if d.Kind == invoice.KindFinal {
			finals++
		}
	}
	if finals != 1 {
		t.Errorf("%d final invoices", finals)
	}
	if n := protocolCount(t, w, c.ID, contract.DocReturn); n != 1 {
		t.Errorf("%d return protocols", n)
	}
	var charged int64
	for _, r := range recs {
		if r.Status.Open() {
			t.Errorf("payment %d (%s) still %s", r.ID, r.Operation, r.Status)
		}
		if r.Purpose == contract.PurposeFinal && r.Status == payment.StatusApproved {
			charged += r.Amount.Cents
		}
	}
	var atGateway int64
	for order, b := range w.sim.Sim.Ledger() {
		if strings.HasPrefix(order, c.Number+"-F") {
			atGateway += b.Net()
		}
	}
	if atGateway != charged {
		t.Errorf("gateway holds %d for the final orders, records %d", atGateway, charged)
	}
	if c.Status == contract.StatusBilled && (l.Open() != 0 || charged == 0) {
		t.Errorf("billed with %d open, %d charged", l.Open(), charged)
	}
	if c.Status == contract.StatusPaymentOpen && (l.Open() <= 0 || charged != 0) {
		t.Errorf("payment_open with %d open, %d charged", l.Open(), charged)
	}
	if dep := w.sim.Sim.Ledger()[c.Number+"-D"]; dep.Authorized != 0 {
		t.Errorf("deposit still held at the gateway: %+v", dep)
	}
	if l.DepositHeld != 0 {
		t.Errorf("deposit held %d in the ledger", l.DepositHeld)
	}
	if t.Failed() {
		for _, r := range recs {
			t.Logf("record %d %s %s %s %d %s %s", r.ID, r.Purpose, r.Operation, r.Status, r.Amount.Cents, r.OrderID, r.ReasonCode)
		}
		t.Logf("gateway: %s", fmt.Sprint(w.sim.Sim.Ledger()))
	}
}

// TestHandoverProtocolResumes: the process dies between starting the
// contract and sending its handover protocol; the resume job sends it.
func TestHandoverProtocolResumes(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newBillWorld(t, d)
		*w.now = w.now.Add(26 * time.Hour)
		if _, _, err := w.service(nil).Return(w.ctx, &contract.Return{ContractID: w.c.ID,
			Protocol: contract.Protocol{UnsignedReason: "Schlüsselkasten", OdometerKM: 1200, FuelEighths: 8, Cleanliness: "clean"}}); err != nil {
			t.Fatal(err)
		}
		sys := identity.WithActor(context.Background(), identity.SystemFor(w.c.TenantID))
		old, err := w.s.Reservation(sys, w.c.ReservationID)
		must(t, err)
		r := old
		r.ID, r.Number, r.Status = 0, "", "confirmed"
		r.Pickup, r.Return = w.now.Add(time.Hour), w.now.Add(30*time.Hour)
		must(t, w.s.CreateReservation(sys, &r))
		k := &killSwitch{at: "SaveDocument:" + contract.DocHandover}
		c, err := w.service(k).Handover(w.ctx, &contract.Handover{ReservationID: r.ID, LicenceChecked: true, TimingConfirmed: true,
			Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Walter", LastName: "Kunde", LicenceNumber: "B072RRE2I55",
				LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}},
			Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 1300, FuelEighths: 8, Cleanliness: "clean"}})
		if err == nil || c.ID == 0 || !k.dead.Load() {
			t.Fatalf("handover: %+v %v", c, err)
		}
		protocols := func() int { return protocolCount(t, w, c.ID, contract.DocHandover) }
		if protocols() != 0 {
			t.Fatal("the protocol was stored although the process died")
		}
		*w.now = w.now.Add(6 * time.Minute)
		if _, err := w.service(nil).ResumeBilling(sys, 5*time.Minute); err != nil {
			t.Fatal(err)
		}
		if n := protocols(); n != 1 {
			t.Fatalf("%d handover protocols after resuming", n)
		}
	})
}

// protocolCount counts the contract's stored documents of kind.
func protocolCount(t *testing.T, w *billWorld, id int64, kind string) int {
	t.Helper()
	ds, err := w.s.ContractDocuments(w.ctx, id)
	must(t, err)
	n := 0
	for _, d := range ds {
		if d.Kind == kind {
			n++
		}
	}
	return n
}
