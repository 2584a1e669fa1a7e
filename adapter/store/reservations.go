package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/webhook"
)

const reservationCols = `r.id, r.tenant_id, r.number, r.station_id, r.return_station_id, r.customer_id, r.category_id,
	r.vehicle_id, r.tariff_id, r.pickup_at, r.return_at, r.status, r.source, r.api_client_id, r.secret_hash, r.workshop_ref, r.notes,
	r.language, r.day_price_cents, r.deposit_cents, r.estimated_total_cents, r.currency, r.cancelled_at, r.created_at,
	r.updated_at, r.bill_company, r.bill_first_name, r.bill_last_name, r.bill_street, r.bill_postal_code, r.bill_city,
	r.bill_country, r.bill_vat_id, r.calendar_sequence, r.cancel_fee_cents, r.cancel_fee_waived, r.test,
	COALESCE(r.idempotency_key, ''), r.lease_until, r.settled_at, r.kind, r.purpose, r.cost_centre, r.id_document, r.id_number,
	r.id_checked_by, r.id_checked_at, COALESCE((SELECT u.name FROM users u WHERE u.id = r.id_checked_by), ''), r.dealer_plate_id,
	COALESCE((SELECT dp.number FROM dealer_plates dp WHERE dp.id = r.dealer_plate_id), ''), r.released_at`

// reservationDest are the scan destinations of reservationCols.
func reservationDest(r *booking.Reservation) []any {
	return []any{&r.ID, &r.TenantID, &r.Number, &r.StationID, &r.ReturnStationID, &r.CustomerID, &r.CategoryID,
		int64Scan{&r.VehicleID}, &r.TariffID, tsScan{&r.Pickup}, tsScan{&r.Return}, &r.Status, &r.Source,
		int64Scan{&r.APIClientID}, strScan{&r.SecretHash}, &r.WorkshopRef, &r.Notes, &r.Language, &r.DayPriceCents, &r.DepositCents,
		&r.EstimatedTotalCents, &r.Currency, tspScan{&r.CancelledAt}, tsScan{&r.CreatedAt}, tsScan{&r.UpdatedAt},
		&r.Billing.Company, &r.Billing.FirstName, &r.Billing.LastName, &r.Billing.Street, &r.Billing.PostalCode, &r.Billing.City,
		&r.Billing.Country, &r.Billing.VATID, &r.CalendarSequence, &r.CancelFeeCents, &r.CancelFeeWaived, &r.Test,
		&r.IdempotencyKey, tspScan{&r.LeaseUntil}, tspScan{&r.SettledAt}, &r.Use.Kind, &r.Use.Purpose, &r.Use.CostCentre,
		&r.Use.IDDocument, &r.Use.IDNumber, int64Scan{&r.Use.IDCheckedBy}, tspScan{&r.Use.IDCheckedAt},
		&r.Use.IDCheckedByName, int64Scan{&r.Use.DealerPlateID}, &r.Use.DealerPlate, tspScan{&r.ReleasedAt}}
}

func scanReservation(row interface{ Scan(...any) error }, extra ...any) (booking.Reservation, error) {
	var r booking.Reservation
	err := row.Scan(append(reservationDest(&r), extra...)...)
	return r, err
}

// overlapCond is the SQL condition "allocation al overlaps [$start, $end)"
// (allocations are never empty: ends_at > starts_at is checked), for use
// with al.vehicle_id = …: both databases answer it from the (vehicle_id,
// ends_at) B-tree index. On PostgreSQL that is under 1 µs per vehicle; the
// same test as a range overlap (through the GiST index of the exclusion
// constraint) took 9 µs, 2.8 ms for a station with 300 cars.
func (s *Store) overlapCond(start, end string) string {
	return `al.ends_at > ` + s.dialect.timestamp(start) + ` AND al.starts_at < ` + s.dialect.timestamp(end)
}

// Availability counts, per category, the vehicles of a station that are
// available (status) and have no allocation overlapping [pickup, ret).
// The busy ones are counted from their allocations, found through the
// (tenant_id, ends_at, starts_at) index — allocations that ended before the
// pickup, nearly all of a long history, are never read — each looking up
// its car by key; the cars are counted through (tenant, station, …). So the
// cost grows with the station's cars plus the allocations running into the
// period, never with their product: a LEFT JOIN of the cars to the busy set
// had SQLite without statistics (as the store keeps it) scan the whole busy
// set once per car — 2.6 ms at 1,000 cars and 1,400 bookings ahead.
func (s *Store) Availability(ctx context.Context, stationID int64, pickup, ret time.Time) ([]booking.Free, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant(), stationID, ts(pickup), ts(ret)}
	cars := `v.tenant_id = $1 AND v.station_id = $2 AND v.status = 'available' AND ` +
		roadworthy(a.add(dateArg(ret.UTC().Format("2006-01-02")))) + ` AND ` + sc.stations("v.station_id", &a)
	// SQLite, once ANALYZE has run, prefers a skip-scan of (vehicle_id,
	// ends_at) that reads every vehicle's history: 2.8 ms instead of
	// 0.3 ms at 1,000 cars and 200,000 past allocations. Name the index.
	hint := s.dialect.indexedBy("allocations_time")
	rows, err := s.db.QueryContext(ctx, `WITH cars AS (SELECT v.category_id, count(*) AS total FROM vehicles v
			WHERE `+cars+` GROUP BY v.category_id),
		busy AS (SELECT v.category_id, count(DISTINCT al.vehicle_id) AS n FROM allocations al`+hint+`
			JOIN vehicles v ON v.id = al.vehicle_id
			WHERE al.tenant_id = $1 AND al.ends_at > $3 AND al.starts_at < $4 AND `+worldCond(sc.a.Test)+` AND `+cars+`
			GROUP BY v.category_id)
		SELECT c.category_id, c.total, c.total - coalesce(b.n, 0) FROM cars c LEFT JOIN busy b ON b.category_id = c.category_id
		ORDER BY c.category_id`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []booking.Free
	for rows.Next() {
		var f booking.Free
		if err := rows.Scan(&f.CategoryID, &f.Total, &f.Free); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// ErrNothingFree is returned when no vehicle of the category is free.
var ErrNothingFree = errs.Conflict("nothing_free")

// ErrKeyBound is returned when the Idempotency-Key of a new booking is
// already bound to a live booking of the API client.
var ErrKeyBound = errs.New(errs.KindConflict, "idempotency_key_bound")

// CreateReservation numbers r, takes a free vehicle of its category at its
// station (or r.VehicleID when set) and stores both in one transaction.
func (s *Store) CreateReservation(ctx context.Context, r *booking.Reservation) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.writeStation(r.StationID); err != nil {
		return err
	}
	reservationDefaults(r)
	return s.write(ctx, func(tx *sql.Tx) error { return s.createReservationTx(ctx, tx, sc, r, nil, nil, nil) })
}

// CreateReservationFor finds customer c by e-mail (creating it when there
// is none) and creates r for it in one transaction (see booking.Store). An
// existing customer's record is not changed now: r keeps c's name and
// billing address as its snapshot and c's data as the update that
// confirming r applies (see setReservationStatusTx); c becomes the record
// as it will be then. Errors: those of UpsertCustomer and CreateReservation.
func (s *Store) CreateReservationFor(ctx context.Context, c *customer.Customer, r *booking.Reservation) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.createFor(ctx, sc, c, r, nil, nil)
}

// createFor is CreateReservationFor, recording pay (when not nil) and
// storing cover (when not nil) with the reservation
// (CreateReservationPaying).
func (s *Store) createFor(ctx context.Context, sc scope, c *customer.Customer, r *booking.Reservation, pay *firstPayment,
	cover *payer.Cover) error {
	if err := sc.writeStation(r.StationID); err != nil {
		return err
	}
	c.Normalize()
	if err := c.Validate("", s.Now()); err != nil {
		return err
	}
	reservationDefaults(r)
	if sc.a.Kind == identity.ActorAPI {
		r.Test = sc.a.Test // a test key books in test mode, a live key live
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var audits []args // the customer's creation, written with the reservation
		old, found, err := s.customerByEmailTx(ctx, tx, sc, c, &audits)
		if err != nil {
			return err
		}
		var update *customer.Customer
		if found {
			in, merged := *c, old
			if len(merged.Merge(in)) > 0 {
				update = &in
			}
			*c = merged
		}
		r.CustomerID, r.Billing = c.ID, c.Billing()
		if err := s.createReservationTx(ctx, tx, sc, r, update, audits, pay); err != nil || cover == nil {
			return err
		}
		return s.createCoverTx(ctx, tx, sc, r, cover)
	})
}

// reservationDefaults fills what a new reservation leaves empty.
func reservationDefaults(r *booking.Reservation) {
	if r.ReturnStationID == 0 {
		r.ReturnStationID = r.StationID
	}
	if r.Status == "" {
		r.Status = booking.StatusPendingPayment
	}
	if r.Currency == "" {
		r.Currency = "EUR"
	}
	if r.Language == "" {
		r.Language = "de"
	}
	if r.Source == "" {
		r.Source = "api"
	}
}

// createReservationTx numbers and inserts r and takes its vehicle. A
// reservation without a billing snapshot (made at the counter or by staff)
// gets its customer's name and address as they are now. update, when set,
// is the customer data to apply when r is confirmed. audits are audit rows
// (auditRow) written with the reservation's insert. pay, when not nil, is
// the booking's rent, recorded pending once the reservation is inserted:
// on a database that chains writes by the reservation's own statement,
// else once the car is taken.
func (s *Store) createReservationTx(ctx context.Context, tx *sql.Tx, sc scope, r *booking.Reservation, update *customer.Customer,
	audits []args, pay *firstPayment) error {
	now := s.Now()
	if r.Billing.Empty() {
		c, err := scanCustomer(tx.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE tenant_id = $1 AND id = $2`,
			sc.tenant(), r.CustomerID))
		if err != nil {
			return notFound(err, "customer_not_found")
		}
		r.Billing = c.Billing()
	}
	var pending any
	if update != nil {
		b, err := json.Marshal(update)
		if err != nil {
			return err
		}
		pending = string(b)
	}
	var prefix string
	if set, ok := s.cachedSetup(ctx, sc.tenant()); ok {
		prefix = set.tenant.BookingNumberPrefix
	} else if err := tx.QueryRowContext(ctx, `SELECT booking_number_prefix FROM tenants WHERE id = $1`, sc.tenant()).Scan(&prefix); err != nil {
		return notFound(err, "tenant_not_found")
	}
	year := fmt.Sprint(now.Year())
	r.TenantID, r.CreatedAt, r.UpdatedAt = sc.tenant(), now, now
	var key any
	if r.IdempotencyKey != "" {
		key = r.IdempotencyKey
	}
	a := args{r.TenantID, r.StationID, r.ReturnStationID, r.Number, r.CustomerID, r.CategoryID, r.TariffID, ts(r.Pickup),
		ts(r.Return), r.Status, r.Source, nullInt64(r.APIClientID), nullString(r.SecretHash), r.WorkshopRef, r.Notes, r.Language, r.DayPriceCents,
		r.DepositCents, r.EstimatedTotalCents, r.Currency, ts(now), ts(now), r.Billing.Company, r.Billing.FirstName,
		r.Billing.LastName, r.Billing.Street, r.Billing.PostalCode, r.Billing.City, r.Billing.Country, r.Billing.VATID,
		pending, r.Test, key, tsp(r.LeaseUntil), string(r.Use.Kind.Or()), r.Use.Purpose, r.Use.CostCentre, r.Use.IDDocument,
		r.Use.IDNumber, nullInt64(r.Use.IDCheckedBy), tsp(r.Use.IDCheckedAt), nullInt64(r.Use.DealerPlateID)}
	const insert = `INSERT INTO reservations (tenant_id, station_id, return_station_id, number, customer_id,
		category_id, tariff_id, pickup_at, return_at, status, source, api_client_id, secret_hash, workshop_ref, notes, language,
		day_price_cents, deposit_cents, estimated_total_cents, currency, created_at, updated_at, bill_company, bill_first_name,
		bill_last_name, bill_street, bill_postal_code, bill_city, bill_country, bill_vat_id, customer_update, test,
		idempotency_key, lease_until, kind, purpose, cost_centre, id_document, id_number, id_checked_by, id_checked_at,
		dealer_plate_id)
		VALUES ($1,$2,$3,NUMBER,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,
		$32,$33,$34,$35,$36,$37,$38,$39,$40,$41,$42) RETURNING id, number`
	var err error
	if s.dialect.chainsWrites() {
		// the booking number taken and the reservation inserted in one
		// statement: $4 is the number's prefix, the counter's value is
		// appended as bookingNumber formats it (at least five digits)
		a[3] = prefix + year[2:] + "-"
		q := `WITH ` + auditCTEs(&a, audits) + `n AS (INSERT INTO counters (tenant_id, series, period, value) VALUES ($1, 'booking', ` + a.add(year) + `, 1)
			ON CONFLICT (tenant_id, series, period) DO UPDATE SET value = counters.value + 1 RETURNING value) `
		ins := strings.Replace(insert, "NUMBER", `(SELECT $4::text || CASE WHEN n.value < 100000 THEN lpad(n.value::text, 5, '0')
				ELSE n.value::text END FROM n)`, 1)
		if pay == nil {
			err = tx.QueryRowContext(ctx, q+ins, a...).Scan(&r.ID, &r.Number)
		} else {
			// the rent recorded by the same statement, its order id the
			// number the statement takes
			var rent string
			if rent, err = rentCTEs(&a, r, pay); err != nil {
				return err
			}
			var payID, cardID sql.NullInt64
			err = tx.QueryRowContext(ctx, q+`, res AS (`+ins+`), `+strings.TrimSuffix(rent, ", ")+`
				SELECT res.id, res.number, (SELECT id FROM pay), (SELECT card_id FROM pay) FROM res`, a...).Scan(&r.ID, &r.Number, &payID, &cardID)
			if err == nil {
				if err = pay.rentRecorded(r, payID, cardID); err != nil {
					return err
				}
			}
		}
	} else {
		for _, row := range audits {
			if err := s.writeAudit(ctx, tx, row); err != nil {
				return err
			}
		}
		var seq int64
		if seq, err = nextNumber(ctx, tx, sc.tenant(), "booking", year); err != nil {
			return err
		}
		r.Number = bookingNumber(prefix, year, seq)
		a[3] = r.Number
		err = tx.QueryRowContext(ctx, strings.Replace(insert, "NUMBER", "$4", 1), a...).Scan(&r.ID, &r.Number)
	}
	if classify(err) == dbErrUnique && r.IdempotencyKey != "" {
		return ErrKeyBound
	}
	if err != nil {
		return mapErr(err)
	}
	if r.Status == booking.StatusConfirmed { // made confirmed: at the counter
		if err := s.bookingEventTx(ctx, tx, sc, *r, webhook.BookingConfirmed); err != nil {
			return err
		}
	}
	if !r.Status.Holds() {
		return s.rentAfterTake(ctx, tx, r, pay)
	}
	vid, err := s.takeVehicleTx(ctx, tx, sc, r)
	if err != nil {
		return err
	}
	r.VehicleID = vid
	if s.chainsTake(r) {
		return s.rentAfterTake(ctx, tx, r, pay) // the car set with the allocation
	}
	if _, err = tx.ExecContext(ctx, `UPDATE reservations SET vehicle_id = $1 WHERE id = $2`, vid, r.ID); err != nil {
		return mapErr(err)
	}
	return s.rentAfterTake(ctx, tx, r, pay)
}

// rentAfterTake records pay (when not nil) for r inside tx on a database
// that does not chain writes (recordRentTx): there the rent follows the
// car's take (a booking without a car records none); where writes chain,
// the reservation's insert recorded it.
func (s *Store) rentAfterTake(ctx context.Context, tx *sql.Tx, r *booking.Reservation, pay *firstPayment) error {
	if pay == nil || s.dialect.chainsWrites() {
		return nil
	}
	return s.recordRentTx(ctx, tx, r, pay)
}

// bookingNumber is the booking number seq of year: the tenant's prefix,
// the year's last two digits and seq with at least five digits
// ("B26-00042"). (PostgreSQL formats it the same way in SQL, see
// createReservationTx.)
func bookingNumber(prefix, year string, seq int64) string {
	return fmt.Sprintf("%s%s-%05d", prefix, year[2:], seq)
}

// roadworthy is the condition that a vehicle's HU and service last until
// the day p (a placeholder holding a date): a car whose HU or service runs
// out before the return is neither counted as available nor taken for a
// booking by itself (staff may still assign it with a reason).
func roadworthy(p string) string {
	return `(v.next_inspection IS NULL OR v.next_inspection >= ` + p + `) AND (v.next_service IS NULL OR v.next_service >= ` + p + `)`
}

// chainsTake reports whether takeVehicleTx takes r's vehicle in one
// statement per attempt and sets it on r with the allocation (takeChainedTx):
// a live booking on a database that chains writes. A test booking also
// looks for blocks, which the test world's exclusion constraint does not
// cover: it goes through allocateTx.
func (s *Store) chainsTake(r *booking.Reservation) bool {
	return s.dialect.chainsWrites() && !r.Test
}

// freeVehicles is the SQL condition (alias v) on the vehicles a booking r
// takes by itself: of its category at its station, available, roadworthy
// until its return and without an allocation of its world overlapping its
// period (as the statement's snapshot shows them). byPreference is the
// order they are taken in: ready cars first, then the least driven.
func (s *Store) freeVehicles(a *args, r *booking.Reservation) string {
	return `v.tenant_id = $1 AND v.station_id = ` + a.add(r.StationID) + ` AND v.category_id = ` + a.add(r.CategoryID) +
		` AND v.status = 'available' AND ` + roadworthy(a.add(dateArg(r.Return.UTC().Format("2006-01-02")))) + `
		AND NOT EXISTS (SELECT 1 FROM allocations al WHERE al.vehicle_id = v.id AND ` +
		s.overlapCond(a.add(ts(r.Pickup)), a.add(ts(r.Return))) + ` AND ` + worldCond(r.Test) + `)`
}

const byPreference = `CASE WHEN v.readiness = 'ready' THEN 0 ELSE 1 END, v.odometer_km, v.id`

// takeVehicleTx allocates a free vehicle for r (r.VehicleID when set) inside
// tx and returns its id; ErrNothingFree when none is left (or r.VehicleID
// is taken). When chainsTake, the reservation's vehicle is set with the
// allocation (takeChainedTx). Otherwise the first free car by preference is
// looked up and allocated, up to maxTakeTries times: on SQLite, whose one
// writer holds the lock, the first is taken unless a test booking meets a
// block; on PostgreSQL (a test booking) a lost race on one candidate
// (exclusion violation) is rolled back to a savepoint and the next is
// tried. One car at a time: the lookup walks vehicles_take and stops at the
// first free car instead of collecting twenty.
func (s *Store) takeVehicleTx(ctx context.Context, tx *sql.Tx, sc scope, r *booking.Reservation) (int64, error) {
	if s.chainsTake(r) {
		return s.takeChainedTx(ctx, tx, sc, r)
	}
	var tried []int64
	for range maxTakeTries {
		vid := r.VehicleID
		if vid == 0 {
			a := args{sc.tenant()}
			q := `SELECT v.id FROM vehicles v WHERE ` + s.freeVehicles(&a, r) + notTried(&a, tried) + ` ORDER BY ` + byPreference + ` LIMIT 1`
			err := tx.QueryRowContext(ctx, q, a...).Scan(&vid)
			if errors.Is(err, sql.ErrNoRows) {
				return 0, ErrNothingFree
			}
			if err != nil {
				return 0, err
			}
		}
		if err := s.dialect.savepoint(ctx, tx, "take_vehicle"); err != nil {
			return 0, err
		}
		al := fleet.Allocation{VehicleID: vid, Start: r.Pickup, End: r.Return, Kind: fleet.AllocBooking, ReservationID: r.ID, Test: r.Test}
		err := s.allocateTx(ctx, tx, sc, &al)
		if err == nil {
			return vid, nil
		}
		if !errs.Is(err, errs.KindConflict) {
			return 0, err
		}
		if err := s.dialect.rollbackTo(ctx, tx, "take_vehicle"); err != nil {
			return 0, err
		}
		if r.VehicleID != 0 {
			break
		}
		tried = append(tried, vid)
	}
	return 0, ErrNothingFree
}

// maxTakeTries bounds the cars takeVehicleTx tries for one booking.
const maxTakeTries = 20

// notTried is the condition (starting with AND) that leaves out the cars
// already tried; empty when there are none.
func notTried(a *args, tried []int64) string {
	if len(tried) == 0 {
		return ""
	}
	ph := make([]string, len(tried))
	for i, id := range tried {
		ph[i] = a.add(id)
	}
	return ` AND v.id NOT IN (` + strings.Join(ph, ", ") + `)`
}

// takeChainedTx is takeVehicleTx for a live booking on a database that
// chains writes: one statement per attempt (takeOnceTx) picks the car, locks
// it, allocates it and sets it on the reservation. An attempt that loses the
// car to a booking committed since its statement began writes nothing and
// leaves the transaction usable (no savepoint): the next attempt leaves the
// cars already tried out.
//
// Cars are first taken with SKIP LOCKED, so that a booking does not queue
// behind another writer of the preferred car (a handover, a staff block, a
// changed booking; bookings of one tenant already run one after the other
// from the booking number's counter on). A car locked by another
// transaction may still come free (that transaction may fail and roll
// back), so "nothing free" is only concluded by an attempt that waits for
// the locked cars: when the skipping attempt finds no car, the next ones
// wait, in the order of preference.
//
// The lock of a car lost in a race is held until the transaction ends.
// Waiting for a car while holding one taken out of order (skipped past a
// locked one) can, in a narrow race, deadlock with a booking doing the
// same; PostgreSQL then aborts one of them (40P01) and write runs it again.
func (s *Store) takeChainedTx(ctx context.Context, tx *sql.Tx, sc scope, r *booking.Reservation) (int64, error) {
	var tried []int64
	skip := r.VehicleID == 0
	for {
		vid, taken, err := s.takeOnceTx(ctx, tx, sc, r, tried, skip)
		switch {
		case err != nil:
			return 0, err
		case taken:
			return vid, nil
		case vid != 0 && r.VehicleID == 0: // lost to a booking committed meanwhile
			tried = append(tried, vid)
		case vid == 0 && skip: // every car left is locked: wait for them
			skip = false
		case vid == 0 && r.VehicleID != 0:
			return 0, errs.NotFound("vehicle_not_found")
		default:
			return 0, ErrNothingFree
		}
	}
}

// takeOnceTx is one attempt of takeChainedTx, in one statement: the car —
// r.VehicleID, else the first of freeVehicles by preference that is not in
// tried — is locked (waiting for its lock, or passing over locked cars when
// skip), allocated for r's period unless that would overlap an allocation
// (ON CONFLICT … DO NOTHING on the exclusion constraint: a booking committed
// since the statement began holds it) and set as the reservation's vehicle.
// It returns the car found (0 when none) and whether it was taken. The lock
// comes before the allocation's insert, as allocateTx takes it; the lock
// also re-checks a car changed meanwhile against the conditions (READ
// COMMITTED), so a car made unavailable or unroadworthy is passed over.
func (s *Store) takeOnceTx(ctx context.Context, tx *sql.Tx, sc scope, r *booking.Reservation, tried []int64, skip bool) (int64, bool, error) {
	a := args{sc.tenant()}
	var pick string
	if r.VehicleID != 0 {
		pick = `v.tenant_id = $1 AND v.id = ` + a.add(r.VehicleID) + ` AND ` + sc.stations("v.station_id", &a) + s.dialect.lockVehicle()
	} else {
		pick = s.freeVehicles(&a, r) + ` AND ` + sc.stations("v.station_id", &a) + notTried(&a, tried)
		// lockVehicle is a locking clause wherever writes chain
		pick += ` ORDER BY ` + byPreference + ` LIMIT 1` + s.dialect.lockVehicle()
		if skip {
			pick += ` SKIP LOCKED`
		}
	}
	now := s.Now()
	q := `WITH v AS (SELECT v.id FROM vehicles v WHERE ` + pick + `),
		al AS (INSERT INTO allocations (tenant_id, vehicle_id, starts_at, ends_at, kind, reservation_id, note, created_by, created_at, test)
			SELECT $1, v.id, ` + typedList(&a, []any{ts(r.Pickup.UTC()), ts(r.Return.UTC()), string(fleet.AllocBooking), r.ID, "",
		nullInt64(sc.a.UserID), ts(now), false}, allocationTypes) + ` FROM v
			ON CONFLICT ON CONSTRAINT allocations_no_overlap DO NOTHING RETURNING vehicle_id, reservation_id),
		r AS (UPDATE reservations SET vehicle_id = al.vehicle_id FROM al WHERE reservations.tenant_id = $1 AND reservations.id = al.reservation_id)
		SELECT v.id, al.vehicle_id IS NOT NULL FROM v LEFT JOIN al ON true`
	var vid int64
	var taken bool
	err := tx.QueryRowContext(ctx, q, a...).Scan(&vid, &taken)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return vid, taken, mapErr(err)
}

// Reservation returns one reservation. Errors: KindNotFound.
func (s *Store) Reservation(ctx context.Context, id int64) (booking.Reservation, error) {
	return s.reservationWhere(ctx, s.db, "r.id", id)
}

// ReservationByNumber returns the reservation with a booking number. Errors: KindNotFound.
func (s *Store) ReservationByNumber(ctx context.Context, number string) (booking.Reservation, error) {
	return s.reservationWhere(ctx, s.db, "r.number", strings.ToUpper(strings.TrimSpace(number)))
}

func (s *Store) reservationWhere(ctx context.Context, q querier, col string, v any) (booking.Reservation, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return booking.Reservation{}, err
	}
	a := args{sc.tenant(), v}
	r, err := scanReservation(q.QueryRowContext(ctx, `SELECT `+reservationCols+` FROM reservations r
		WHERE r.tenant_id = $1 AND `+col+` = $2 AND `+sc.stations("r.station_id", &a)+` AND `+sc.mode("r.test", &a), a...))
	return r, notFound(err, "booking_not_found")
}

// ListReservations returns reservations the actor may see, by pickup time.
func (s *Store) ListReservations(ctx context.Context, f booking.Filter) ([]booking.Reservation, int, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, 0, err
	}
	a := args{sc.tenant()}
	where := `r.tenant_id = $1 AND ` + sc.stations("r.station_id", &a) + ` AND ` + sc.mode("r.test", &a)
	if f.StationID != 0 {
		where += ` AND r.station_id = ` + a.add(f.StationID)
	}
	if f.Status != "" {
		where += ` AND r.status = ` + a.add(string(f.Status))
	}
	if f.CustomerID != 0 {
		where += ` AND r.customer_id = ` + a.add(f.CustomerID)
	}
	if !f.From.IsZero() && !f.To.IsZero() {
		from, to := a.add(ts(f.From)), a.add(ts(f.To))
		where += ` AND ((r.pickup_at >= ` + from + ` AND r.pickup_at < ` + to + `) OR (r.return_at >= ` + from + ` AND r.return_at < ` + to + `))`
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM reservations r WHERE `+where, a...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+reservationCols+` FROM reservations r WHERE `+where+
		` ORDER BY r.pickup_at, r.id LIMIT `+a.add(f.Limit)+` OFFSET `+a.add(max(f.Offset, 0)), a...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []booking.Reservation
	for rows.Next() {
		r, err := scanReservation(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// settleCustomerUpdateTx applies the customer data a booking brought
// (pending, as the reservation's status change returned it) once
// the booking is confirmed (merged into the record, audited with the
// booking number) and drops it when the booking ends otherwise: the record
// of an existing customer changes only when the booking succeeds. cleared:
// the status change dropped it from the reservation already
// (transitionUpdate).
func (s *Store) settleCustomerUpdateTx(ctx context.Context, tx *sql.Tx, sc scope, r booking.Reservation, to booking.Status,
	pending sql.NullString, cleared bool) error {
	if to == booking.StatusPendingPayment || !pending.Valid {
		return nil
	}
	if !cleared {
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET customer_update = NULL WHERE tenant_id = $1 AND id = $2`,
			sc.tenant(), r.ID); err != nil {
			return mapErr(err)
		}
	}
	if to != booking.StatusConfirmed {
		return nil
	}
	var in customer.Customer
	if err := json.Unmarshal([]byte(pending.String), &in); err != nil {
		return fmt.Errorf("reservation %d: customer update: %w", r.ID, err)
	}
	c, err := scanCustomer(tx.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE tenant_id = $1 AND id = $2`,
		sc.tenant(), r.CustomerID))
	if err != nil {
		return notFound(err, "customer_not_found")
	}
	if c.RestrictedAt != nil { // blocked after an erasure request meanwhile: nothing is written
		return nil
	}
	changes := c.Merge(in)
	return s.saveMergedTx(ctx, tx, sc, &c, changes, customer.ActionBookingUpdate, customer.BookingUpdate{Booking: r.Number, Changes: changes})
}

// statusEvents are the webhook events of the statuses a booking moves to.
var statusEvents = map[booking.Status]webhook.Type{booking.StatusConfirmed: webhook.BookingConfirmed,
	booking.StatusFailed: webhook.BookingFailed, booking.StatusCancelled: webhook.BookingCancelled}

// SetReservationStatus moves a reservation from one of from to to, releasing
// its vehicle when to does not hold one, and logs the change.
func (s *Store) SetReservationStatus(ctx context.Context, id int64, from []booking.Status, to booking.Status) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error { return s.setReservationStatusTx(ctx, tx, sc, id, from, to) })
}

func (s *Store) setReservationStatusTx(ctx context.Context, tx *sql.Tx, sc scope, id int64, from []booking.Status, to booking.Status) error {
	return s.transitionTx(ctx, tx, sc, booking.Transition{ID: id, From: from, To: to})
}

// transitionTx applies t inside tx (see booking.Store.TransitionReservation).
func (s *Store) transitionTx(ctx context.Context, tx *sql.Tx, sc scope, t booking.Transition) error {
	return s.transitionTxToken(ctx, tx, sc, t, "", time.Time{})
}

// transitionTxToken is transitionTx that also sets the booking page's
// token hash (when not empty) with the status, in the same statement, and
// with a lease (not zero) changes the reservation only while it still has
// that lease (else ErrBookingBusy: another process took it over). The
// update itself checks the former status when t allows only one (no read
// first); the reservation is read only to name why an update was refused
// (transitionRefused), or first when t allows several former statuses.
func (s *Store) transitionTxToken(ctx context.Context, tx *sql.Tx, sc scope, t booking.Transition, pageTokenHash string, lease time.Time) error {
	from, err := s.transitionFrom(ctx, tx, t)
	if err != nil {
		return err
	}
	var a args
	// the status change's audit row goes with the update on a database
	// that chains writes, when no other audit row of the reservation
	// follows it (the trail keeps its order); it is written only when the
	// update changed the row
	q, audited := ``, false
	if s.dialect.chainsWrites() && transitionAuditedWith(t, from) {
		ctes, err := s.transitionCTEs(&a, sc, t, from, pageTokenHash, lease)
		if err != nil {
			return err
		}
		q, audited = `WITH `+strings.TrimSuffix(ctes, ", ")+` SELECT `+transitionReturning+` FROM res`, true
	} else {
		q = s.transitionUpdate(&a, sc, t, from, pageTokenHash, lease)
	}
	r := booking.Reservation{ID: t.ID, Status: from}
	var pending sql.NullString
	err = tx.QueryRowContext(ctx, q, a...).Scan(&r.StationID, &r.Number, &r.CustomerID, &pending)
	if errors.Is(err, sql.ErrNoRows) {
		return s.transitionRefused(ctx, tx, t, lease)
	}
	if err != nil {
		return mapErr(err)
	}
	return s.transitionedTx(ctx, tx, sc, t, r, pending, audited)
}

// transitionFrom is the status t moves the reservation from: t's only
// former status, else the reservation's (read; KindConflict when it is
// none of t's).
func (s *Store) transitionFrom(ctx context.Context, tx *sql.Tx, t booking.Transition) (booking.Status, error) {
	if len(t.From) == 1 {
		return t.From[0], nil
	}
	r, err := s.reservationWhere(ctx, tx, "r.id", t.ID)
	if err != nil {
		return "", err
	}
	if !slices.Contains(t.From, r.Status) {
		return "", statusChangeRefused(r.Status, t.To)
	}
	return r.Status, nil
}

// statusChangeRefused is the error of a reservation that cannot move from
// status from to to.
func statusChangeRefused(from, to booking.Status) error {
	return errs.Conflict("booking_status_change", locale.Params{"status": locale.Key("booking.status." + string(from)),
		"to": locale.Key("booking.status." + string(to))})
}

// transitionRefused names why the update of t changed nothing: the
// reservation is not the actor's (KindNotFound), not in a status t moves
// from (KindConflict "booking_status_change"), or — with lease — no longer
// held by this process (ErrBookingBusy); as when the status was read
// before the update.
func (s *Store) transitionRefused(ctx context.Context, tx *sql.Tx, t booking.Transition, lease time.Time) error {
	r, err := s.reservationWhere(ctx, tx, "r.id", t.ID)
	if err != nil {
		return err
	}
	if slices.Contains(t.From, r.Status) && !lease.IsZero() {
		return ErrBookingBusy
	}
	return statusChangeRefused(r.Status, t.To)
}

// transitionAuditedWith reports whether the status change of t from from
// gets its audit row with its update, on a database that chains writes:
// when it changes the status and no other audit row of the reservation
// follows.
func transitionAuditedWith(t booking.Transition, from booking.Status) bool {
	return t.AuditAction == "" && t.To != from
}

// transitionReturning is what transitionUpdate returns of the changed
// reservation: station_id, number, customer_id, customer_update (as it
// was before the update).
const transitionReturning = `station_id, number, customer_id, customer_update`

// clearsCustomerUpdate reports whether transitionUpdate to status to drops
// the customer data the booking brought (settled by the same change, see
// settleCustomerUpdateTx) while it returns it: on a database that reads the
// statement's snapshot in a subquery of RETURNING.
func (s *Store) clearsCustomerUpdate(to booking.Status) bool {
	return s.dialect.snapshotCTE() && to != booking.StatusPendingPayment
}

// transitionUpdate returns the UPDATE of t's status (values added to a):
// it changes the reservation only when it has status from, is the actor's,
// and with lease (not zero) still has that lease, and returns
// transitionReturning of it (no row: refused, see transitionRefused).
func (s *Store) transitionUpdate(a *args, sc scope, t booking.Transition, from booking.Status, pageTokenHash string, lease time.Time) string {
	now := s.Now()
	var cancelled, settled any
	if t.To == booking.StatusCancelled && from != booking.StatusCancelled {
		cancelled = ts(now)
	}
	if t.Settle {
		settled = ts(now)
	}
	leaseSet := `lease_until`
	if t.Release {
		leaseSet = `NULL`
	}
	q := `UPDATE reservations SET status = ` + a.add(t.To) + `, updated_at = ` + a.add(ts(now)) +
		`, cancelled_at = COALESCE(` + a.add(cancelled) + `, cancelled_at), settled_at = COALESCE(` + a.add(settled) +
		`, settled_at), lease_until = ` + leaseSet + `, page_token_hash = COALESCE(` + a.add(nullString(pageTokenHash)) + `, page_token_hash)`
	tenant, id := a.add(sc.tenant()), a.add(t.ID)
	returning := transitionReturning
	if s.clearsCustomerUpdate(t.To) {
		q += `, customer_update = NULL`
		// the statement's snapshot: the value before this update
		returning = `station_id, number, customer_id, (SELECT o.customer_update FROM reservations o
			WHERE o.tenant_id = ` + tenant + ` AND o.id = ` + id + `) AS customer_update`
	}
	q += ` WHERE tenant_id = ` + tenant + ` AND id = ` + id + ` AND status = ` + a.add(from)
	if !lease.IsZero() {
		q += ` AND lease_until = ` + a.add(ts(lease))
	}
	return q + ` AND ` + sc.stations("station_id", a) + ` AND ` + sc.mode("test", a) + ` RETURNING ` + returning
}

// transitionCTEs returns WITH queries (each followed by a comma; values
// added to a) for a database that chains writes: "res", t's update
// (transitionUpdate, returning its row), and with it the status change's
// audit row when transitionAuditedWith, written only when the update
// changed the row.
func (s *Store) transitionCTEs(a *args, sc scope, t booking.Transition, from booking.Status, pageTokenHash string, lease time.Time) (string, error) {
	q := `res AS (` + s.transitionUpdate(a, sc, t, from, pageTokenHash, lease) + `), `
	if !transitionAuditedWith(t, from) {
		return q, nil
	}
	row, err := s.auditRow(sc, 0, "reservation", t.ID, "status",
		map[string]string{"status": string(from)}, map[string]string{"status": string(t.To)})
	if err != nil {
		return "", err
	}
	return q + `res_audit AS (` + auditSelect(a, row, "res") + `), `, nil
}

// transitionedTx does inside tx what follows t's update of reservation r
// (ID, Status the former status, StationID, Number, CustomerID as
// updated; pending its customer_update): the customer's pending update
// settled, the webhook event, the vehicle released, the e-mails queued,
// t's own audit row and — unless audited with the update — the status
// change's.
func (s *Store) transitionedTx(ctx context.Context, tx *sql.Tx, sc scope, t booking.Transition, r booking.Reservation,
	pending sql.NullString, audited bool) error {
	if err := s.settleCustomerUpdateTx(ctx, tx, sc, r, t.To, pending, s.clearsCustomerUpdate(t.To)); err != nil {
		return err
	}
	if ev, ok := statusEvents[t.To]; ok && t.To != r.Status {
		if err := s.bookingEventTx(ctx, tx, sc, r, ev); err != nil {
			return err
		}
	}
	if !t.To.Holds() {
		if _, err := tx.ExecContext(ctx, `DELETE FROM allocations WHERE tenant_id = $1 AND reservation_id = $2`, sc.tenant(), t.ID); err != nil {
			return mapErr(err)
		}
	}
	for i := range t.Mails {
		if err := s.queueEmailTx(ctx, tx, sc.tenant(), &t.Mails[i]); err != nil {
			return err
		}
	}
	if t.AuditAction != "" {
		if err := s.appendAudit(ctx, tx, sc, r.StationID, "reservation", t.ID, t.AuditAction, nil, t.AuditDetail); err != nil {
			return err
		}
	}
	if t.To == r.Status || audited {
		return nil
	}
	return s.appendAudit(ctx, tx, sc, r.StationID, "reservation", t.ID, "status",
		map[string]string{"status": string(r.Status)}, map[string]string{"status": string(t.To)})
}
