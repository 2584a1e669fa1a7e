package contract_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/contract/contracttest"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

type rcWorld struct {
	s     *store.Store
	svc   *contract.Service
	ctx   context.Context // the station user of the contract's station
	now   *time.Time
	c     contract.Contract // handed over (open)
	other context.Context   // a station user of the tenant's other station
	admin context.Context   // the tenant's admin
	alien context.Context   // the admin of another tenant
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newRcWorld is a walk-in style contract without a stored card, handed over
// at 27.11.2026 09:00 UTC; return() brings it back a day and two hours
// later, so billing leaves the final invoice open (payment_open).
func newRcWorld(t *testing.T, d store.Dialect, opts ...func(r *booking.Reservation, stations [2]tenancy.Station)) *rcWorld {
	t.Helper()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	w := &rcWorld{now: &now}
	clock := func() time.Time { return *w.now }
	dsn := filepath.Join(t.TempDir(), "mietwerk.db")
	if d == store.Postgres {
		dsn = testenv.PostgresDSN(t)
	}
	s, err := store.Open(context.Background(), dsn, store.Options{Now: clock})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(context.Background())
	must(t, err)
	w.s = s
	root := identity.WithActor(context.Background(), identity.System())
	var tenants [2]tenancy.Tenant
	var stations [2]tenancy.Station
	for i, slug := range []string{"koenig", "fremd"} {
		tenants[i] = tenancy.Tenant{Slug: slug, Name: "Autohaus " + slug, LegalName: "Autohaus " + slug + " GmbH", Street: "Hauptstr. 1",
			PostalCode: "93047", City: "Regensburg", Country: "DE", VATID: "DE123456789"}
		must(t, s.CreateTenant(root, &tenants[i]))
	}
	sys := identity.WithActor(context.Background(), identity.SystemFor(tenants[0].ID))
	for i, code := range []string{"REG", "MUC"} {
		stations[i] = tenancy.Station{Code: code, Name: code, Street: "Hauptstr. 1", PostalCode: "93047", City: "Regensburg", Active: true}
		must(t, s.CreateStation(sys, &stations[i]))
	}
	cat := fleet.Category{Code: "CDMR", NameDE: "Kompakt", NameEN: "Compact", Transmission: "manual", Seats: 5, Doors: 5, Active: true}
	must(t, s.CreateCategory(sys, &cat))
	tf := pricing.Tariff{Code: "STD", Name: "Standard", Kind: "standard", PricePerDayCents: 4900, DayCounting: "24h",
		VATRateBP: 1900, ValidFrom: "2026-01-01", CategoryIDs: []int64{cat.ID}, Active: true}
	must(t, s.CreateTariff(sys, &tf))
	v := fleet.Vehicle{StationID: stations[0].ID, CategoryID: cat.ID, Plate: "R-RC 1", VIN: "WVWZZZ1KZAW000077", Make: "VW", Model: "Golf",
		OdometerKM: 1000, FuelEighths: 8}
	must(t, s.CreateVehicle(sys, &v))
	cu := customer.Customer{Email: "walk@example.de", FirstName: "Walter", LastName: "Kunde", Street: "Weg 1", PostalCode: "93047",
		City: "Regensburg", Country: "DE", Language: "de"}
	_, _, err = s.UpsertCustomer(sys, &cu)
	must(t, err)
	r := booking.Reservation{StationID: stations[0].ID, CustomerID: cu.ID, CategoryID: cat.ID, VehicleID: v.ID, TariffID: tf.ID,
		Pickup: now.Add(time.Hour), Return: now.Add(49 * time.Hour), Status: booking.StatusConfirmed}
	for _, o := range opts {
		o(&r, stations)
	}
	must(t, s.CreateReservation(sys, &r))
	w.admin = identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: tenants[0].ID, UserID: 6,
		Name: "Karin König", Role: identity.RoleAdmin})
	staff := func(tenant, station int64, id int64) context.Context {
		return identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: tenant, UserID: id,
			Name: "Rita Regensburg", Role: identity.RoleStation, StationIDs: []int64{station}})
	}
	w.ctx = staff(tenants[0].ID, stations[0].ID, 7)
	w.other = staff(tenants[0].ID, stations[1].ID, 8)
	w.alien = identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: tenants[1].ID, UserID: 9,
		Role: identity.RoleAdmin})
	w.svc = contract.NewService(contract.Deps{Store: s, Bookings: s, Vehicles: s, Tariffs: s, Tenancy: s, Customers: s,
		Records: s, Invoices: s, Issued: s, Renderer: pdf.New(), Mailer: contracttest.Mailer{}, Now: clock})
	w.c, err = w.svc.Handover(w.ctx, &contract.Handover{ReservationID: r.ID, LicenceChecked: true, TimingConfirmed: true,
		Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Walter", LastName: "Kunde", LicenceNumber: "B072RRE2I55",
			LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}},
		Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 1000, FuelEighths: 8, Cleanliness: "clean"}})
	must(t, err)
	return w
}

// returnCar checks the car in; without a stored card the final charge fails
// and the contract is payment_open with the final invoice open.
func (w *rcWorld) returnCar(t *testing.T) int64 {
	t.Helper()
	*w.now = w.now.Add(26 * time.Hour)
	_, out, err := w.svc.Return(w.ctx, &contract.Return{ContractID: w.c.ID, Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 1200, FuelEighths: 8, Cleanliness: "clean"}})
	must(t, err)
	if out.Status != contract.StatusPaymentOpen {
		t.Fatalf("return without card: status %s", out.Status)
	}
	return w.open(t)
}

func (w *rcWorld) open(t *testing.T) int64 {
	t.Helper()
	l, _, _, err := w.svc.Ledger(w.ctx, w.c.ID)
	must(t, err)
	return l.Open()
}

func (w *rcWorld) status(t *testing.T) contract.Status {
	t.Helper()
	c, err := w.s.Contract(w.ctx, w.c.ID)
	must(t, err)
	return c.Status
}

// fieldsOf maps each invalid field of err to "code: German text".
func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalid {
		for _, f := range e.Fields {
			out[f.Field] = string(f.Code) + ": " + f.Text(locale.German)
		}
	}
	return out
}

func eachDB(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}

// TestRecordReceipt: a payment received at the counter settles a
// payment_open contract: every invalid field is named at once and changes
// nothing, more than is open is refused, a partial payment leaves the rest
// open, the rest moves the contract to billed like a successful retry, and
// then nothing is open any more (conflict). A reversal reopens the amount
// and the contract.
func TestRecordReceipt(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newRcWorld(t, d)
		ok := contract.Receipt{Method: contract.MethodCash, AmountCents: 1000, ReceivedOn: "2026-11-28"}
		// before billing: nothing to record
		_, err := w.svc.RecordReceipt(w.ctx, w.c.ID, ok)
		if e, isErr := errs.As(err); !isErr || e.Kind != errs.KindConflict {
			t.Fatalf("receipt on an open contract: %v", err)
		}
		open := w.returnCar(t)
		if open <= 0 {
			t.Fatalf("open after the return: %d", open)
		}
		with := func(f func(*contract.Receipt)) contract.Receipt { r := ok; f(&r); return r }
		cases := []struct {
			name  string
			r     contract.Receipt
			field string
			msg   string
		}{
			{"unknown method", with(func(r *contract.Receipt) { r.Method = "cheque" }), "method", "receipt.method_choose"},
			{"no method", with(func(r *contract.Receipt) { r.Method = "" }), "method", "receipt.method_choose"},
			{"zero amount", with(func(r *contract.Receipt) { r.AmountCents = 0 }), "amount", "über 0,00 €"},
			{"negative amount", with(func(r *contract.Receipt) { r.AmountCents = -100 }), "amount", "über 0,00 €"},
			{"more than open", with(func(r *contract.Receipt) { r.AmountCents = open + 1 }), "amount", "höchstens 98,00 € offen"},
			{"terminal without slip", with(func(r *contract.Receipt) { r.Method = contract.MethodTerminal }), "reference", "receipt.slip_required"},
			{"transfer without reference", with(func(r *contract.Receipt) { r.Method, r.Reference = contract.MethodTransfer, "  " }), "reference", "receipt.bank_reference_required"},
			{"reference too long", with(func(r *contract.Receipt) { r.Reference = strings.Repeat("x", 201) }), "reference", "höchstens 200 Zeichen"},
			{"no date", with(func(r *contract.Receipt) { r.ReceivedOn = "" }), "received_on", "JJJJ-MM-TT"},
			{"bad date", with(func(r *contract.Receipt) { r.ReceivedOn = "28.11.2026" }), "received_on", "JJJJ-MM-TT"},
			{"future date", with(func(r *contract.Receipt) { r.ReceivedOn = "2026-11-29" }), "received_on", "receipt.received_on_future"},
			{"before the start", with(func(r *contract.Receipt) { r.ReceivedOn = "2026-11-26" }), "received_on", "vor dem Vertragsbeginn (27.11.2026)"},
		}
		for _, c := range cases {
			_, err := w.svc.RecordReceipt(w.ctx, w.c.ID, c.r)
			if m := fieldsOf(err)[c.field]; !strings.Contains(m, c.msg) {
				t.Errorf("%s: field %q got %q (err %v), want %q", c.name, c.field, m, err, c.msg)
			}
		}
		// all at once
		_, err = w.svc.RecordReceipt(w.ctx, w.c.ID, contract.Receipt{Method: contract.MethodTerminal, AmountCents: -1, ReceivedOn: "x"})
		if f := fieldsOf(err); len(f) != 3 || f["amount"] == "" || f["reference"] == "" || f["received_on"] == "" {
			t.Fatalf("everything wrong at once: %v", f)
		}
		if rs, _ := w.svc.Receipts(w.ctx, w.c.ID); len(rs) != 0 || w.open(t) != open || w.status(t) != contract.StatusPaymentOpen {
			t.Fatalf("invalid input changed something: %d receipts, open %d, status %s", len(rs), w.open(t), w.status(t))
		}

		// partial, then the rest
		part, err := w.svc.RecordReceipt(w.ctx, w.c.ID, contract.Receipt{Method: contract.MethodTerminal, AmountCents: 3000,
			Reference: " 000123 ", ReceivedOn: "2026-11-28"})
		must(t, err)
		if part.Reference != "000123" || part.CreatedBy != 7 || w.open(t) != open-3000 || w.status(t) != contract.StatusPaymentOpen {
			t.Fatalf("partial: %+v, open %d, status %s", part, w.open(t), w.status(t))
		}
		items, err := w.s.OpenItems(w.ctx)
		must(t, err)
		if len(items) != 1 || items[0].OpenCents != open-3000 {
			t.Fatalf("open items after a partial receipt: %+v", items)
		}
		if _, err := w.svc.RecordReceipt(w.ctx, w.c.ID, with(func(r *contract.Receipt) { r.AmountCents = open - 2999 })); fieldsOf(err)["amount"] == "" {
			t.Fatalf("over-payment after the partial: %v", err)
		}
		rest, err := w.svc.RecordReceipt(w.ctx, w.c.ID, contract.Receipt{Method: "Transfer", AmountCents: open - 3000,
			Reference: "SEPA-REF 77", ReceivedOn: "2026-11-28"})
		must(t, err)
		l, _, _, err := w.svc.Ledger(w.ctx, w.c.ID)
		must(t, err)
		if w.status(t) != contract.StatusBilled || !l.Balanced() || l.Paid() != l.Billed() || rest.Method != contract.MethodTransfer {
			t.Fatalf("settled: status %s, ledger %+v", w.status(t), l)
		}
		if items, _ := w.s.OpenItems(w.ctx); len(items) != 0 {
			t.Fatalf("open items after settling: %+v", items)
		}
		_, err = w.svc.RecordReceipt(w.ctx, w.c.ID, ok)
		if e, isErr := errs.As(err); !isErr || e.Kind != errs.KindConflict || e.Code != "nothing_open" {
			t.Fatalf("receipt with nothing open: %v", err)
		}

		// reversal: a reason is required; then the amount and payment_open come back
		if _, err := w.svc.ReverseReceipt(w.ctx, w.c.ID, part.ID, " "); fieldsOf(err)["reason"] == "" {
			t.Fatalf("reversal without reason: %v", err)
		}
		rev, err := w.svc.ReverseReceipt(w.ctx, w.c.ID, part.ID, "Terminalbeleg doppelt erfasst")
		must(t, err)
		if rev.Kind != contract.KindReversal || rev.AmountCents != 3000 || rev.ReceivedOn != "2026-11-28" ||
			w.open(t) != 3000 || w.status(t) != contract.StatusPaymentOpen {
			t.Fatalf("reversal %+v: open %d, status %s", rev, w.open(t), w.status(t))
		}
		if _, err := w.svc.ReverseReceipt(w.ctx, w.c.ID, part.ID, "noch mal"); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("second reversal: %v", err)
		}
		if _, err := w.svc.ReverseReceipt(w.ctx, w.c.ID, rev.ID, "Storno vom Storno"); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("reversal of a reversal: %v", err)
		}
		// paid again in cash: billed again
		_, err = w.svc.RecordReceipt(w.ctx, w.c.ID, contract.Receipt{Method: contract.MethodCash, AmountCents: 3000, ReceivedOn: "2026-11-28"})
		must(t, err)
		if w.status(t) != contract.StatusBilled || w.open(t) != 0 {
			t.Fatalf("paid again: status %s, open %d", w.status(t), w.open(t))
		}
		rs, err := w.svc.Receipts(w.ctx, w.c.ID)
		must(t, err)
		if len(rs) != 4 || contract.NetReceipts(rs) != open {
			t.Fatalf("receipts %+v", rs)
		}
	})
}

// TestReceiptIsolation: another station's staff and another tenant can
// neither record, reverse nor list the receipts of a contract.
func TestReceiptIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newRcWorld(t, d)
		open := w.returnCar(t)
		r, err := w.svc.RecordReceipt(w.ctx, w.c.ID, contract.Receipt{Method: contract.MethodCash, AmountCents: 100, ReceivedOn: "2026-11-28"})
		must(t, err)
		for name, ctx := range map[string]context.Context{"other station": w.other, "other tenant": w.alien} {
			if _, err := w.svc.RecordReceipt(ctx, w.c.ID, contract.Receipt{Method: contract.MethodCash, AmountCents: 100, ReceivedOn: "2026-11-28"}); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s records: %v", name, err)
			}
			if _, err := w.svc.ReverseReceipt(ctx, w.c.ID, r.ID, "fremd"); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s reverses: %v", name, err)
			}
			if _, err := w.svc.Receipts(ctx, w.c.ID); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s lists: %v", name, err)
			}
		}
		if w.open(t) != open-100 {
			t.Fatalf("open %d, want %d", w.open(t), open-100)
		}
	})
}
