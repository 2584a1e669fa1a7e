package payment_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

// env is a store on one database, a simulator over real HTTP, the adapter
// and the payment service, with a movable clock.
type env struct {
	st       *store.Store
	dsn      string
	sim      *telecashsim.Simulator
	gw       *telecash.Client
	svc      *payment.Service
	ctx      context.Context
	customer int64
	offset   atomic.Int64 // clock offset in ns
	logs     *testenv.SyncBuffer
}

func (e *env) now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

func eachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { fn(t, newEnv(t, d)) })
	}
}

func newEnv(t testing.TB, dialect string) *env {
	t.Helper()
	e := &env{logs: &testenv.SyncBuffer{}}
	if dialect == "sqlite" {
		e.dsn = filepath.Join(t.TempDir(), "p.db")
	} else {
		e.dsn = testenv.PostgresDSN(t)
	}
	st, err := store.Open(context.Background(), e.dsn, store.Options{Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.st = st
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := telecashsim.NewServer("127.0.0.1:0", telecashsim.Options{FaultDelay: 400 * time.Millisecond, SlowDelay: 50 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e.sim = srv.Sim
	e.gw, err = telecash.New(telecash.Config{BaseURL: srv.URL, APIKey: telecashsim.DefaultAPIKey,
		APISecret: telecashsim.DefaultAPISecret, StoreID: telecashsim.DefaultStoreID, Timeout: 200 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = payment.NewService(st, payment.SingleGateway{G: e.gw}, payment.Config{InquiryDelay: 10 * time.Millisecond, StalePending: time.Minute},
		e.now, nil, log)
	tn := tenancy.Tenant{Slug: "t", Name: "Autohaus König", LegalName: "Autohaus König GmbH"}
	if err := st.CreateTenant(identity.WithActor(context.Background(), identity.System()), &tn); err != nil {
		t.Fatal(err)
	}
	e.ctx = identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorAPI, TenantID: tn.ID, APIClientID: 1, Name: "api:test"})
	c := customer.Customer{Email: "kunde@example.de", FirstName: "Eva", LastName: "Huber", Street: "Weg 1", PostalCode: "93047", City: "Regensburg"}
	if _, _, err := st.UpsertCustomer(e.ctx, &c); err != nil {
		t.Fatal(err)
	}
	e.customer = c.ID
	return e
}

var visa = payment.Card{Number: telecashsim.CardApproveVisa, ExpMonth: 12, ExpYear: 2030, CVV: "737", Holder: "Eva Huber"}

func TestSaleStoresCardAndTokenSaleLater(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		l := payment.Links{CustomerID: e.customer, Purpose: "rent"}
		rec, card, err := e.svc.Sale(e.ctx, l, "ord-1", payment.EUR(4900), visa, true, &payment.Rental{AgreementNumber: "B26-00001"})
		if err != nil || rec.Status != payment.StatusApproved || card == nil || card.Token == "" || card.Card.Last4 != "1111" {
			t.Fatalf("sale: %+v, card %+v, %v", rec, card, err)
		}
		later, err := e.svc.TokenSale(e.ctx, payment.Links{CustomerID: e.customer, Purpose: "final"}, "ord-1-final", payment.EUR(1234), card.ID, nil)
		if err != nil || later.Status != payment.StatusApproved || later.CardID != card.ID {
			t.Fatalf("token sale: %+v, %v", later, err)
		}
		ref, err := e.svc.Refund(e.ctx, rec.ID, payment.EUR(900))
		if err != nil || ref.Status != payment.StatusApproved {
			t.Fatalf("refund: %+v, %v", ref, err)
		}
		if _, err := e.svc.Refund(e.ctx, rec.ID, payment.EUR(4001)); err != nil {
			t.Fatal(err)
		} // over the captured sum: the record says failed, no money moved
		recs, _ := e.st.ListPayments(e.ctx, payment.RecordFilter{CustomerID: e.customer})
		if len(recs) != 4 || recs[3].Status != payment.StatusFailed {
			t.Fatalf("records = %+v", recs)
		}
		assertLedgerMatches(t, e)
	})
}

func TestDeclineIsRecorded(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			number string
			reason payment.ReasonCode
		}{{telecashsim.CardDecline, payment.ReasonDeclined}, {telecashsim.CardExpired, payment.ReasonExpiredCard}} {
			card := visa
			card.Number = c.number
			rec, stored, err := e.svc.Sale(e.ctx, payment.Links{CustomerID: e.customer}, "ord-"+c.number[12:], payment.EUR(4900), card, true, nil)
			if err != nil || rec.Status != payment.StatusDeclined || rec.ReasonCode != c.reason || stored != nil {
				t.Fatalf("%s: %+v, %v", c.number, rec, err)
			}
		}
		// invalid input sends and records nothing
		bad := visa
		bad.Number = "4111111111111112"
		if _, _, err := e.svc.Sale(e.ctx, payment.Links{CustomerID: e.customer}, "ord-x", payment.EUR(4900), bad, true, nil); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("bad card: %v", err)
		}
		recs, _ := e.st.ListPayments(e.ctx, payment.RecordFilter{CustomerID: e.customer})
		if len(recs) != 2 {
			t.Fatalf("%d records, want the 2 declines only", len(recs))
		}
	})
}

func TestUnknownOutcomesResolvedByInquiry(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		cases := []struct {
			amount int64
			want   payment.Status
		}{
			{telecashsim.AmountHangAfterCommit, payment.StatusApproved},        // timeout, but committed
			{telecashsim.AmountServerErrorAfterCommit, payment.StatusApproved}, // 500 after commit
		}
		for i, c := range cases {
			rec, _, err := e.svc.Sale(e.ctx, payment.Links{CustomerID: e.customer}, fmt.Sprintf("ord-u%d", i), payment.EUR(c.amount), visa, false, nil)
			if err != nil || rec.Status != c.want || rec.Inquiries == 0 {
				t.Fatalf("amount %d: %+v, %v", c.amount, rec, err)
			}
		}
		assertLedgerMatches(t, e)
	})
}

// TestNotFoundIsNoProofBeforeTheLateWindow: a request the gateway does not
// know right after a failure may still arrive; the record stays Unknown
// (never "nothing was charged") until an inquiry after the late window.
// A late delivery found by the reconciler is recorded approved.
func TestNotFoundIsNoProofBeforeTheLateWindow(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		sys := identity.WithActor(context.Background(), identity.System())
		// 502, nothing committed: unknown now, failed only after the window
		rec, _, err := e.svc.Sale(e.ctx, payment.Links{CustomerID: e.customer}, "ord-502", payment.EUR(telecashsim.AmountBadGatewayNoCommit), visa, false, nil)
		if err != nil || rec.Status != payment.StatusUnknown || rec.ReasonCode != payment.ReasonNotFoundYet || rec.Inquiries == 0 {
			t.Fatalf("502: %+v, %v", rec, err)
		}
		if rec.NextInquiryAt == nil || rec.NextInquiryAt.After(rec.CreatedAt.Add(payment.DefaultLateWindow+2*time.Second)) {
			t.Fatalf("next inquiry %v is not within the late window after %v", rec.NextInquiryAt, rec.CreatedAt)
		}
		// a late delivery: the gateway applies the sale after the client gave up
		e.sim.SetFaults(telecashsim.FaultPlan{Next: []telecashsim.Fault{telecashsim.FaultLate}, LateDelay: 500 * time.Millisecond})
		late, _, err := e.svc.Sale(e.ctx, payment.Links{CustomerID: e.customer}, "ord-late", payment.EUR(3300), visa, true, nil)
		if err != nil || late.Status != payment.StatusUnknown {
			t.Fatalf("late delivery right after the call: %+v, %v; want unknown", late, err)
		}
		time.Sleep(700 * time.Millisecond) // the request arrives meanwhile
		for _, minutes := range []int{1, 5, 14} {
			e.offset.Store(int64(time.Duration(minutes) * time.Minute))
			if _, err := e.svc.Reconcile(sys, 10); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.st.Payment(e.ctx, rec.ID); got.Status != payment.StatusUnknown {
				t.Fatalf("after %d min the 502 is %s; a not-found within the window is no proof", minutes, got.Status)
			}
		}
		got, _ := e.st.Payment(e.ctx, late.ID)
		if got.Status != payment.StatusApproved || got.CardID == 0 {
			t.Fatalf("late delivery not found by the reconciler: %+v", got)
		}
		e.offset.Store(int64(payment.DefaultLateWindow + 2*time.Second))
		if _, err := e.svc.Reconcile(sys, 10); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.st.Payment(e.ctx, rec.ID); got.Status != payment.StatusFailed || got.ReasonCode != payment.ReasonNotFound {
			t.Fatalf("after the window: %+v, want failed/not_found", got)
		}
		assertLedgerMatches(t, e)
	})
}

// TestGatewayUnreachableIsNotSent: a refused connection proves the request
// never left: recorded failed/not_sent at once, the error says unavailable.
func TestGatewayUnreachableIsNotSent(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		down, err := telecash.New(telecash.Config{BaseURL: "http://127.0.0.1:1" + telecashsim.Prefix, APIKey: "k", APISecret: "s", Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		svc := payment.NewService(e.st, payment.SingleGateway{G: down}, payment.Config{InquiryDelay: time.Millisecond}, e.now, nil, slog.New(slog.DiscardHandler))
		rec, _, err := svc.Sale(e.ctx, payment.Links{CustomerID: e.customer}, "ord-down", payment.EUR(4900), visa, true, nil)
		if !errs.Is(err, errs.KindUnavailable) || rec.ID == 0 || rec.Status != payment.StatusFailed || rec.ReasonCode != payment.ReasonNotSent {
			t.Fatalf("%+v, %v", rec, err)
		}
		got, _ := e.st.Payment(e.ctx, rec.ID)
		if got.Status != payment.StatusFailed || got.ReasonCode != payment.ReasonNotSent {
			t.Fatalf("stored %+v", got)
		}
	})
}

// crashingStore loses ResolvePayment calls, as if the process died right
// after the gateway answered.
type crashingStore struct {
	*store.Store
	crash func() bool
}

func (c crashingStore) ResolvePayment(ctx context.Context, r *payment.Record) error {
	if c.crash() {
		return fmt.Errorf("process killed")
	}
	return c.Store.ResolvePayment(ctx, r)
}

func (c crashingStore) ResolvePaymentWithCard(ctx context.Context, r *payment.Record, card *payment.StoredCard) error {
	if c.crash() {
		return fmt.Errorf("process killed")
	}
	return c.Store.ResolvePaymentWithCard(ctx, r, card)
}

func TestReconcilerResolvesAfterCrash(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		dead := payment.NewService(crashingStore{e.st, func() bool { return true }}, payment.SingleGateway{G: e.gw},
			payment.Config{InquiryDelay: time.Millisecond}, e.now, nil, slog.New(slog.DiscardHandler))
		rec, _, _ := dead.Sale(e.ctx, payment.Links{CustomerID: e.customer}, "ord-crash", payment.EUR(5000), visa, true, nil)
		got, err := e.st.Payment(e.ctx, rec.ID)
		if err != nil || got.Status != payment.StatusPending {
			t.Fatalf("after crash: %+v, %v", got, err)
		}
		sys := identity.WithActor(context.Background(), identity.System())
		if n, _ := e.svc.Reconcile(sys, 10); n != 0 {
			t.Fatalf("reconciled a fresh pending record (%d)", n)
		}
		e.offset.Store(int64(2 * time.Minute))
		n, err := e.svc.Reconcile(sys, 10)
		if err != nil || n != 1 {
			t.Fatalf("reconcile: %d, %v", n, err)
		}
		got, _ = e.st.Payment(e.ctx, rec.ID)
		if got.Status != payment.StatusApproved || got.GatewayTransactionID == "" || got.CardID == 0 {
			t.Fatalf("after reconcile: %+v (the card stored with the sale must be recorded)", got)
		}
		card, err := e.st.StoredCard(e.ctx, got.CardID)
		if v, _ := e.sim.Transaction(got.MerchantTransactionID); err != nil || card.Token == "" || card.Token != v.Token {
			t.Fatalf("stored card %+v (%v), gateway token %q", card, err, v.Token)
		}
		assertLedgerMatches(t, e)
	})
}

// TestRandomizedNoDoubleCharge mixes sales, pre-authorisations, captures,
// refunds and voids with gateway faults and crashes, over many seeds, and
// checks after each run that the money the simulator moved per order equals
// what our records say was approved: no double charge, no charge unrecorded.
func TestRandomizedNoDoubleCharge(t *testing.T) {
	seeds := 6
	if testing.Short() {
		seeds = 2
	}
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			for seed := range seeds {
				e := newEnv(t, d)
				rng := rand.New(rand.NewPCG(uint64(seed), 7))
				svc := payment.NewService(crashingStore{e.st, func() bool { return rng.IntN(8) == 0 }}, payment.SingleGateway{G: e.gw},
					payment.Config{InquiryDelay: 5 * time.Millisecond, InquiryAttempts: 2}, e.now, nil, slog.New(slog.DiscardHandler))
				amounts := []int64{4900, 12000, 30000, telecashsim.AmountHangAfterCommit, telecashsim.AmountServerErrorAfterCommit,
					telecashsim.AmountBadGatewayNoCommit}
				var approved []payment.Record
				for op := range 30 {
					amt := payment.EUR(amounts[rng.IntN(len(amounts))])
					order := fmt.Sprintf("s%d-o%d", seed, op)
					l := payment.Links{CustomerID: e.customer}
					switch k := rng.IntN(5); {
					case k <= 1 || len(approved) == 0:
						r, _, _ := svc.Sale(e.ctx, l, order, amt, visa, rng.IntN(2) == 0, nil)
						approved = appendIfApproved(approved, r)
					case k == 2:
						r, _, _ := svc.PreAuth(e.ctx, l, order, amt, visa, false, nil)
						if r.Status == payment.StatusApproved {
							c, _ := svc.Capture(e.ctx, r.ID, payment.EUR(r.Amount.Cents/2))
							approved = appendIfApproved(approved, c)
						}
					case k == 3:
						p := approved[rng.IntN(len(approved))]
						r, _ := svc.Refund(e.ctx, p.ID, payment.EUR(1+rng.Int64N(p.Amount.Cents)))
						_ = r
					default:
						p := approved[rng.IntN(len(approved))]
						svc.Void(e.ctx, p.ID)
					}
				}
				e.offset.Store(int64(payment.DefaultLateWindow + time.Minute))
				sys := identity.WithActor(context.Background(), identity.System())
				for range 5 {
					if _, err := e.svc.Reconcile(sys, 1000); err != nil {
						t.Fatal(err)
					}
				}
				open, _ := e.st.DuePayments(sys, e.now().Add(time.Hour), e.now(), 1000)
				if len(open) != 0 {
					t.Fatalf("seed %d: %d records still open after reconciling", seed, len(open))
				}
				if moved := len(e.sim.Ledger()); moved < 10 {
					t.Fatalf("seed %d: only %d orders reached the gateway; the test checks too little", seed, moved)
				}
				assertLedgerMatches(t, e)
			}
		})
	}
}

func appendIfApproved(list []payment.Record, r payment.Record) []payment.Record {
	if r.Status == payment.StatusApproved && (r.Operation == payment.OpSale || r.Operation == payment.OpCapture) {
		return append(list, r)
	}
	return list
}

// assertLedgerMatches compares, per order, the simulator's captured and
// refunded sums with our approved records.
func assertLedgerMatches(t *testing.T, e *env) {
	t.Helper()
	recs, err := e.st.ListPayments(e.ctx, payment.RecordFilter{CustomerID: e.customer})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]payment.Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	type sums struct{ captured, refunded int64 }
	ours := map[string]sums{}
	for _, r := range recs {
		if r.Status != payment.StatusApproved {
			continue
		}
		s := ours[r.OrderID]
		switch r.Operation {
		case payment.OpSale, payment.OpTokenSale, payment.OpCapture:
			s.captured += r.Amount.Cents
		case payment.OpRefund:
			s.refunded += r.Amount.Cents
		case payment.OpVoid:
			p := byID[r.ParentID]
			if p.Operation == payment.OpRefund {
				s.refunded -= p.Amount.Cents
			} else {
				s.captured -= p.Amount.Cents
			}
		}
		ours[r.OrderID] = s
	}
	theirs := e.sim.Ledger()
	for order, b := range theirs {
		if o := ours[order]; o.captured != b.Captured || o.refunded != b.Refunded {
			t.Errorf("order %s: simulator captured %d refunded %d, our records %d / %d", order, b.Captured, b.Refunded, o.captured, o.refunded)
		}
	}
	for order, o := range ours {
		if _, ok := theirs[order]; !ok && (o.captured != 0 || o.refunded != 0) {
			t.Errorf("order %s: we recorded money the gateway never moved: %+v", order, o)
		}
	}
}

// TestNoCardDataStored runs flows with a test card and searches every table
// of the database and the logs for the card number and security code.
func TestNoCardDataStored(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		card := payment.Card{Number: "5424180279791732", ExpMonth: 11, ExpYear: 2031, CVV: "9173", Holder: "Eva Huber"}
		card.CVV = "917"
		rec, stored, err := e.svc.Sale(e.ctx, payment.Links{CustomerID: e.customer}, "ord-leak", payment.EUR(4900), card, true, nil)
		if err != nil || stored == nil {
			t.Fatalf("sale: %+v %v", rec, err)
		}
		e.svc.PreAuth(e.ctx, payment.Links{CustomerID: e.customer}, "ord-leak-2", payment.EUR(telecashsim.AmountHangAfterCommit), card, false, nil)
		db, err := sql.Open(map[bool]string{true: "pgx", false: "sqlite"}[strings.Contains(e.dsn, "host=") || strings.HasPrefix(e.dsn, "postgres")], sqliteOrPG(e.dsn))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dump := dumpAll(t, db)
		if bytes.Contains(dump, []byte(card.Number)) {
			t.Fatal("the card number is stored in the database")
		}
		if !bytes.Contains(dump, []byte("1732")) {
			t.Fatal("dump does not even hold the last 4 digits: the search looked at nothing")
		}
		if bytes.Contains(e.logs.Bytes(), []byte(card.Number)) || bytes.Contains(e.logs.Bytes(), []byte(`"917"`)) {
			t.Fatal("card data in the logs")
		}
		if e.logs.Len() == 0 {
			t.Fatal("nothing was logged: the log search looked at nothing")
		}
	})
}

func sqliteOrPG(dsn string) string {
	if strings.Contains(dsn, "host=") || strings.HasPrefix(dsn, "postgres") {
		return dsn
	}
	return "file:" + dsn
}

// dumpAll returns every value of every table, as text.
func dumpAll(t *testing.T, db *sql.DB) []byte {
	t.Helper()
	var tables []string
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`
	if rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`); err == nil {
		for rows.Next() {
			var n string
			rows.Scan(&n)
			tables = append(tables, n)
		}
		rows.Close()
	} else {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			tables = append(tables, n)
		}
		rows.Close()
	}
	if len(tables) < 20 {
		t.Fatalf("only %d tables found", len(tables))
	}
	var out bytes.Buffer
	for _, tb := range tables {
		rows, err := db.Query(`SELECT * FROM ` + tb)
		if err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch x := v.(type) {
				case []byte:
					out.Write(x)
				default:
					fmt.Fprint(&out, x)
				}
				out.WriteByte('|')
			}
		}
		rows.Close()
	}
	return out.Bytes()
}

// poisonGateway is the real gateway client with a bug for one transaction:
// asking about it panics.
type poisonGateway struct {
	payment.Gateway
	poison string
	calls  atomic.Int32
}

func (g *poisonGateway) InquireTransaction(ctx context.Context, id string) (payment.Result, error) {
	if id == g.poison {
		g.calls.Add(1)
		panic("test: a bug hit by this transaction")
	}
	return g.Gateway.InquireTransaction(ctx, id)
}

// TestReconcilerSurvivesAPoisonRecord: two sales a crashed process left
// pending; asking the gateway about one of them panics. The reconciler
// resolves the other, logs the crash with the payment's id and stack,
// marks the payment for staff and leaves it alone for the back-off (the
// next passes do not touch it), then tries it again.
func TestReconcilerSurvivesAPoisonRecord(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		dead := payment.NewService(crashingStore{e.st, func() bool { return true }}, payment.SingleGateway{G: e.gw},
			payment.Config{InquiryDelay: time.Millisecond}, e.now, nil, slog.New(slog.DiscardHandler))
		poison, _, _ := dead.Sale(e.ctx, payment.Links{CustomerID: e.customer}, "ord-poison", payment.EUR(5000), visa, false, nil)
		good, _, _ := dead.Sale(e.ctx, payment.Links{CustomerID: e.customer}, "ord-good", payment.EUR(6000), visa, false, nil)
		gw := &poisonGateway{Gateway: e.gw, poison: poison.MerchantTransactionID}
		runner := &job.Runner{Store: e.st, Log: slog.New(slog.NewJSONHandler(e.logs, nil)), Now: e.now}
		svc := payment.NewService(e.st, payment.SingleGateway{G: gw}, payment.Config{Jobs: runner}, e.now, nil, slog.New(slog.DiscardHandler))
		sys := identity.WithActor(context.Background(), identity.System())
		e.offset.Store(int64(2 * time.Minute))

		if n, err := svc.Reconcile(sys, 10); err != nil || n != 1 {
			t.Fatalf("reconcile: %d %v, want the good record resolved", n, err)
		}
		if got, _ := e.st.Payment(e.ctx, good.ID); got.Status != payment.StatusApproved {
			t.Errorf("good record %s, want approved", got.Status)
		}
		if got, _ := e.st.Payment(e.ctx, poison.ID); got.Status != payment.StatusPending {
			t.Errorf("poison record %s, want still pending", got.Status)
		}
		list, err := e.st.JobAttention(identity.WithActor(context.Background(), identity.SystemFor(poison.TenantID)),
			[]job.Subject{{Kind: job.KindPayment, ID: poison.ID}})
		if err != nil || len(list) != 1 || !list[0].Panicked || list[0].Job != payment.JobReconcile {
			t.Fatalf("attention %+v %v, want the crash recorded", list, err)
		}
		if l := e.logs.String(); !strings.Contains(l, fmt.Sprintf(`"payment_id":%d`, poison.ID)) || !strings.Contains(l, `"stack":"goroutine`) {
			t.Errorf("log lacks the payment id or the stack:\n%s", l)
		}
		for range 3 {
			if _, err := svc.Reconcile(sys, 10); err != nil {
				t.Fatal(err)
			}
		}
		if n := gw.calls.Load(); n != 1 {
			t.Errorf("the poison record was tried %d times during its back-off, want once", n)
		}
		e.offset.Store(int64(5 * time.Minute))
		if _, err := svc.Reconcile(sys, 10); err != nil {
			t.Fatal(err)
		}
		if n := gw.calls.Load(); n != 2 {
			t.Errorf("the poison record was tried %d times after its back-off, want twice", n)
		}
	})
}

// TestThenDeferred: a Then payment with Defer leaves its approved outcome
// to the caller — the record stays pending in the store, Chain.Deferred
// holds the outcome — until Settle stores it (once: a second Settle, or
// one after Stored, does nothing); a declined one is stored at once, with
// nothing deferred.
func TestThenDeferred(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		l := payment.Links{CustomerID: e.customer, Purpose: "rent"}
		then := func(order string) *payment.Then {
			return &payment.Then{Links: payment.Links{CustomerID: e.customer, Purpose: "deposit"}, OrderID: order + "-D",
				Amount: payment.EUR(30000), PreAuth: true, Defer: true}
		}
		stored := func(id int64) payment.Status {
			r, err := e.st.Payment(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return r.Status
		}
		ch, err := e.svc.SaleThen(e.ctx, l, "ord-def", payment.EUR(4900), visa, nil, then("ord-def"))
		if err != nil || ch.NextErr != nil || ch.Next.Status != payment.StatusApproved || ch.Deferred == nil || ch.Deferred.Done() ||
			ch.Deferred.Record().ID != ch.Next.ID || ch.Deferred.Record().Status != payment.StatusApproved {
			t.Fatalf("deferred deposit: %+v, %v", ch, err)
		}
		if s := stored(ch.Next.ID); s != payment.StatusPending {
			t.Fatalf("the deferred outcome is stored already: %s", s)
		}
		if err := ch.Deferred.Settle(e.ctx); err != nil || !ch.Deferred.Done() || stored(ch.Next.ID) != payment.StatusApproved {
			t.Fatalf("settle: %v, stored %s", err, stored(ch.Next.ID))
		}
		if err := ch.Deferred.Settle(e.ctx); err != nil {
			t.Fatalf("a second settle: %v", err)
		}

		e.sim.SetFaults(telecashsim.FaultPlan{Next: []telecashsim.Fault{telecashsim.FaultNone, telecashsim.FaultDecline}})
		ch, err = e.svc.SaleThen(e.ctx, l, "ord-dec", payment.EUR(4900), visa, nil, then("ord-dec"))
		if err != nil || ch.Next.Status != payment.StatusDeclined || ch.Deferred != nil || stored(ch.Next.ID) != payment.StatusDeclined {
			t.Fatalf("declined deposit: %+v, %v", ch, err)
		}
		assertLedgerMatches(t, e)
	})
}
