package contract_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// The money invariants run over randomized histories of rentals on both
// databases: CI runs moneyHistories per database (over 1,000 in all);
// -money.long runs 20 times as many, -money.seed picks other histories.
var (
	moneyLong = flag.Bool("money.long", false, "run the money invariants over 20 times as many histories, reading every PDF")
	moneySeed = flag.Uint64("money.seed", 14, "seed of the randomized money histories")
)

const (
	moneyHistories = 520 // per database
	// moneyPDFEvery: every n-th history's documents are also read back as
	// PDF text (pdftotext) and compared with the amounts billing computed;
	// in long mode every history's.
	moneyPDFEvery = 20
)

// mclock is the one clock of the store, the services and the histories.
type mclock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *mclock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *mclock) Set(t time.Time)         { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *mclock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// mtenant is a dealership of the money world with its own rules: one
// reserves deposits and releases them and takes damages as compensation,
// the other charges deposits, sets them off and taxes damages.
type mtenant struct {
	tn       tenancy.Tenant
	st       tenancy.Station
	cat      fleet.Category
	std, alt pricing.Tariff
	admin    context.Context
	sys      context.Context
	sim      *telecashsim.Simulator // the dealership's gateway store
	// payers: an insurer, a capped manufacturer programme, a cost centre
	// and a fleet customer billed collectively (made on first use)
	payers []payer.Payer
	// collective is what the fleet customer's share of each returned
	// rental came to (its collective invoice must bill the sum)
	collective int64
}

// tenantGateways gives each tenant its own gateway.
type tenantGateways map[int64]payment.Gateway

func (g tenantGateways) Gateway(_ context.Context, tenantID int64) (payment.Gateway, error) {
	if gw, ok := g[tenantID]; ok {
		return gw, nil
	}
	return nil, fmt.Errorf("no gateway for tenant %d", tenantID)
}

// mworld is one database with both tenants, the Telecash simulator over
// HTTP, and the booking and contract services as the server wires them.
type mworld struct {
	s         *store.Store
	clk       *mclock
	bookings  *booking.Service
	contracts *contract.Service
	tenants   [2]*mtenant
	cdeps     contract.Deps // the contract service's ports (tests wrap some)
	loc       *time.Location
	start     time.Time
}

func newMoneyWorld(t *testing.T, d store.Dialect) *mworld {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	w := &mworld{clk: &mclock{t: time.Date(2026, 1, 5, 8, 0, 0, 0, loc)}, loc: loc}
	w.start = w.clk.Now()
	dsn := filepath.Join(t.TempDir(), "money.db")
	if d == store.Postgres {
		dsn = testenv.PostgresDSN(t)
	}
	s, err := store.Open(context.Background(), dsn, store.Options{Now: w.clk.Now})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(context.Background())
	must(t, err)
	w.s = s
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	gws := tenantGateways{}
	pay := payment.NewService(s, gws, payment.Config{InquiryDelay: 10 * time.Millisecond, InquiryAttempts: 2}, nil, nil, log)
	mt, err := mailtmpl.New()
	must(t, err)
	renderer := pdf.New()
	w.bookings = booking.NewService(booking.Deps{Bookings: s, Changes: s, Customers: s, Tariffs: s, Tenancy: s, Categories: s,
		Payments: pay, Records: s, Invoices: s, Issued: s, Renderer: renderer, EInvoicer: xrechnung.EInvoicer{},
		Mailer: mailtmpl.NewBookingMailer(mt, "", ""), Outbox: s, Now: w.clk.Now, Log: log})
	w.cdeps = contract.Deps{Store: s, Bookings: s, Vehicles: s, Tariffs: s, Tenancy: s, Customers: s,
		Payments: pay, Records: s, Invoices: s, Issued: s, Renderer: renderer, EInvoicer: xrechnung.EInvoicer{},
		Mailer: mailtmpl.NewContractMailer(mt, "", w.clk.Now), Now: w.clk.Now, Log: log, Covers: s, Payers: s, Collective: s, Assignments: s}
	w.contracts = contract.NewService(w.cdeps)
	root := identity.WithActor(context.Background(), identity.System())
	for i, cfg := range []struct {
		slug, mode, settle string
		damageTaxed        bool
		fee                int64
		freeHours          int
	}{{"koenig", billing.DepositPreAuth, billing.SettleRelease, false, 2500, 24}, {"huber", billing.DepositCharge, billing.SettleSetOff, true, 1500, 48}} {
		m := &mtenant{}
		m.tn = tenancy.Tenant{Slug: cfg.slug, Name: "Autohaus " + cfg.slug, LegalName: "Autohaus " + cfg.slug + " GmbH",
			Street: "Hauptstr. 1", PostalCode: "94315", City: "Straubing", Country: "DE", VATID: "DE123456789", TaxNumber: "162/123/45678",
			Phone: "+49 9421 12345", Email: "rechnung@" + cfg.slug + ".de", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX",
			DepositMode: cfg.mode, DepositSettlement: cfg.settle, DamageTaxable: cfg.damageTaxed,
			CancelFeeCents: cfg.fee, CancelFreeHours: cfg.freeHours, MinNoticeMinutes: 60, MaxRentalDays: 60}
		must(t, s.CreateTenant(root, &m.tn))
		// each dealership has its own gateway store, as in production
		sim, err := telecashsim.NewServer("127.0.0.1:0", telecashsim.Options{})
		must(t, err)
		t.Cleanup(func() { sim.Close() })
		m.sim = sim.Sim
		gws[m.tn.ID], err = telecash.New(telecash.Config{BaseURL: sim.URL, APIKey: telecashsim.DefaultAPIKey,
			APISecret: telecashsim.DefaultAPISecret, StoreID: telecashsim.DefaultStoreID, Timeout: 5 * time.Second})
		must(t, err)
		m.sys = identity.WithActor(context.Background(), identity.SystemFor(m.tn.ID))
		m.admin = identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: m.tn.ID, UserID: int64(10 + i),
			Name: "Karin König", Role: identity.RoleAdmin})
		m.st = tenancy.Station{Code: "SR", Name: "Straubing", Street: "Landshuter Str. 5", PostalCode: "94315", City: "Straubing",
			Phone: "+49 9421 54321", Active: true}
		for d := range 7 {
			m.st.Hours[d] = []tenancy.Span{{Open: 6 * 60, Close: 22 * 60}}
		}
		must(t, s.CreateStation(m.sys, &m.st))
		m.cat = fleet.Category{Code: "CDMR", NameDE: "Kompaktklasse", NameEN: "Compact", Transmission: "manual", Seats: 5, Doors: 5, Active: true}
		must(t, s.CreateCategory(m.sys, &m.cat))
		m.std = pricing.Tariff{Code: "STD", Name: "Standard", Kind: "standard", PricePerDayCents: 4900, IncludedKMPerDay: 200, ExtraKMCents: 25,
			RefuelPerEighthCents: 1500, CleaningFeeCents: 3900, DepositCents: 30000, DayCounting: "24h", GraceMinutes: 59, VATRateBP: 1900,
			ValidFrom: "2020-01-01", CategoryIDs: []int64{m.cat.ID}, Active: true}
		must(t, s.CreateTariff(m.sys, &m.std))
		m.alt = pricing.Tariff{Code: "KOMFORT", Name: "Komfort", Kind: "workshop", PricePerDayCents: 6900, IncludedKMPerDay: 300, ExtraKMCents: 19,
			RefuelPerLitreCents: 229, CleaningFeeCents: 2900, DepositCents: 50000, DayCounting: "calendar", GraceMinutes: 0,
			ValidFrom: "2020-01-01", CategoryIDs: []int64{m.cat.ID}, Active: true}
		must(t, s.CreateTariff(m.sys, &m.alt))
		for k := range 2 {
			v := fleet.Vehicle{StationID: m.st.ID, CategoryID: m.cat.ID, Plate: fmt.Sprintf("SR-%c %d", 'A'+i, 100+k),
				VIN: fmt.Sprintf("WVWZZZ1KZAW%06d", 100*i+k), Make: "VW", Model: "Golf", OdometerKM: 10000, FuelEighths: 8, TankLitres: 48}
			must(t, s.CreateVehicle(m.sys, &v))
		}
		w.tenants[i] = m
	}
	return w
}

// TestMoneyInvariants: over randomized histories — online bookings and
// walk-ins, period changes, cancellations with and without a waived fee,
// handovers, tariff changes on the contract and in the price list,
// extensions, damages at and after the return (taxed and not), returns with
// extra km, refuelling and cleaning, credit notes to the card and in cash,
// counter receipts, payouts and reversals — on both databases:
//
//   - the sales journal's gross total for the rental equals the money the
//     dealer kept (gateway charges and captures less refunds, deposits
//     apart unless set off, plus counter receipts less payouts), which is
//     also what the gateway (the simulator's own books) says moved;
//   - the contract's ledger agrees with both, nothing stays open or held;
//   - no two documents book the same money (no credit note on a final
//     invoice's own refund, none beyond what its invoice allows);
//   - the final invoice and the damage settlement carry exactly the lines
//     billing computes from the contract's terms snapshot, the protocols,
//     the damages and the advances; the snapshot holds the booked day price
//     and the deposit actually held; the printed PDFs and e-invoices say
//     the same amounts (every n-th history; all with -money.long);
//   - the revenue report equals the journal per station and month.
func TestMoneyInvariants(t *testing.T) {
	n := moneyHistories
	if *moneyLong {
		n *= 20
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { moneyHistoriesOn(t, d, n) })
	}
}

func moneyHistoriesOn(t *testing.T, d store.Dialect, n int) {
	{
		w := newMoneyWorld(t, d)
		stats := map[string]int{}
		for i := range n {
			r := rand.New(rand.NewPCG(*moneySeed, uint64(i)))
			h := &mhistory{w: w, t: t, r: r, i: i, stats: stats, readPDF: *moneyLong || i%moneyPDFEvery == 0}
			h.run()
		}
		w.checkCollective(t, stats)
		w.checkReports(t)
		t.Logf("%d histories: %v", n, stats)
	}
}

// mhistory is one randomized rental.
type mhistory struct {
	w       *mworld
	t       *testing.T
	r       *rand.Rand
	i       int
	m       *mtenant
	stats   map[string]int
	readPDF bool
	from    time.Time // the history's first document is issued at or after it
	res     booking.Reservation
	c       contract.Contract
	online  bool
	cust    customer.Customer
	cover   payer.Cover // the rental's cover (ModeDriver: none)
	payer   payer.Payer // its payer under the terms the cover kept
	// resplit: the bill was corrected after billing (cover, end): the
	// final invoice no longer carries the driver's whole share
	resplit bool
}

func (h *mhistory) fatalf(format string, args ...any) {
	h.t.Helper()
	h.t.Fatalf("history %d (seed %d): %s", h.i, *moneySeed, fmt.Sprintf(format, args...))
}

func (h *mhistory) must(err error, what string) {
	h.t.Helper()
	if err != nil {
		h.fatalf("%s: %v", what, err)
	}
}

func (h *mhistory) chance(p float64) bool { return h.r.Float64() < p }

// at is a full hour on the day n days after t, between 8 and 18 o'clock.
func (h *mhistory) at(t time.Time, days int) time.Time {
	d := t.In(h.w.loc).AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), 8+h.r.IntN(11), 0, 0, 0, h.w.loc)
}

func (h *mhistory) run() {
	w := h.w
	h.m = w.tenants[h.r.IntN(2)]
	h.online = h.r.IntN(5) != 0
	h.from = w.clk.Now()
	lang := "de"
	if h.chance(0.2) {
		lang = "en"
	}
	h.cust = customer.Customer{Email: fmt.Sprintf("kunde%d@example.de", h.i), FirstName: "Eva", LastName: fmt.Sprintf("Muster %d", h.i),
		Street: "Weg 1", PostalCode: "94315", City: "Straubing", Country: "DE", Language: lang, Phone: "+49 170 1234567"}
	if h.chance(0.3) {
		h.cust.Company, h.cust.VATID = fmt.Sprintf("Flotte %d GmbH", h.i), "DE987654321"
		h.stats["business"]++
	}
	h.priceListChange(0.1)
	if h.online {
		if !h.book() {
			return // cancelled before pickup
		}
	} else {
		h.walkIn()
	}
	h.priceListChange(0.15) // between booking and handover
	h.handover()
	h.setCover(0.35)
	h.whileOut()
	h.priceListChange(0.15) // while the car is out
	h.returnCar()
	h.afterBilling()
	h.settle()
	h.check()
	w.clk.Advance(time.Duration(1+h.r.IntN(3)) * 24 * time.Hour)
}

// priceListChange changes, with probability p, the dealer's price list
// (both tariffs' day prices, km and fuel prices and deposits): bookings keep
// their quoted price and contracts the terms of their snapshot.
func (h *mhistory) priceListChange(p float64) {
	if !h.chance(p) {
		return
	}
	for _, tf := range []*pricing.Tariff{&h.m.std, &h.m.alt} {
		x := *tf
		x.PricePerDayCents = 3900 + int64(h.r.IntN(4))*1000
		x.ExtraKMCents = int64(15 + h.r.IntN(20))
		x.CleaningFeeCents = int64(2900 + h.r.IntN(2)*1000)
		x.DepositCents = int64(10000 + h.r.IntN(3)*10000)
		if x.RefuelPerLitreCents > 0 {
			x.RefuelPerLitreCents = int64(199 + h.r.IntN(60))
		} else {
			x.RefuelPerEighthCents = int64(1200 + h.r.IntN(600))
		}
		h.must(h.w.s.UpdateTariff(h.m.admin, &x), "price list change")
		*tf = x
	}
	h.stats["price list changed"]++
}

// book books online with a card, maybe changes the period, maybe cancels
// (reporting false then, after checking the cancellation's money).
func (h *mhistory) book() bool {
	w := h.w
	pickup := h.at(w.clk.Now(), 1+h.r.IntN(4))
	ret := h.at(pickup, 1+h.r.IntN(5))
	d, err := w.bookings.Book(h.m.sys, booking.BookRequest{Customer: h.cust, StationCode: "SR", CategoryCode: "CDMR",
		Pickup: pickup, Return: ret, Card: &payment.Card{Number: "4111111111111111", ExpMonth: 12, ExpYear: 2060, CVV: "123"}})
	h.must(err, "book")
	if d.Reservation.Status != booking.StatusConfirmed {
		h.fatalf("booking %s is %s", d.Reservation.Number, d.Reservation.Status)
	}
	h.res = d.Reservation
	h.stats["online"]++
	if h.chance(0.2) {
		newRet := h.at(ret, h.r.IntN(3)-1)
		if newRet.After(pickup.Add(2 * time.Hour)) {
			d, err = w.bookings.Change(h.m.sys, h.res.Number, booking.ChangeRequest{Return: &newRet})
			h.must(err, "change period")
			h.res = d.Reservation
			h.stats["period changed before pickup"]++
		}
	}
	if h.chance(0.15) {
		if h.chance(0.5) { // within the fee window
			w.clk.Set(h.res.Pickup.Add(-3 * time.Hour))
		}
		o := booking.CancelOptions{}
		if h.chance(0.4) {
			o = booking.CancelOptions{WaiveFee: true, Reason: "Kulanz: Werkstatttermin verschoben"}
		}
		preview, err := w.bookings.CancelPreview(h.m.admin, h.res.Number)
		h.must(err, "cancel preview")
		c, err := w.bookings.CancelWith(h.m.admin, h.res.Number, o)
		h.must(err, "cancel")
		if c.RefundCents != preview.PaidCents-c.FeeCents || (!o.WaiveFee && c.FeeCents != preview.FeeCents) ||
			(o.WaiveFee && c.FeeCents != 0) {
			h.fatalf("cancellation %+v differs from its preview %+v", c.CancelQuote, preview)
		}
		h.stats["cancelled"]++
		if o.WaiveFee && preview.TariffFee > 0 {
			h.stats["cancelled, fee waived"]++
		} else if c.FeeCents > 0 {
			h.stats["cancelled with a fee"]++
		}
		h.check()
		w.clk.Advance(24 * time.Hour)
		return false
	}
	return true
}

// walkIn creates a walk-in reservation for a customer at the counter: no
// card stored, no advance; the final invoice stays open for the counter.
func (h *mhistory) walkIn() {
	w := h.w
	_, _, err := w.s.UpsertCustomer(h.m.sys, &h.cust)
	h.must(err, "walk-in customer")
	now := w.clk.Now()
	r := booking.Reservation{CustomerID: h.cust.ID, StationID: h.m.st.ID, CategoryID: h.m.cat.ID, TariffID: h.m.std.ID,
		Pickup: now.Add(10 * time.Minute), Return: h.at(now, 1+h.r.IntN(4))}
	h.must(w.contracts.WalkIn(h.m.admin, &r), "walk-in")
	h.res = r
	h.stats["walk-in"]++
}

func (h *mhistory) handover() {
	w := h.w
	if at := h.res.Pickup.Add(time.Duration(h.r.IntN(30)) * time.Minute); at.After(w.clk.Now()) {
		w.clk.Set(at)
	}
	res, err := w.s.Reservation(h.m.sys, h.res.ID)
	h.must(err, "reservation")
	vid := res.VehicleID
	if vid == 0 {
		vs, err := w.s.FreeVehicles(h.m.sys, h.m.st.ID, res.Pickup, res.Return, res.ID)
		h.must(err, "free vehicles")
		vid = vs[0].ID
	}
	v, err := w.s.Vehicle(h.m.sys, vid)
	h.must(err, "vehicle")
	h.c, err = w.contracts.Handover(h.m.admin, &contract.Handover{ReservationID: h.res.ID, VehicleID: vid, LicenceChecked: true, TimingConfirmed: true,
		Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Eva", LastName: "Muster", LicenceNumber: "B072RRE2I55",
			LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}},
		Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: v.OdometerKM, FuelEighths: v.FuelEighths, Cleanliness: "clean"}})
	h.must(err, "handover")
	// the snapshot: the day price the booking was quoted, the deposit held
	recs, err := w.s.ListPayments(h.m.sys, payment.RecordFilter{ReservationID: h.res.ID})
	h.must(err, "payments")
	var held int64
	for _, p := range recs {
		if p.Purpose == contract.PurposeDeposit && p.ParentID == 0 && p.Status == payment.StatusApproved {
			held += p.Amount.Cents
		}
	}
	tr := h.c.Terms
	if tr.PricePerDayCents != res.DayPriceCents || tr.DepositCents != held || tr.TankLitres != v.TankLitres ||
		tr.DamageTaxable != h.m.tn.DamageTaxable || tr.Source != pricing.TermsAtHandover {
		h.fatalf("terms snapshot %+v; booked day price %d, deposit held %d, tank %d", tr, res.DayPriceCents, held, v.TankLitres)
	}
}

// setCover, with probability p, has someone else pay the running rental:
// an insurer at its agreed rate, a manufacturer programme capped at two
// days, the workshop's cost centre (courtesy car) or a fleet customer
// billed collectively; later, sometimes, the payer's terms change (the
// cover keeps those it was set with).
func (h *mhistory) setCover(p float64) {
	w := h.w
	h.cover = payer.Cover{Mode: payer.ModeDriver}
	if !h.chance(p) {
		return
	}
	if h.m.payers == nil {
		addr := func(q payer.Payer) payer.Payer {
			q.Street, q.PostalCode, q.City, q.Country, q.Active, q.PaymentDays = "Königinstr. 28", "80802", "München", "DE", true, 30
			return q
		}
		for _, q := range []payer.Payer{
			addr(payer.Payer{Kind: payer.KindInsurer, Name: "Allianz", VATID: "DE811191545", BuyerReference: "KS-Süd", Email: "kfz@allianz.example",
				Covers: map[string]bool{payer.PartRent: true, payer.PartDamages: true}, Rates: []payer.Rate{{CategoryID: h.m.cat.ID, PricePerDayCents: 5500}}}),
			addr(payer.Payer{Kind: payer.KindManufacturer, Name: "VW Mobilitätsgarantie", CapDays: 2,
				Covers: map[string]bool{payer.PartRent: true, payer.PartKM: true}}),
			{Kind: payer.KindCostCentre, Name: "Werkstatt Kulanz", Country: "DE", Active: true,
				Covers: map[string]bool{payer.PartRent: true, payer.PartKM: true, payer.PartFuel: true}},
			addr(payer.Payer{Kind: payer.KindFleet, Name: "Ostbayern Leasing", VATID: "DE274589306", Collective: true,
				Covers: map[string]bool{payer.PartRent: true, payer.PartKM: true, payer.PartCleaning: true}}),
		} {
			h.must(w.s.CreatePayer(h.m.admin, &q), "payer")
			h.m.payers = append(h.m.payers, q)
		}
	}
	q := h.m.payers[h.r.IntN(len(h.m.payers))]
	h.cover = payer.Cover{ReservationID: h.res.ID, Mode: payer.ModePayer, PayerID: q.ID, ClaimNumber: fmt.Sprintf("SCH-%d", h.i)}
	if q.Kind == payer.KindCostCentre {
		h.cover.Mode = payer.ModeInternal
	}
	h.must(w.s.SetCover(h.m.admin, &h.cover), "cover")
	h.payer = q
	h.stats["cover "+q.Kind]++
	if h.chance(0.3) { // the payer's terms change; this rental keeps its own
		q.CapDays, q.Rates = q.CapDays+1, nil
		h.must(w.s.UpdatePayer(h.m.admin, &q), "payer terms")
		for i := range h.m.payers {
			if h.m.payers[i].ID == q.ID {
				h.m.payers[i] = q
			}
		}
		h.stats["payer terms changed while out"]++
	}
}

// whileOut changes the running contract: its tariff (a recorded change
// that replaces the snapshot), its period, an extension paid in advance, a
// damage charged while the car is out.
func (h *mhistory) whileOut() {
	w := h.w
	w.clk.Advance(time.Duration(1+h.r.IntN(6)) * time.Hour)
	if h.chance(0.2) {
		alt := h.m.alt.ID
		_, err := w.contracts.Update(h.m.admin, h.c.ID, contract.Edit{TariffID: &alt, Notify: h.chance(0.5)})
		h.must(err, "tariff change")
		h.stats["tariff changed on the contract"]++
	}
	if h.chance(0.15) {
		end := h.at(h.c.PlannedEnd, 1)
		_, err := w.contracts.Update(h.m.admin, h.c.ID, contract.Edit{PlannedEnd: &end, Notify: h.chance(0.5)})
		h.must(err, "period change")
		h.stats["period changed on the contract"]++
	}
	if h.online && h.chance(0.35) {
		_, _, err := w.contracts.Charge(h.m.admin, h.c.ID, contract.LaterCharge{Kind: contract.PurposeExtension,
			Description: "Verlängerung", Cents: int64(1+h.r.IntN(3)) * 4900})
		h.must(err, "extension")
		h.stats["extension"]++
	}
	if h.online && h.chance(0.1) {
		_, _, err := w.contracts.Charge(h.m.admin, h.c.ID, contract.LaterCharge{Kind: contract.PurposeDamage,
			Description: "Glasbruch Außenspiegel", Cents: int64(5000 + h.r.IntN(20000))})
		h.must(err, "damage while out")
		h.stats["damage charged while out"]++
	}
	var err error
	h.c, err = w.s.Contract(h.m.sys, h.c.ID)
	h.must(err, "contract")
}

func (h *mhistory) returnCar() {
	w := h.w
	back := h.c.PlannedEnd.Add(time.Duration(h.r.IntN(40)-30) * time.Hour)
	if h.chance(0.4) { // back early, often below what was paid in advance
		back = h.c.Start.Add(time.Duration(2+h.r.IntN(30)) * time.Hour)
	}
	if !back.After(w.clk.Now()) {
		back = w.clk.Now().Add(time.Duration(1+h.r.IntN(5)) * time.Hour)
	}
	w.clk.Set(back)
	ps, err := w.s.Protocols(h.m.sys, h.c.ID)
	h.must(err, "protocols")
	p := contract.Protocol{UnsignedReason: "Schlüsselkasten", OdometerKM: ps[0].OdometerKM + int64(h.r.IntN(1800)), FuelEighths: h.r.IntN(9),
		Cleanliness: fleet.Cleanliness[h.r.IntN(len(fleet.Cleanliness))]}
	if h.chance(0.3) {
		p.NewDamages = []fleet.Damage{{View: "left", X: 30, Y: 50, Kind: "scratch", Severity: "minor", Description: "Kratzer Tür hinten links",
			ChargeCents: int64(1000 + h.r.IntN(80000))}}
		h.stats["damage at the return"]++
	}
	// the preview staff confirm is what the return then bills: the same
	// lines, the same total and the same settlement
	pv, err := w.contracts.PreviewReturn(h.m.admin, &contract.Return{ContractID: h.c.ID, Protocol: p})
	h.must(err, "preview")
	c, out, err := w.contracts.Return(h.m.admin, &contract.Return{ContractID: h.c.ID, Protocol: p})
	h.must(err, "return")
	h.c = c
	h.checkPreview(pv, out)
	h.checkPayer(pv, out)
	switch {
	case out.Bill.Due < 0:
		h.stats["final pays back"]++
	case out.Bill.Due == 0:
		h.stats["final settled by advances"]++
	}
	if out.Compensation != nil {
		h.stats["damage settlement"]++
	}
	if out.Status == contract.StatusPaymentOpen {
		h.stats["payment open"]++
	}
}

// checkPreview compares a return's preview with what the return billed:
// the final invoice's and the damage settlement's lines, the total, the
// settlement and the amount charged to the card.
func (h *mhistory) checkPreview(pv contract.Preview, out contract.Outcome) {
	if !sameLines(pv.Bill.Lines, out.Final.Invoice.Lines) {
		h.fatalf("preview lines %+v, final invoice %+v", pv.Bill.Lines, out.Final.Invoice.Lines)
	}
	var comp []invoice.Line
	if out.Compensation != nil {
		comp = out.Compensation.Invoice.Lines
	}
	if !sameLines(pv.Bill.Compensation, comp) {
		h.fatalf("preview compensation %+v, issued %+v", pv.Bill.Compensation, comp)
	}
	if pv.Bill.Total != out.Bill.Total || pv.Bill.Days != out.Bill.Days || pv.Bill.Totals.Gross != invoice.Compute(out.Final.Invoice).Gross {
		h.fatalf("preview total %d (%d days, gross %d), billed %d (%d days, gross %d)", pv.Bill.Total, pv.Bill.Days, pv.Bill.Totals.Gross,
			out.Bill.Total, out.Bill.Days, invoice.Compute(out.Final.Invoice).Gross)
	}
	if pv.Settled != out.Settled {
		h.fatalf("preview settlement %+v, billed %+v", pv.Settled, out.Settled)
	}
	switch {
	case pv.Settled.Charge > 0 && !pv.CardStored && out.Status != contract.StatusPaymentOpen:
		h.fatalf("preview: no stored card for %d; billed %s", pv.Settled.Charge, out.Status)
	case out.Charge != nil && out.Charge.Status == payment.StatusApproved && out.Charge.Amount.Cents != pv.Settled.Charge:
		h.fatalf("preview charges %d, the card was charged %d", pv.Settled.Charge, out.Charge.Amount.Cents)
	}
	h.stats["preview = invoice"]++
}

// checkPayer compares what the payer was invoiced at the return with the
// preview's split: the payer's invoice (and claim) for its share, or, for
// the collective fleet customer, nothing yet (its share is remembered for
// its collective invoice); no payer, no payer document.
func (h *mhistory) checkPayer(pv contract.Preview, out contract.Outcome) {
	var issued int64
	for _, d := range out.PayerInvoices {
		issued += d.Totals.Gross
		if d.PayerID != h.payer.ID {
			h.fatalf("payer document to %d, the cover names %d", d.PayerID, h.payer.ID)
		}
	}
	sp := pv.Split
	switch {
	case h.cover.Mode == payer.ModeDriver:
		if len(out.PayerInvoices) != 0 || sp.Covered() {
			h.fatalf("driver only, yet payer documents %+v / split %+v", out.PayerInvoices, sp.Cover)
		}
	case sp.Collective():
		var claim int64
		for _, l := range sp.PayerShare.Compensation {
			claim += invoice.LineGross(l)
		}
		if issued != claim {
			h.fatalf("collective payer invoiced %d at return, its damage claim is %d", issued, claim)
		}
		h.m.collective += sp.PayerGross() - claim
		h.stats["collective share"]++
	default:
		if issued != sp.PayerGross() {
			h.fatalf("payer invoiced %d, the preview split %d", issued, sp.PayerGross())
		}
	}
}

// afterBilling: receipts at the counter (and a reversal), credit notes to
// the card or in cash, a later damage charge.
func (h *mhistory) afterBilling() {
	w := h.w
	w.clk.Advance(time.Duration(1+h.r.IntN(48)) * time.Hour)
	today := w.clk.Now().In(w.loc).Format("2006-01-02")
	methods := []string{contract.MethodCash, contract.MethodTerminal, contract.MethodTransfer}
	if h.chance(0.2) {
		h.correct()
	}
	open := h.open()
	if open > 0 && h.chance(0.6) {
		part := open
		if h.chance(0.4) {
			part = max(open/2, 1)
		}
		m := methods[h.r.IntN(3)]
		rc, err := w.contracts.RecordReceipt(h.m.admin, h.c.ID, contract.Receipt{Method: m, AmountCents: part, Reference: "R-4711", ReceivedOn: today})
		h.must(err, "receipt")
		h.stats["counter receipt"]++
		if h.chance(0.2) {
			_, err := w.contracts.ReverseReceipt(h.m.admin, h.c.ID, rc.ID, "falscher Betrag")
			h.must(err, "reversal")
			h.stats["receipt reversed"]++
		}
	}
	if h.chance(0.25) {
		h.creditNote()
	}
	if h.online && h.chance(0.1) {
		_, _, err := w.contracts.Charge(h.m.admin, h.c.ID, contract.LaterCharge{Kind: contract.PurposeDamage,
			Description: "Felge vorne rechts", Cents: int64(3000 + h.r.IntN(30000))})
		h.must(err, "later damage")
		h.stats["damage charged after billing"]++
	}
}

// correct changes the billed rental's cover (to the driver, a payer or a
// cost centre, chosen at random) and, sometimes, its end (some hours
// earlier: a return recorded late), and checks right after that the
// driver's ledger bills the new split's driver share and the payers' net
// documents its payer share — the bill recomputed from the protocols.
func (h *mhistory) correct() {
	w := h.w
	c, err := w.s.Contract(h.m.sys, h.c.ID)
	h.must(err, "contract")
	if c.Status != contract.StatusBilled && c.Status != contract.StatusPaymentOpen {
		return
	}
	co := &contract.Correction{Cover: payer.Cover{Mode: payer.ModeDriver}}
	if len(h.m.payers) > 0 && h.chance(0.7) {
		q := h.m.payers[h.r.IntN(len(h.m.payers))]
		co.Cover = payer.Cover{Mode: payer.ModePayer, PayerID: q.ID, ClaimNumber: fmt.Sprintf("NACH-%d", h.i)}
		if q.Kind == payer.KindCostCentre {
			co.Cover.Mode = payer.ModeInternal
		}
	}
	if h.chance(0.4) {
		if span := c.EndedAt.Sub(c.Start); span > 2*time.Hour {
			co.End = c.EndedAt.Add(-time.Duration(1+h.r.IntN(int(span.Hours())-1)) * time.Hour).Truncate(time.Minute)
		}
	}
	lb, _, _, err := w.contracts.Ledger(h.m.admin, c.ID)
	h.must(err, "ledger")
	billedBefore := lb.Billed()
	driverBefore, payersBefore := h.shares()
	plan, err := w.contracts.PlanResplit(h.m.admin, c.ID, co)
	if e, ok := errs.As(err); ok && e.Kind == errs.KindConflict {
		switch e.Code {
		case "resplit_collective", "resplit_drift", "resplit_by_hand", "resplit_payer_paid":
			h.stats["correction refused: "+string(e.Code)]++
			return
		}
	}
	h.must(err, "plan correction")
	_, err = w.contracts.Resplit(h.m.admin, c.ID, &contract.Correction{Cover: co.Cover, End: co.End}, plan.Token)
	h.must(err, "correction")
	h.resplit = true
	h.stats["corrected after billing"]++
	if plan.EndChanged {
		h.stats["return time corrected"]++
	}
	cv, err := w.s.Cover(h.m.admin, c.ReservationID)
	h.must(err, "cover")
	h.cover = cv
	if cv.PayerID != 0 {
		p, err := w.s.Payer(h.m.admin, cv.PayerID)
		h.must(err, "payer")
		h.payer = cv.Apply(p)
	}
	// the documents moved exactly the difference between the shares the
	// test computes itself before and after
	l, _, _, err := w.contracts.Ledger(h.m.admin, c.ID)
	h.must(err, "ledger")
	driverAfter, payersAfter := h.shares()
	if l.Billed()-billedBefore != driverAfter-driverBefore {
		h.fatalf("the correction billed the driver %d more, the shares moved %d → %d", l.Billed()-billedBefore, driverBefore, driverAfter)
	}
	all, err := w.s.ListInvoices(h.m.sys, invoice.Filter{ContractID: c.ID})
	h.must(err, "documents")
	var payers int64
	for _, d := range all {
		switch {
		case d.PayerID == 0:
		case d.Kind == invoice.KindCreditNote:
			payers -= d.Gross
		default:
			payers += d.Gross
		}
	}
	if payers != payersAfter || payersAfter != plan.New.PayerGross() || payersBefore != plan.Old.PayerGross() {
		h.fatalf("after the correction the payers are invoiced %d net; the test computes %d (before %d), the plan %d", payers,
			payersAfter, payersBefore, plan.New.PayerGross())
	}
}

// creditNote credits part of an invoice the contract may still credit, to
// the card or in cash.
func (h *mhistory) creditNote() {
	w := h.w
	_, recs, docs, err := w.contracts.Ledger(h.m.admin, h.c.ID)
	h.must(err, "ledger")
	_, onCard := refundableOnCard(recs)
	for _, d := range docs {
		limit := d.Gross
		switch d.Kind {
		case invoice.KindCreditNote:
			continue
		case invoice.KindFinal:
			limit = max(d.Due, 0)
		}
		for _, cn := range docs {
			if cn.Kind == invoice.KindCreditNote && cn.CorrectsID == d.ID {
				limit -= cn.Gross
			}
		}
		if limit <= 0 {
			continue
		}
		cents := int64(1 + h.r.IntN(int(limit)))
		to := contract.RefundTo{}
		if !h.online || cents > onCard || h.chance(0.3) {
			to = contract.RefundTo{Method: contract.MethodCash}
			h.stats["credit note paid in cash"]++
		} else {
			h.stats["credit note to the card"]++
		}
		_, err := w.contracts.Refund(h.m.admin, h.c.ID, d.ID, cents, "Kulanz", to)
		h.must(err, "credit note")
		return
	}
}

// refundableOnCard is what the card charges of records can still refund.
func refundableOnCard(recs []payment.Record) (int, int64) {
	refunded := map[int64]int64{}
	for _, r := range recs {
		if r.Operation == payment.OpRefund && r.Status == payment.StatusApproved {
			refunded[r.ParentID] += r.Amount.Cents
		}
	}
	var n int
	var total int64
	for _, r := range recs {
		if r.ParentID == 0 && r.Purpose != contract.PurposeDeposit && r.Status == payment.StatusApproved &&
			(r.Operation == payment.OpSale || r.Operation == payment.OpTokenSale) {
			n++
			total += r.Amount.Cents - refunded[r.ID]
		}
	}
	return n, total
}

func (h *mhistory) open() int64 {
	l, _, _, err := h.w.contracts.Ledger(h.m.admin, h.c.ID)
	h.must(err, "ledger")
	return l.Open()
}

// settle pays what is still open at the counter and pays out what was paid
// too much, as staff would, so that the books can be compared.
func (h *mhistory) settle() {
	w := h.w
	today := w.clk.Now().In(w.loc).Format("2006-01-02")
	if open := h.open(); open > 0 {
		_, err := w.contracts.RecordReceipt(h.m.admin, h.c.ID, contract.Receipt{Method: contract.MethodCash, AmountCents: open, ReceivedOn: today})
		h.must(err, "receipt of the rest")
	} else if open < 0 {
		_, err := w.contracts.RecordPayout(h.m.admin, h.c.ID, contract.Receipt{Method: contract.MethodCash, AmountCents: -open, ReceivedOn: today})
		h.must(err, "payout")
		h.stats["paid out at the end"]++
	}
}

// kept is the money the dealer kept for the rental, from the payment
// records and receipts alone (not from any ledger code): every approved
// charge and capture, less refunds and voids of them; deposits count as
// they moved (held deposits must be settled by now), pre-authorisations
// are no money; plus receipts less payouts at the counter. gateway is the
// gateway part, and orders the gateway orders the records name.
func kept(recs []payment.Record, rcs []contract.Receipt) (total, gateway int64, orders []string) {
	byID := map[int64]payment.Record{}
	for _, r := range recs {
		byID[r.ID] = r
		if !slices.Contains(orders, r.OrderID) && r.OrderID != "" {
			orders = append(orders, r.OrderID)
		}
	}
	for _, r := range recs {
		if r.Status != payment.StatusApproved {
			continue
		}
		switch r.Operation {
		case payment.OpSale, payment.OpTokenSale, payment.OpCapture:
			gateway += r.Amount.Cents
		case payment.OpRefund:
			gateway -= r.Amount.Cents
		case payment.OpVoid:
			gateway -= byID[r.ParentID].Amount.Cents
		}
	}
	return gateway + contract.NetReceipts(rcs), gateway, orders
}

// check compares the books of the history: journal, money, gateway,
// ledger, documents.
func (h *mhistory) check() {
	h.t.Helper()
	w := h.w
	now := w.clk.Now()
	entries, tot, err := w.s.Journal(h.m.admin, invoice.JournalQuery{From: h.from, To: now.Add(time.Second)})
	h.must(err, "journal")
	recs, err := w.s.ListPayments(h.m.sys, payment.RecordFilter{ReservationID: h.res.ID})
	h.must(err, "payments")
	var rcs []contract.Receipt
	if h.c.ID != 0 {
		rcs, err = w.contracts.Receipts(h.m.admin, h.c.ID)
		h.must(err, "receipts")
	}
	money, gateway, orders := kept(recs, rcs)
	// the payers' documents are their receivables, not the driver's money
	var payers int64
	for _, e := range entries {
		if e.PayerID != 0 {
			payers += e.BookedGross()
		}
	}
	// 1. the journal books exactly the money kept, and the payers' part
	if tot.Gross-payers != money {
		h.fatalf("journal books %d gross, the dealer kept %d (gateway %d, counter %d); journal %+v", tot.Gross, money, gateway,
			contract.NetReceipts(rcs), describe(entries))
	}
	// 2. the gateway's own books say the same moved
	var simNet int64
	ledger := h.m.sim.Ledger()
	for _, o := range orders {
		simNet += ledger[o].Net()
	}
	if simNet != gateway {
		h.fatalf("the gateway moved %d on orders %v, the records say %d", simNet, orders, gateway)
	}
	// 3. the ledger agrees; nothing open, no deposit held
	if h.c.ID != 0 {
		l, _, docs, err := w.contracts.Ledger(h.m.admin, h.c.ID)
		h.must(err, "ledger")
		if l.Billed() != tot.Gross-payers || l.Paid() != money || l.Open() != 0 || l.DepositHeld != 0 {
			h.fatalf("ledger %+v (billed %d, paid %d); journal %d, money %d", l, l.Billed(), l.Paid(), tot.Gross, money)
		}
		h.checkDocuments(docs, recs)
	} else {
		var held int64
		for _, p := range recs { // a cancelled booking releases its deposit
			if p.Purpose == contract.PurposeDeposit && p.Status == payment.StatusApproved {
				switch p.Operation {
				case payment.OpSale, payment.OpTokenSale, payment.OpPreAuth, payment.OpTokenPreAuth:
					held += p.Amount.Cents
				case payment.OpRefund, payment.OpCapture:
					held -= p.Amount.Cents
				case payment.OpVoidPreAuth, payment.OpVoid:
					held -= byIDOf(recs, p.ParentID).Amount.Cents
				}
			}
		}
		if held != 0 {
			h.fatalf("cancelled booking still holds %d of deposit: %+v", held, recs)
		}
	}
	// 4. no two documents book the same money
	for _, e := range entries {
		if e.Kind != invoice.KindCreditNote {
			continue
		}
		for _, f := range entries {
			if f.Kind == invoice.KindFinal && f.Number == e.CorrectsNumber && f.Due < 0 {
				h.fatalf("credit note %s books the refund of final invoice %s again", e.Number, f.Number)
			}
		}
	}
	if h.readPDF {
		h.checkPrinted(entries)
		if h.c.ID != 0 {
			h.checkContractPDF()
		}
	}
	h.stats["documents"] += len(entries)
}

func byIDOf(recs []payment.Record, id int64) payment.Record {
	for _, r := range recs {
		if r.ID == id {
			return r
		}
	}
	return payment.Record{}
}

func describe(es []invoice.JournalEntry) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "[%s %s gross %d due %d booked %d corrects %s] ", e.Kind, e.Number, e.Gross, e.Due, e.BookedGross(), e.CorrectsNumber)
	}
	return b.String()
}

// checkDocuments recomputes the final bill from the contract's terms
// snapshot, protocols, damages and advances and compares it with the final
// invoice and the damage settlement as stored; credit notes stay within
// what their invoice allows.
func (h *mhistory) checkDocuments(docs []invoice.Summary, recs []payment.Record) {
	w := h.w
	c, b, advances, final, finalID, claimID := h.recompute(docs)
	if h.resplit {
		// corrected after billing: the new shares were checked then
		// (correct); the final and the claim are the original billing's
		return
	}
	if h.cover.Mode != payer.ModeDriver {
		b = h.splitFor(c, b, advances)
	}
	if len(b.Lines) == 0 {
		if finalID != 0 {
			h.fatalf("final invoice %s, though the payer pays all the driver's taxed lines", final.Invoice.Number)
		}
	} else if !sameLines(final.Invoice.Lines, b.Lines) || final.Totals.Due != b.Due || final.Totals.Gross != b.Totals.Gross {
		h.fatalf("final invoice %s %+v (due %d) ≠ billing from the snapshot %+v (due %d)", final.Invoice.Number, final.Invoice.Lines,
			final.Totals.Due, b.Lines, b.Due)
	}
	if (claimID != 0) != (b.CompensationCents > 0) {
		h.fatalf("damage settlement %d, compensation billed %d", claimID, b.CompensationCents)
	}
	if claimID != 0 {
		claim, err := w.s.IssuedInvoice(h.m.sys, claimID)
		h.must(err, "damage settlement")
		if !sameLines(claim.Invoice.Lines, b.Compensation) || claim.Totals.VAT != 0 {
			h.fatalf("damage settlement %+v ≠ compensation %+v", claim.Invoice.Lines, b.Compensation)
		}
	}
	for _, cn := range docs {
		if cn.Kind != invoice.KindCreditNote {
			continue
		}
		for _, d := range docs {
			if d.ID == cn.CorrectsID && d.Kind == invoice.KindFinal && cn.Gross > max(d.Due, 0) {
				h.fatalf("credit note %s of %d on final %s due %d", cn.Number, cn.Gross, d.Number, d.Due)
			}
		}
	}
}

// recompute is the final bill of the history's contract recomputed from
// its terms snapshot, protocols, damages and advances (docs: the driver's
// documents), with the final invoice and the damage settlement billing
// issued.
func (h *mhistory) recompute(docs []invoice.Summary) (contract.Contract, billing.Bill, []invoice.Advance, invoice.Issued, int64, int64) {
	w := h.w
	c, err := w.s.Contract(h.m.sys, h.c.ID)
	h.must(err, "contract")
	ps, err := w.s.Protocols(h.m.sys, c.ID)
	h.must(err, "protocols")
	var hand, ret contract.Protocol
	for _, p := range ps {
		if p.Kind == contract.KindHandover {
			hand = p
		} else {
			ret = p
		}
	}
	damages, err := w.s.ListDamages(h.m.sys, c.VehicleID, false)
	h.must(err, "damages")
	var charges []billing.Charge
	var finalID, claimID int64
	var advances []invoice.Advance
	for _, d := range docs {
		switch {
		case d.Kind == invoice.KindAdvance:
			iss, err := w.s.IssuedInvoice(h.m.sys, d.ID)
			h.must(err, "advance")
			advances = append(advances, invoice.AsAdvance(iss.Invoice))
		case d.Kind == invoice.KindFinal:
			finalID = d.ID
		}
	}
	var final invoice.Issued
	if finalID != 0 {
		if final, err = w.s.IssuedInvoice(h.m.sys, finalID); err != nil {
			h.fatalf("final invoice: %v", err)
		}
	}
	billedAt := final.IssuedAt
	if finalID == 0 { // no final for the driver: billing ran at the return (the test clock stands still)
		billedAt = *c.EndedAt
	}
	for _, d := range docs { // the damage settlement is issued with the final invoice
		if d.Kind == invoice.KindStandalone && d.NotSubject && d.IssuedAt.Equal(billedAt) {
			claimID = d.ID
		}
	}
	for _, d := range damages {
		if d.ContractID == c.ID && d.ChargeCents > 0 && !d.ReportedAt.Before(c.Start) {
			desc := document.Lang(h.cust.Language).Or().T("invoice.line.damage", locale.Params{"description": d.Description})
			charges = append(charges, billing.Charge{Description: desc, Cents: d.ChargeCents})
		}
	}
	st, err := w.s.Station(h.m.sys, c.StationID)
	h.must(err, "station")
	b, err := billing.Compute(billing.Input{Terms: c.Terms, Loc: st.Location(),
		Out:     billing.Reading{At: c.Start, KM: hand.OdometerKM, FuelEighths: hand.FuelEighths, Cleanliness: hand.Cleanliness},
		In:      billing.Reading{At: *c.EndedAt, KM: ret.OdometerKM, FuelEighths: ret.FuelEighths, Cleanliness: ret.Cleanliness},
		Damages: charges, Advances: advances, Lang: document.Lang(h.cust.Language).Or()})
	h.must(err, "recompute the bill")
	return c, b, advances, final, finalID, claimID
}

// shares is the driver's and the payers' part of the history's bill as
// the test computes it (billing.Compute and billing.Split on the stored
// contract and cover): the driver's taxed lines and damage compensation,
// the payer's share.
func (h *mhistory) shares() (driver, payers int64) {
	w := h.w
	_, _, docs, err := w.contracts.Ledger(h.m.admin, h.c.ID)
	h.must(err, "ledger")
	c, b, _, _, _, _ := h.recompute(docs)
	cv, err := w.s.Cover(h.m.admin, c.ReservationID)
	h.must(err, "cover")
	if cv.Mode == payer.ModeDriver {
		return b.Totals.Gross + b.CompensationCents, 0
	}
	p, err := w.s.Payer(h.m.admin, cv.PayerID)
	h.must(err, "payer")
	v, err := w.s.Vehicle(h.m.sys, c.VehicleID)
	h.must(err, "vehicle")
	ps, ds := billing.Split(billing.SplitInput{Bill: b, Cover: cv, Payer: cv.Apply(p), CategoryID: v.CategoryID,
		Lang: document.Lang(h.cust.Language).Or()})
	for _, l := range append(append([]invoice.Line(nil), ds.Lines...), ds.Compensation...) {
		driver += invoice.LineGross(l)
	}
	return driver, ps.Gross
}

// splitFor recomputes, from the cover and its payer's kept terms as
// stored, the driver's part of bill b of contract c (its advances
// deducted when the driver keeps a taxed line) and checks the payer's
// documents against the payer's part: issued at the return, or for the
// collective fleet customer only the damage claim.
func (h *mhistory) splitFor(c contract.Contract, b billing.Bill, advances []invoice.Advance) billing.Bill {
	w := h.w
	cv, err := w.s.Cover(h.m.admin, c.ReservationID)
	h.must(err, "cover")
	p, err := w.s.Payer(h.m.admin, cv.PayerID)
	h.must(err, "payer")
	p = cv.Apply(p)
	v, err := w.s.Vehicle(h.m.sys, c.VehicleID)
	h.must(err, "vehicle")
	ps, ds := billing.Split(billing.SplitInput{Bill: b, Cover: cv, Payer: p, CategoryID: v.CategoryID, Lang: document.Lang(h.cust.Language).Or()})
	all, err := w.s.ListInvoices(h.m.sys, invoice.Filter{ContractID: c.ID})
	h.must(err, "documents")
	var toPayer, claim int64
	for _, d := range all {
		if d.PayerID != 0 {
			toPayer += d.Gross
		}
	}
	for _, l := range ps.Compensation {
		claim += invoice.LineGross(l)
	}
	want := ps.Gross
	if p.Collective {
		want = claim
	}
	if toPayer != want {
		h.fatalf("payer %s invoiced %d, its share from the snapshot %d (collective %v)", p.Name, toPayer, want, p.Collective)
	}
	out := b
	out.Lines, out.Compensation = ds.Lines, ds.Compensation
	out.CompensationCents = 0
	for _, l := range ds.Compensation {
		out.CompensationCents += invoice.LineGross(l)
	}
	deduct := advances
	if len(ds.Lines) == 0 {
		deduct = nil
	}
	out.Totals = invoice.Compute(invoice.Invoice{Kind: invoice.KindFinal, Lines: ds.Lines, Advances: deduct})
	out.Due = out.Totals.Due
	return out
}

func sameLines(a, b []invoice.Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Description != y.Description || x.QuantityMilli != y.QuantityMilli || x.UnitGross != y.UnitGross ||
			x.VATRateBP != y.VATRateBP || x.TaxCategory != y.TaxCategory || x.Kind != y.Kind {
			return false
		}
	}
	return true
}

// checkPrinted reads every document of the history back as PDF text and,
// where one was issued, its e-invoice, and finds in them the amounts the
// stored document computes: each line's amount, each rate's net and VAT,
// the total, the amount due or paid back, and the payment note.
func (h *mhistory) checkPrinted(entries []invoice.JournalEntry) {
	w := h.w
	h.must(w.s.EachJournalFile(h.m.admin, entries, func(f invoice.JournalFile) error {
		iss, err := w.s.IssuedInvoice(h.m.sys, f.Entry.ID)
		if err != nil {
			return err
		}
		l := locale.Lang(iss.Language).Or()
		text := strings.Join(strings.Fields(testenv.PDFText(h.t, f.PDF)), " ")
		want := []string{iss.Invoice.Number, l.Money(iss.Totals.Gross), strings.Join(strings.Fields(document.PaymentNote(l, iss.Invoice, iss.Totals)), " ")}
		for _, ln := range iss.Invoice.Lines {
			want = append(want, l.Money(invoice.LineGross(ln)))
		}
		if !iss.Invoice.NotSubject() {
			for _, r := range iss.Totals.Rates {
				want = append(want, l.Money(r.Net), l.Money(r.VAT))
			}
		}
		if iss.Invoice.Kind == invoice.KindFinal {
			want = append(want, l.Money(max(iss.Totals.Due, -iss.Totals.Due)))
		}
		for _, s := range want {
			if !strings.Contains(text, s) {
				return fmt.Errorf("%s PDF lacks %q:\n%s", iss.Invoice.Number, s, text)
			}
		}
		if f.XML != nil {
			x := string(f.XML)
			for _, s := range []string{"<ram:GrandTotalAmount>" + xmlEuros(iss.Totals.Gross) + "</ram:GrandTotalAmount>",
				"<ram:TaxTotalAmount currencyID=\"EUR\">" + xmlEuros(iss.Totals.VAT) + "</ram:TaxTotalAmount>",
				"<ram:TypeCode>" + xrechnung.Means(iss.Invoice.Payment, document.PaysBack(iss.Invoice, iss.Totals)) + "</ram:TypeCode>"} {
				if !strings.Contains(x, s) {
					return fmt.Errorf("%s e-invoice lacks %q", iss.Invoice.Number, s)
				}
			}
			h.stats["e-invoices read"]++
		}
		h.stats["PDFs read"]++
		return nil
	}), "printed documents")
}

// checkContractPDF sends the contract PDF as staff would and finds in it
// the terms of the snapshot the contract is billed by: day price, km,
// fuel rule, cleaning fee and the deposit actually held.
func (h *mhistory) checkContractPDF() {
	w := h.w
	h.must(w.contracts.SendContract(h.m.admin, h.c.ID, nil), "send the contract")
	docs, err := w.s.ContractDocuments(h.m.admin, h.c.ID)
	h.must(err, "contract documents")
	var last contract.DocumentInfo
	names := map[string]bool{}
	for _, d := range docs {
		if names[d.Filename] {
			h.fatalf("two documents of contract %s are named %s", h.c.Number, d.Filename)
		}
		names[d.Filename] = true
		if d.Kind == contract.DocContract {
			last = d
		}
	}
	stored, err := w.s.Document(h.m.admin, last.ID)
	h.must(err, "contract PDF")
	c, err := w.s.Contract(h.m.sys, h.c.ID)
	h.must(err, "contract")
	tr := c.Terms
	l := locale.Lang(h.cust.Language).Or()
	text := strings.Join(strings.Fields(testenv.PDFText(h.t, stored.Data)), " ")
	fuel := l.Money(tr.RefuelPerEighthCents)
	if tr.RefuelPerLitre() {
		fuel = l.Money(tr.RefuelPerLitreCents)
	}
	for _, s := range []string{l.Money(tr.PricePerDayCents), l.Money(tr.ExtraKMCents), fuel, l.Money(tr.CleaningFeeCents), l.Money(tr.DepositCents)} {
		if !strings.Contains(text, s) {
			h.fatalf("contract PDF lacks %q of its terms %+v:\n%s", s, tr, text)
		}
	}
	h.stats["contract PDFs read"]++
}

func xmlEuros(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// checkCollective issues each tenant's collective invoice to the fleet
// customer over every history: it bills exactly the shares the returns
// left to it, and a second run finds nothing.
func (w *mworld) checkCollective(t *testing.T, stats map[string]int) {
	t.Helper()
	from, to := w.start.Add(-24*time.Hour), w.clk.Now().Add(time.Hour)
	for _, m := range w.tenants {
		var fleet payer.Payer
		for _, p := range m.payers {
			if p.Collective {
				fleet = p
			}
		}
		if fleet.ID == 0 || m.collective == 0 {
			continue
		}
		cv, err := w.contracts.CollectivePreview(m.admin, fleet.ID, from, to)
		must(t, err)
		if cv.Totals.Gross != m.collective {
			t.Fatalf("%s: collective preview %d, the returns left %d to the fleet customer", m.tn.Slug, cv.Totals.Gross, m.collective)
		}
		iss, err := w.contracts.IssueCollective(m.admin, fleet.ID, from, to, m.collective)
		must(t, err)
		if iss.Totals.Gross != m.collective {
			t.Fatalf("%s: collective invoice %d, want %d", m.tn.Slug, iss.Totals.Gross, m.collective)
		}
		if _, err := w.contracts.IssueCollective(m.admin, fleet.ID, from, to, m.collective); err == nil {
			t.Fatalf("%s: a second collective invoice", m.tn.Slug)
		}
		stats["collective invoices"]++
	}
}

// checkReports: the revenue report equals the journal per station and
// month, for each tenant.
func (w *mworld) checkReports(t *testing.T) {
	to := w.clk.Now().Add(time.Hour)
	for _, m := range w.tenants {
		entries, tot, err := w.s.Journal(m.admin, invoice.JournalQuery{From: w.start, To: to})
		must(t, err)
		rev, err := w.s.RevenueByStationMonth(m.admin, w.start, to, w.loc)
		must(t, err)
		want := map[string][2]int64{}
		for _, e := range entries {
			k := fmt.Sprintf("%d %s", e.StationID, e.IssuedAt.In(w.loc).Format("2006-01"))
			x := want[k]
			x[0] += e.BookedGross()
			x[1] += e.BookedNet()
			want[k] = x
		}
		var sum int64
		for _, r := range rev {
			k := fmt.Sprintf("%d %s", r.StationID, r.Month)
			if x := want[k]; x[0] != r.GrossCents || x[1] != r.NetCents {
				t.Errorf("%s revenue %s: %d gross / %d net, journal %d / %d", m.tn.Slug, k, r.GrossCents, r.NetCents, x[0], x[1])
			}
			delete(want, k)
			sum += r.GrossCents
		}
		if len(want) != 0 || sum != tot.Gross {
			t.Errorf("%s: revenue report %d gross, journal %d; months missing from the report: %v", m.tn.Slug, sum, tot.Gross, want)
		}
		if len(entries) == 0 {
			t.Errorf("%s issued nothing", m.tn.Slug)
		}
	}
}
