package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/pricing"
)

// ctFixture is a confirmed reservation of vehicle 0 at station 0 of tenant 0.
type ctFixture struct {
	w   *world
	ctx context.Context // admin of tenant 0
	res booking.Reservation
}

func newCtFixture(t *testing.T, s *store.Store, clk *clock) ctFixture {
	t.Helper()
	w := newWorld(t, s)
	ctx := as(w.actor(0, -1))
	c := testCustomer(t, s, ctx, "driver@example.de")
	res := booking.Reservation{StationID: w.stations[0][0].ID, CustomerID: c.ID, CategoryID: w.cats[0].ID, VehicleID: w.vehicles[0][0].ID,
		TariffID: w.tariffs[0].ID, Pickup: clk.Now().Add(time.Hour), Return: clk.Now().Add(73 * time.Hour), Status: booking.StatusConfirmed}
	mustNil(t, s.CreateReservation(ctx, &res))
	return ctFixture{w: w, ctx: ctx, res: res}
}

func (f ctFixture) handover() *contract.Handover {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	return &contract.Handover{ReservationID: f.res.ID, LicenceChecked: true,
		Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Eva", LastName: "Muster", LicenceNumber: "B072RRE2I55",
			LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE", CheckedBy: 1000, CheckedAt: &now}},
		Protocol: contract.Protocol{OdometerKM: 1000, FuelEighths: 8, Cleanliness: "clean", SignerName: "Eva Muster",
			SignaturePNG: []byte("\x89PNG\r\n\x1a\nfake"),
			NewDamages:   []fleet.Damage{{View: "left", X: 20, Y: 40, Kind: "scratch", Severity: "minor", Description: "Kratzer Tür"}}}}
}

func TestContractHandoverAndReturn(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover())
		mustNil(t, err)
		if c.Number != "MV26-00001" || c.Status != contract.StatusOpen || c.VehicleID != f.w.vehicles[0][0].ID {
			t.Fatalf("contract %+v", c)
		}
		r, err := s.Reservation(f.ctx, f.res.ID)
		mustNil(t, err)
		if r.Status != booking.StatusActive {
			t.Fatalf("reservation status %s", r.Status)
		}
		// a second handover of the same reservation is refused and changes nothing
		if _, err := s.StartContract(f.ctx, f.handover()); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("second handover: %v", err)
		}
		got, err := s.Contract(f.ctx, c.ID)
		mustNil(t, err)
		if len(got.Drivers) != 1 || got.Drivers[0].CheckedAt == nil || got.Drivers[0].LicenceNumber != "B072RRE2I55" {
			t.Fatalf("drivers %+v", got.Drivers)
		}
		ps, err := s.Protocols(f.ctx, c.ID)
		mustNil(t, err)
		if len(ps) != 1 || ps[0].Kind != "handover" || string(ps[0].SignaturePNG) != "\x89PNG\r\n\x1a\nfake" {
			t.Fatalf("protocols %+v", ps)
		}
		dms, err := s.ListDamages(f.ctx, c.VehicleID, true)
		mustNil(t, err)
		if len(dms) != 1 || dms[0].ContractID != c.ID {
			t.Fatalf("damages %+v", dms)
		}

		// early return: the allocation ends now, so the car is free for a later booking
		clk.Advance(26 * time.Hour)
		rt := &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{OdometerKM: 1450, FuelEighths: 5, Cleanliness: "dirty"}}
		c, err = s.RecordReturn(f.ctx, rt)
		mustNil(t, err)
		if c.Status != contract.StatusReturned || c.EndedAt == nil || !c.EndedAt.Equal(clk.Now()) {
			t.Fatalf("returned %+v", c)
		}
		v, err := s.Vehicle(f.ctx, c.VehicleID)
		mustNil(t, err)
		if v.OdometerKM != 1450 || v.FuelEighths != 5 || v.Cleanliness != "dirty" || v.Readiness != fleet.ToClean {
			t.Fatalf("vehicle after return %+v", v)
		}
		// staff clean it: ready again, and an edit of its data keeps that
		mustNil(t, s.MarkVehicleReady(f.ctx, v.ID))
		v.Notes = "gereinigt"
		mustNil(t, s.UpdateVehicle(f.ctx, &v))
		if v, err = s.Vehicle(f.ctx, v.ID); err != nil || v.Readiness != fleet.Ready {
			t.Fatalf("vehicle marked ready: %q %v", v.Readiness, err)
		}
		als, err := s.ListAllocations(f.ctx, c.VehicleID, clk.Now().Add(-100*time.Hour), clk.Now().Add(100*time.Hour))
		mustNil(t, err)
		if len(als) != 1 || !als[0].End.Equal(clk.Now()) {
			t.Fatalf("allocation after early return %+v", als)
		}
		next := booking.Reservation{StationID: f.res.StationID, CustomerID: f.res.CustomerID, CategoryID: f.res.CategoryID,
			VehicleID: c.VehicleID, TariffID: f.res.TariffID, Pickup: clk.Now().Add(time.Hour), Return: clk.Now().Add(48 * time.Hour),
			Status: booking.StatusConfirmed}
		mustNil(t, s.CreateReservation(f.ctx, &next))
		if _, err := s.RecordReturn(f.ctx, rt); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("second return: %v", err)
		}
		mustNil(t, s.SetContractStatus(f.ctx, c.ID, []contract.Status{contract.StatusReturned}, contract.StatusBilled))
		if err := s.SetContractStatus(f.ctx, c.ID, []contract.Status{contract.StatusReturned}, contract.StatusBilled); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("billing twice: %v", err)
		}
		trail, err := s.AuditTrail(f.ctx, "contract", c.ID)
		mustNil(t, err)
		if len(trail) < 3 || trail[0].Action != "handover" || trail[1].Action != "return" {
			t.Fatalf("audit trail %+v", trail)
		}
	})
}

func TestContractLateReturnMustNotOverlapNextBooking(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover())
		mustNil(t, err)
		next := booking.Reservation{StationID: f.res.StationID, CustomerID: f.res.CustomerID, CategoryID: f.res.CategoryID,
			VehicleID: c.VehicleID, TariffID: f.res.TariffID, Pickup: f.res.Return.Add(2 * time.Hour), Return: f.res.Return.Add(50 * time.Hour),
			Status: booking.StatusConfirmed}
		mustNil(t, s.CreateReservation(f.ctx, &next))
		// extending into the next booking is refused
		if err := s.ChangePeriod(f.ctx, c.ID, f.res.Return.Add(3*time.Hour), 1); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("period into next booking: %v", err)
		}
		// extending within the gap works and is audited
		mustNil(t, s.ChangePeriod(f.ctx, c.ID, f.res.Return.Add(time.Hour), 19600))
		got, err := s.Contract(f.ctx, c.ID)
		mustNil(t, err)
		if !got.PlannedEnd.Equal(f.res.Return.Add(time.Hour)) {
			t.Fatalf("planned end %v", got.PlannedEnd)
		}
		// the car comes back late, into the next booking: refused, nothing changes
		clk.t = f.res.Return.Add(4 * time.Hour)
		rt := &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{OdometerKM: 1900, FuelEighths: 8, Cleanliness: "clean"}}
		if _, err := s.RecordReturn(f.ctx, rt); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("late return into next booking: %v", err)
		}
		got, err = s.Contract(f.ctx, c.ID)
		mustNil(t, err)
		ps, _ := s.Protocols(f.ctx, c.ID)
		if got.Status != contract.StatusOpen || len(ps) != 1 {
			t.Fatalf("refused return changed the contract: %s, %d protocols", got.Status, len(ps))
		}
	})
}

func TestContractEditsAndIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover())
		mustNil(t, err)
		other := as(f.w.actor(0, 1))    // station user of the other station
		foreign := as(f.w.actor(1, -1)) // admin of the other tenant
		own := as(f.w.actor(0, 0))
		for name, ctx := range map[string]context.Context{"other station": other, "other tenant": foreign} {
			if _, err := s.Contract(ctx, c.ID); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s reads the contract: %v", name, err)
			}
			if err := s.SetNotes(ctx, c.ID, "x"); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s changes notes: %v", name, err)
			}
			if _, err := s.RecordReturn(ctx, &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{OdometerKM: 2000, FuelEighths: 8, Cleanliness: "clean"}}); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s returns the car: %v", name, err)
			}
			ls, _, err := s.ListContracts(ctx, contract.Filter{})
			mustNil(t, err)
			if len(ls) != 0 {
				t.Errorf("%s lists %d contracts", name, len(ls))
			}
		}
		if _, err := s.Contract(own, c.ID); err != nil {
			t.Fatalf("own station: %v", err)
		}
		ds := []contract.Driver{
			{Role: contract.RoleMain, FirstName: "Eva", LastName: "Muster", LicenceNumber: "B072RRE2I55", LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"},
			{Role: contract.RoleAdditional, FirstName: "Max", LastName: "Muster", LicenceNumber: "J010000SD51", LicenceClass: "B", LicenceIssuedOn: "2015-01-01", LicenceCountry: "AT"}}
		mustNil(t, s.UpdateDrivers(own, c.ID, ds))
		got, err := s.Contract(own, c.ID)
		mustNil(t, err)
		if len(got.Drivers) != 2 || got.Drivers[0].CheckedAt == nil || got.Drivers[1].CheckedAt != nil {
			t.Fatalf("drivers after edit %+v", got.Drivers)
		}
		mustNil(t, s.SetNotes(own, c.ID, "Kindersitz"))
		trail, err := s.AuditTrail(own, "contract", c.ID)
		mustNil(t, err)
		var actions []string
		for _, e := range trail {
			actions = append(actions, e.Action)
		}
		if len(trail) != 3 || trail[1].Action != "drivers" || trail[2].Action != "notes" || trail[2].After != `{"notes":"Kindersitz"}` {
			t.Fatalf("audit %v / %+v", actions, trail[len(trail)-1])
		}
		ls, n, err := s.ListContracts(own, contract.Filter{StationID: f.w.stations[0][0].ID, From: clk.Now().Add(-time.Hour), To: clk.Now().Add(time.Hour)})
		mustNil(t, err)
		if n != 1 || ls[0].CustomerName == "" || ls[0].Plate != f.w.vehicles[0][0].Plate {
			t.Fatalf("list %d %+v", n, ls)
		}
		// the search text is no pattern: % and _ match themselves
		if _, n, err := s.ListContracts(own, contract.Filter{Query: c.Number}); err != nil || n != 1 {
			t.Fatalf("search by number: %d %v", n, err)
		}
		for _, q := range []string{"%", "_", strings.Replace(c.Number, "-", "_", 1)} {
			if _, n, err := s.ListContracts(own, contract.Filter{Query: q}); err != nil || n != 0 {
				t.Errorf("search %q: %d contracts (%v), want none", q, n, err)
			}
		}
		doc, err := s.SaveDocument(own, c.ID, contract.DocContract, "Mietvertrag.pdf", []byte("%PDF-1.4 x"), nil)
		mustNil(t, err)
		docs, err := s.ContractDocuments(own, c.ID)
		mustNil(t, err)
		if len(docs) != 1 || docs[0].SHA256 != doc.SHA256 || len(doc.SHA256) != 64 {
			t.Fatalf("documents %+v", docs)
		}
		if _, err := s.SaveDocument(other, c.ID, contract.DocContract, "x.pdf", []byte("x"), nil); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other station saves a document: %v", err)
		}
		// reports see the handover
		mv, err := s.DailyMovements(own, clk.Now().Add(-9*time.Hour), clk.Now().Add(15*time.Hour))
		mustNil(t, err)
		if len(mv) != 1 || mv[0].Pickups != 1 || mv[0].PlannedPickups != 1 {
			t.Fatalf("movements %+v", mv)
		}
		// utilisation counts the time actually rented, up to now: the car
		// went out at handover and has been out three hours, though it is
		// booked for three days; the report's period ends now too
		start := clk.Now()
		clk.Advance(3 * time.Hour)
		ut, err := s.UtilisationByVehicle(f.ctx, start.Add(-24*time.Hour), start.Add(24*time.Hour))
		mustNil(t, err)
		if len(ut) != 2 || ut[0].BookedHours+ut[1].BookedHours != 3 || ut[0].PeriodHours != 27 {
			t.Fatalf("utilisation %+v, want 3 of 27 hours", ut)
		}
		// after the return: from handover to return, whatever the period
		clk.Advance(2 * time.Hour)
		_, err = s.RecordReturn(own, &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{OdometerKM: 1100, FuelEighths: 8, Cleanliness: "clean"}})
		mustNil(t, err)
		clk.Advance(10 * time.Hour)
		ut, err = s.UtilisationByVehicle(f.ctx, start.Add(-24*time.Hour), start.Add(24*time.Hour))
		mustNil(t, err)
		if ut[0].BookedHours+ut[1].BookedHours != 5 || ut[0].PeriodHours != 39 {
			t.Fatalf("utilisation after the return %+v, want 5 of 39 hours", ut)
		}
	})
}

// TestTermsBackfill: migration 0013 gives every contract that has no terms
// snapshot yet one from its current tariff — the prices its billing used —
// with the deposit its booking holds, its vehicle's tank and the tenant's
// VAT rate where the tariff has none, marked as taken by the migration; a
// contract with a snapshot keeps it. The backfill statement of the
// migration file runs again here on a contract stored without one.
func TestTermsBackfill(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover()) // no snapshot, as before the migration
		mustNil(t, err)
		_, err = s.DB().Exec(`UPDATE reservations SET deposit_cents = 12300 WHERE id = $1`, f.res.ID)
		mustNil(t, err)
		sql, err := os.ReadFile(filepath.Join("migrations", string(s.Dialect()), "0013_money_docs.sql"))
		mustNil(t, err)
		i := strings.Index(string(sql), "UPDATE contracts SET terms")
		if i < 0 {
			t.Fatal("the migration has no backfill")
		}
		_, err = s.DB().Exec(string(sql[i:]))
		mustNil(t, err)
		got, err := s.Contract(f.ctx, c.ID)
		mustNil(t, err)
		tf, err := s.Tariff(f.ctx, c.TariffID)
		mustNil(t, err)
		v, err := s.Vehicle(f.ctx, c.VehicleID)
		mustNil(t, err)
		tr := got.Terms
		if tr.Source != pricing.TermsMigration || tr.TariffID != tf.ID || tr.TariffName != tf.Name || tr.PricePerDayCents != tf.PricePerDayCents ||
			tr.IncludedKMPerDay != tf.IncludedKMPerDay || tr.ExtraKMCents != tf.ExtraKMCents || tr.RefuelPerEighthCents != tf.RefuelPerEighthCents ||
			tr.CleaningFeeCents != tf.CleaningFeeCents || tr.DayCounting != tf.DayCounting || tr.GraceMinutes != tf.GraceMinutes ||
			tr.DepositCents != 12300 || tr.TankLitres != v.TankLitres || tr.VATRateBP == 0 || tr.DamageTaxable {
			t.Fatalf("backfilled terms %+v; tariff %+v, tank %d", tr, tf, v.TankLitres)
		}
	})
}
