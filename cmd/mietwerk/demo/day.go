package demo

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
)

// DayServices are the services SeedDay works through: the same the
// running app uses, so that every booking has its invoice, payments and
// e-mails.
type DayServices struct {
	Bookings  *booking.Service
	Contracts *contract.Service
	// HandOverAt runs a handover as the contract service does, as if it
	// happened at instant at (the demo's contracts began days ago).
	HandOverAt func(ctx context.Context, at time.Time, h *contract.Handover) (contract.Contract, error)
	// ContractsAt is the contract service with its clock at at (nil: no
	// past test drive is seeded); close releases it.
	ContractsAt func(ctx context.Context, at time.Time) (svc *contract.Service, close func(), err error)
}

// DayStation is the station the demo's day happens at: Regensburg.
const DayStation = "REG"

// SeedDay gives the demo tenant a working day relative to now at station
// DayStation, so that a newcomer can hand over and take back at once: two
// online bookings paid with the simulator's approving test card (through
// the booking service and the tenant's simulated gateway), at the next
// bookable time (today while the station is open) and the next one from
// tomorrow on; a counter booking picked up today; contracts already handed over — one
// returning today, one overdue since yesterday; a car back from a rental
// waiting to be cleaned, with a fine from the authority recorded on its
// contract; and a car whose HU is overdue. It does nothing
// when the tenant already has a contract (an earlier start seeded it).
func SeedDay(ctx context.Context, st *store.Store, svc DayServices, now time.Time) error {
	t, err := st.TenantBySlug(identity.WithActor(ctx, identity.System()), Slug)
	if err != nil {
		return err
	}
	ctx = identity.WithActor(ctx, identity.SystemFor(t.ID))
	if _, n, err := st.ListContracts(ctx, contract.Filter{Limit: 1}); err != nil || n > 0 {
		return err
	}
	station, err := st.StationByCode(ctx, DayStation)
	if err != nil {
		return err
	}
	loc := station.Location()
	day := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	custs := make([]customer.Customer, len(demoCustomers))
	for i, c := range demoCustomers {
		custs[i] = c
		if _, _, err := st.UpsertCustomer(ctx, &custs[i]); err != nil {
			return fmt.Errorf("customer %s: %w", c.Email, err)
		}
	}

	// online bookings paid by card: the next bookable time from now on,
	// and one on the next open day after it
	from := now
	for i, cat := range []string{"EDMN", "CDMR"} {
		p, r, ok := nextSlot(t, station, from, now)
		if !ok {
			break
		}
		from = time.Date(p.Year(), p.Month(), p.Day()+1, 0, 0, 0, 0, loc)
		c := custs[i]
		c.ID = 0
		_, err := svc.Bookings.Book(ctx, booking.BookRequest{Customer: c, StationCode: DayStation, CategoryCode: cat,
			Pickup: p, Return: r, Card: &payment.Card{Number: telecashsim.CardApproveVisa, ExpMonth: 12, ExpYear: now.Year() + 3,
				CVV: "123", Holder: c.FirstName + " " + c.LastName}})
		if err != nil {
			return fmt.Errorf("online booking %s: %w", cat, err)
		}
	}
	// a counter booking (paid on site) picked up today in any case: the
	// next full hour, or an hour before closing when that is earlier (then
	// the customer is late)
	p := now.In(loc).Truncate(time.Hour).Add(time.Hour)
	if end := closing(station, day).Add(-30 * time.Minute); p.After(end) {
		p = end
	}
	counter, err := counterBooking(ctx, st, station.ID, "FWAR", custs[3], p, day.AddDate(0, 0, 3).Add(12*time.Hour))
	if err != nil {
		return err
	}
	// an accident replacement the insurer pays at its agreed rate: the
	// reservation's estimate shows the split, the handover asks for the
	// assignment of claims
	if err := demoCover(ctx, st, payer.KindInsurer, payer.Cover{ReservationID: counter.ID, Mode: payer.ModePayer,
		ClaimNumber: "KS-2026-005120", PolicyNumber: "KH-4471-09", DamageDate: day.AddDate(0, 0, -1).Format("2006-01-02"),
		AtFaultParty: "Tobias Lang, R-TL 512", CustomerVIN: "WBA8E11080K512000", CustomerPlate: "R-SK 512"}); err != nil {
		return err
	}

	// contracts already running: one back today, one overdue since yesterday
	for i, run := range []struct {
		cat         string
		pickup, ret time.Time
	}{
		{"IDAR", day.AddDate(0, 0, -2).Add(9 * time.Hour), closing(station, day)},
		{"CDMR", day.AddDate(0, 0, -4).Add(9 * time.Hour), day.AddDate(0, 0, -1).Add(17 * time.Hour)},
		{"EDMN", day.AddDate(0, 0, -3).Add(9 * time.Hour), day.AddDate(0, 0, -1).Add(12 * time.Hour)}, // returned now, to clean
		{"EDMN", day.AddDate(0, 0, -4).Add(9 * time.Hour), day.AddDate(0, 0, -2).Add(12 * time.Hour)}, // returned now, a leasing car
	} {
		var car int64
		if run.cat == "CDMR" {
			// the overdue compact is the station's electric car: its return
			// shows the state of charge and bills the charge missing
			if car, err = electricCar(ctx, st, station.ID); err != nil {
				return err
			}
		}
		res, err := counterBooking(ctx, st, station.ID, run.cat, custs[(i+2)%len(custs)], run.pickup, run.ret, car)
		if err != nil {
			return err
		}
		c, err := handOver(ctx, st, svc, res, custs[(i+2)%len(custs)])
		if err != nil {
			return err
		}
		// who pays (issue 17): the car back today is an accident
		// replacement the insurer pays (its return previews the split);
		// the overdue one stands in for a car under the manufacturer's
		// mobility guarantee (its return makes a claim with the customer's
		// car's VIN); the one returned now a courtesy car of the workshop
		switch i {
		case 0:
			if err := demoCover(ctx, st, payer.KindInsurer, payer.Cover{ReservationID: res.ID, Mode: payer.ModePayer,
				ClaimNumber: "KS-2026-004711", CustomerPlate: "R-KW 815"}); err != nil {
				return err
			}
			// signed at the counter: listed with the contract's documents
			if err := signAssignment(ctx, svc.Contracts, res.ID, custs[(i+2)%len(custs)]); err != nil {
				return err
			}
		case 1:
			if err := demoCover(ctx, st, payer.KindManufacturer, payer.Cover{ReservationID: res.ID, Mode: payer.ModePayer,
				CustomerVIN: "WVWZZZAUZLW912345", CustomerPlate: "R-MG 2211"}); err != nil {
				return err
			}
		case 2:
			if err := demoCover(ctx, st, payer.KindCostCentre, payer.Cover{ReservationID: res.ID, Mode: payer.ModeInternal}); err != nil {
				return err
			}
		case 3:
			// the leasing customer's share waits for its monthly collective invoice
			if err := demoCover(ctx, st, payer.KindFleet, payer.Cover{ReservationID: res.ID, Mode: payer.ModePayer,
				CustomerPlate: "R-OL 4410"}); err != nil {
				return err
			}
		}
		// the last two come back now: the courtesy car dirty, the leasing car clean
		if i >= 2 {
			back := contract.Protocol{OdometerKM: 412, FuelEighths: 8, Cleanliness: "dirty", UnsignedReason: "Demo"}
			if i == 3 {
				back = contract.Protocol{OdometerKM: 268, FuelEighths: 7, Cleanliness: "clean", UnsignedReason: "Demo"}
			}
			v, err := st.Vehicle(ctx, c.VehicleID)
			if err != nil {
				return err
			}
			back.OdometerKM += v.OdometerKM
			if _, _, err := svc.Contracts.Return(ctx, &contract.Return{ContractID: c.ID, StationID: station.ID, Protocol: back}); err != nil {
				return fmt.Errorf("demo return: %w", err)
			}
		}
		if i == 2 {
			// a past fine case: a speed camera caught the car during this
			// rental; the case is recorded and answered, the fee not yet charged
			f := contract.Fine{ContractID: c.ID, Kind: contract.FineKindFine, AuthorityName: "Stadt Regensburg, Amt für öffentliche Ordnung – Bußgeldstelle",
				AuthorityAddress: "D.-Martin-Luther-Straße 1\n93047 Regensburg", Reference: fmt.Sprintf("OWi 2026/%05d", c.ID),
				OffenceAt: run.pickup.Add(29*time.Hour + 17*time.Minute).UTC(), Place: "Regensburg, Kumpfmühler Straße stadteinwärts",
				Offence: "Zulässige Höchstgeschwindigkeit innerorts um 18 km/h überschritten", AmountCents: 7000}
			if err := svc.Contracts.RecordFine(ctx, &f); err != nil {
				return fmt.Errorf("demo fine: %w", err)
			}
			if err := svc.Contracts.AnswerFine(ctx, f.ID); err != nil {
				return fmt.Errorf("demo fine: %w", err)
			}
		}
	}
	if err := pastTestDrive(ctx, st, svc, station.ID, custs[1], day); err != nil {
		return err
	}
	if err := pastReplacement(ctx, st, svc, station, custs[2], day); err != nil {
		return err
	}
	return hudOverdue(ctx, st, station.ID, day)
}

// pastReplacement seeds the payers' receivables (issue 17): an accident
// replacement car the insurer paid for, returned 50 days ago; its invoice
// (30 days' terms) is overdue, partly paid by transfer, and today's
// dunning run has sent the Zahlungserinnerung.
func pastReplacement(ctx context.Context, st *store.Store, svc DayServices, station tenancy.Station, c customer.Customer, day time.Time) error {
	if svc.ContractsAt == nil {
		return nil
	}
	pickup, ret := day.AddDate(0, 0, -53).Add(9*time.Hour), day.AddDate(0, 0, -50).Add(17*time.Hour)
	res, err := counterBooking(ctx, st, station.ID, "EDMN", c, pickup, ret)
	if err != nil {
		return err
	}
	if err := demoCover(ctx, st, payer.KindInsurer, payer.Cover{ReservationID: res.ID, Mode: payer.ModePayer,
		ClaimNumber: "KS-2026-003907", CustomerPlate: "R-HB 3907"}); err != nil {
		return err
	}
	k, err := handOver(ctx, st, svc, res, c)
	if err != nil {
		return err
	}
	v, err := st.Vehicle(ctx, k.VehicleID)
	if err != nil {
		return err
	}
	rt := contract.Return{ContractID: k.ID, StationID: station.ID, Protocol: contract.Protocol{
		OdometerKM: v.OdometerKM + 268, FuelEighths: 8, Cleanliness: "clean", UnsignedReason: "Demo"}}
	at, done, err := svc.ContractsAt(ctx, ret)
	if err != nil {
		return err
	}
	_, _, err = at.Return(ctx, &rt)
	done()
	if err != nil {
		return fmt.Errorf("demo past return: %w", err)
	}
	rs, err := svc.Contracts.Receivables(ctx, contract.ReceivableFilter{ContractID: k.ID})
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Open() > 2000 {
			p := contract.PayerPayment{InvoiceID: r.ID, AmountCents: r.Open() / 2, ReceivedOn: day.AddDate(0, 0, -10).Format("2006-01-02"),
				Reference: "SEPA OBL " + r.Number}
			if err := svc.Contracts.RecordPayerTransfer(ctx, &p); err != nil {
				return fmt.Errorf("demo transfer: %w", err)
			}
		}
	}
	if _, err := svc.Contracts.IssueDunning(ctx, station.Location()); err != nil {
		return fmt.Errorf("demo dunning: %w", err)
	}
	return nil
}

// pastTestDrive gives the station a red dealer plate and a test drive on
// it two days ago (handed over at 14:00, back at 15:10): the plate's trip
// log of that month lists it, and the fines search by the plate finds
// the driver. Its fee is invoiced at the return and paid in cash there.
func pastTestDrive(ctx context.Context, st *store.Store, svc DayServices, stationID int64, c customer.Customer, day time.Time) error {
	plate := fleet.DealerPlate{Number: "R-06 123", StationID: stationID, ValidFrom: fmt.Sprintf("%d-01-01", day.Year()),
		Notes: "Probe- und Überführungsfahrten"}
	if err := st.CreateDealerPlate(ctx, &plate); err != nil {
		return fmt.Errorf("demo plate: %w", err)
	}
	if svc.ContractsAt == nil {
		return nil
	}
	out := day.AddDate(0, 0, -2).Add(14 * time.Hour)
	back := out.Add(70 * time.Minute)
	vs, err := allVehicles(ctx, st)
	if err != nil {
		return err
	}
	var car fleet.Vehicle
	for _, v := range vs {
		if v.StationID != stationID || v.Status != fleet.StatusAvailable || !fleet.RecordsFuel(v.FuelType) {
			continue
		}
		// a car free then and since (a later reading would go back in km)
		if al, err := st.ListAllocations(ctx, v.ID, out.AddDate(0, 0, -7), day.AddDate(0, 0, 21)); err != nil || len(al) > 0 {
			if err != nil {
				return err
			}
			continue
		}
		car = v
		break
	}
	if car.ID == 0 {
		return nil // no car free for it: the plate alone
	}
	at := func(t time.Time, run func(*contract.Service) error) error {
		s, done, err := svc.ContractsAt(ctx, t)
		if err != nil {
			return err
		}
		defer done()
		return run(s)
	}
	r := booking.Reservation{StationID: stationID, VehicleID: car.ID, CustomerID: c.ID, Pickup: out.UTC(), Return: out.Add(2 * time.Hour).UTC(),
		Language: c.Language, Use: booking.Use{Kind: booking.KindTestDrive, IDDocument: "id_card", IDNumber: "L01X00T47", DealerPlateID: plate.ID}}
	var k contract.Contract
	err = at(out, func(s *contract.Service) error {
		if err := s.StartUse(ctx, &r); err != nil {
			return err
		}
		k, err = s.Handover(ctx, &contract.Handover{ReservationID: r.ID, LicenceChecked: true, TimingConfirmed: true,
			Drivers: []contract.Driver{{Role: "main", FirstName: c.FirstName, LastName: c.LastName, LicenceNumber: "B072TD1234",
				LicenceClass: "B", BirthDate: cmp.Or(c.BirthDate, "1980-04-12"), LicenceIssuedOn: "2005-06-01", LicenceCountry: "DE"}},
			Protocol: contract.Protocol{OdometerKM: car.OdometerKM, FuelEighths: car.FuelEighths, Cleanliness: "clean", UnsignedReason: "Demo"}})
		return err
	})
	if err != nil {
		return fmt.Errorf("demo test drive: %w", err)
	}
	err = at(back, func(s *contract.Service) error {
		rc, _, err := s.Return(ctx, &contract.Return{ContractID: k.ID, StationID: stationID, Protocol: contract.Protocol{
			OdometerKM: car.OdometerKM + 38, FuelEighths: max(car.FuelEighths-1, 0), Cleanliness: "clean", UnsignedReason: "Demo"}})
		if err != nil || rc.TestDriveFee() == 0 {
			return err
		}
		_, err = s.RecordReceipt(ctx, rc.ID, contract.Receipt{Method: contract.MethodCash, AmountCents: rc.TestDriveFee(),
			ReceivedOn: back.Format("2006-01-02")}) // the station's day: back is in its time zone
		return err
	})
	if err != nil {
		return fmt.Errorf("demo test drive return: %w", err)
	}
	return nil
}

// nextSlot is the first pickup from `from` on (whole or half hours) that
// the tenant's rules allow at station st at instant now, with a return two
// days later at 17:00 (or the next time the rules allow); ok is false when
// there is none within a week.
func nextSlot(t tenancy.Tenant, st tenancy.Station, from, now time.Time) (pickup, ret time.Time, ok bool) {
	loc := st.Location()
	p := from.In(loc).Truncate(30 * time.Minute).Add(30 * time.Minute)
	for end := from.AddDate(0, 0, 7); p.Before(end); p = p.Add(30 * time.Minute) {
		d := p.AddDate(0, 0, 2)
		for h := 17; h >= 9; h-- {
			r := time.Date(d.Year(), d.Month(), d.Day(), h, 0, 0, 0, loc)
			if len(booking.CheckPeriod(t, st, p, r, now)) == 0 {
				return p, r, true
			}
		}
	}
	return time.Time{}, time.Time{}, false
}

// counterBooking books a car of category cat at the counter (paid on site).
// car, when not 0, is the car to take.
func counterBooking(ctx context.Context, st *store.Store, stationID int64, cat string, c customer.Customer, pickup, ret time.Time, car ...int64) (booking.Reservation, error) {
	cg, err := st.CategoryByCode(ctx, cat)
	if err != nil {
		return booking.Reservation{}, err
	}
	r := booking.Reservation{StationID: stationID, CustomerID: c.ID, CategoryID: cg.ID, Pickup: pickup.UTC(), Return: ret.UTC(),
		Language: c.Language}
	if len(car) > 0 {
		r.VehicleID = car[0]
	}
	tariffs, err := st.ListTariffs(ctx)
	if err != nil {
		return r, err
	}
	if !priceCounter(&r, tariffs, pickup.Location()) {
		return r, fmt.Errorf("counter booking %s: no tariff", cat)
	}
	if err := st.CreateReservation(ctx, &r); err != nil {
		return r, fmt.Errorf("counter booking %s: %w", cat, err)
	}
	return r, nil
}

// handOver hands the car of reservation r over to customer c at its
// pickup time.
func handOver(ctx context.Context, st *store.Store, svc DayServices, r booking.Reservation, c customer.Customer) (contract.Contract, error) {
	h := contract.Handover{ReservationID: r.ID, LicenceChecked: true, TimingConfirmed: true,
		Drivers: []contract.Driver{{Role: "main", FirstName: c.FirstName, LastName: c.LastName, LicenceNumber: fmt.Sprintf("B07%06d", r.ID),
			LicenceClass: "B", BirthDate: cmp.Or(c.BirthDate, "1980-04-12"), LicenceIssuedOn: "2005-06-01", LicenceCountry: "DE"}},
		Protocol: contract.Protocol{StationID: r.StationID, FuelEighths: 8, Cleanliness: "clean", UnsignedReason: "Demo"}}
	if r.VehicleID != 0 {
		v, err := st.Vehicle(ctx, r.VehicleID)
		if err != nil {
			return contract.Contract{}, err
		}
		h.Protocol.OdometerKM = v.OdometerKM
		if fleet.RecordsCharge(v.FuelType) {
			soc, rng := 90, 340
			h.Protocol.ChargePercent, h.Protocol.RangeKM = &soc, &rng
		}
	}
	k, err := svc.HandOverAt(ctx, r.Pickup, &h)
	if err != nil {
		return k, fmt.Errorf("demo handover: %w", err)
	}
	return k, nil
}

// electricCar is the id of an available electric car at the station (0
// when it has none).
func electricCar(ctx context.Context, st *store.Store, stationID int64) (int64, error) {
	vs, err := allVehicles(ctx, st)
	if err != nil {
		return 0, err
	}
	for _, v := range vs {
		if v.StationID == stationID && v.FuelType == fleet.DriveElectric && v.Status == fleet.StatusAvailable {
			return v.ID, nil
		}
	}
	return 0, nil
}

// hudOverdue lets the HU of an available car at the station that nobody
// has booked run out yesterday: the home screen and the vehicle list show
// it, and assigning it to a booking or handing it over asks for a reason.
func hudOverdue(ctx context.Context, st *store.Store, stationID int64, day time.Time) error {
	vs, err := allVehicles(ctx, st)
	if err != nil {
		return err
	}
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		if v.StationID != stationID || v.Status != fleet.StatusAvailable || v.Readiness == fleet.ToClean {
			continue
		}
		// a car nobody has booked for the next weeks: the day's bookings
		// go out on cars that are ready
		if al, err := st.ListAllocations(ctx, v.ID, day, day.AddDate(0, 0, 21)); err != nil || len(al) > 0 {
			if err != nil {
				return err
			}
			continue
		}
		v.NextInspection = day.AddDate(0, 0, -1).Format("2006-01-02")
		return st.UpdateVehicle(ctx, &v)
	}
	return fmt.Errorf("demo day: no available car at station %d for the HU example", stationID)
}

// closing is half an hour before station st closes on day (local
// midnight), or 17:00 when it is closed that day.
func closing(st tenancy.Station, day time.Time) time.Time {
	spans := st.Hours[day.Weekday()]
	if len(spans) == 0 {
		return day.Add(17 * time.Hour)
	}
	return day.Add(time.Duration(spans[len(spans)-1].Close-30) * time.Minute)
}

// demoCover stores cover c with the first active demo payer of kind as its
// payer (none: the driver keeps paying).
func demoCover(ctx context.Context, st *store.Store, kind string, c payer.Cover) error {
	ps, err := st.ListPayers(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.Kind == kind && p.Active {
			c.PayerID = p.ID
			return st.SetCover(ctx, &c)
		}
	}
	return nil
}
