package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/webhook"
)

const contractCols = `c.id, c.tenant_id, c.number, c.reservation_id, c.station_id, c.return_station_id, c.customer_id,
	c.vehicle_id, c.tariff_id, c.starts_at, c.planned_end_at, c.ended_at, c.status, c.notes, c.deposit_set_off_cents,
	c.created_at, c.updated_at, c.terms, c.billed_at,
	(SELECT rk.kind FROM reservations rk WHERE rk.id = c.reservation_id),
	COALESCE((SELECT dp.number FROM reservations rk JOIN dealer_plates dp ON dp.id = rk.dealer_plate_id WHERE rk.id = c.reservation_id), '')`

func scanContract(row interface{ Scan(...any) error }, extra ...any) (contract.Contract, error) {
	var c contract.Contract
	var terms string
	dst := []any{&c.ID, &c.TenantID, &c.Number, &c.ReservationID, &c.StationID, &c.ReturnStationID, &c.CustomerID,
		&c.VehicleID, &c.TariffID, tsScan{&c.Start}, tsScan{&c.PlannedEnd}, tspScan{&c.EndedAt}, &c.Status, &c.Notes,
		&c.DepositSetOffCents, tsScan{&c.CreatedAt}, tsScan{&c.UpdatedAt}, &terms, tspScan{&c.BilledAt}, &c.Kind, &c.DealerPlate}
	if err := row.Scan(append(dst, extra...)...); err != nil {
		return c, err
	}
	if terms != "" {
		if err := json.Unmarshal([]byte(terms), &c.Terms); err != nil {
			return c, fmt.Errorf("contract %s terms: %w", c.Number, err)
		}
	}
	return c, nil
}

// contractScope is the condition "the actor may see contract c": its pickup
// or its return station is one of the actor's.
func contractScope(sc scope, a *args) string {
	if sc.a.AllStations() {
		return "1=1"
	}
	return "(" + sc.stations("c.station_id", a) + " OR " + sc.stations("c.return_station_id", a) + ")"
}

// contractTx reads one contract the actor may see inside q, with its drivers.
func (s *Store) contractTx(ctx context.Context, q querier, sc scope, col string, v any) (contract.Contract, error) {
	a := args{sc.tenant(), v}
	c, err := scanContract(q.QueryRowContext(ctx, `SELECT `+contractCols+` FROM contracts c
		WHERE c.tenant_id = $1 AND `+col+` = $2 AND `+contractScope(sc, &a), a...))
	if err != nil {
		return c, notFound(err, "contract_not_found")
	}
	rows, err := q.QueryContext(ctx, `SELECT d.id, d.role, d.first_name, d.last_name, d.birth_date, d.licence_number,
		d.licence_class, d.licence_issued_on, d.licence_country, d.licence_checked_by, COALESCE(u.name, ''), d.licence_checked_at
		FROM contract_drivers d LEFT JOIN users u ON u.id = d.licence_checked_by
		WHERE d.tenant_id = $1 AND d.contract_id = $2 AND d.removed_at IS NULL ORDER BY d.role DESC, d.id`, sc.tenant(), c.ID)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var d contract.Driver
		if err := rows.Scan(&d.ID, &d.Role, &d.FirstName, &d.LastName, dateScan{&d.BirthDate}, &d.LicenceNumber,
			&d.LicenceClass, dateScan{&d.LicenceIssuedOn}, &d.LicenceCountry, int64Scan{&d.CheckedBy}, &d.CheckedByName,
			tspScan{&d.CheckedAt}); err != nil {
			return c, err
		}
		c.Drivers = append(c.Drivers, d)
	}
	return c, rows.Err()
}

// rentalLock is the contract of a reservation as lockRentalTx found it.
type rentalLock struct {
	contractID, stationID int64 // 0: not handed over (no contract)
	status                contract.Status
	billed                bool // billing finished (billed_at set)
}

// unbilled reports whether billing has not claimed the contract: it is
// open, or returned and waiting for billing (also after a billing run that
// stopped before its documents); true without a contract.
func (k rentalLock) unbilled() bool {
	return k.contractID == 0 || k.status == contract.StatusOpen || k.status == contract.StatusReturned
}

// lockRentalTx locks, in write transaction tx, the contract row of the
// actor's tenant whose column col ("reservation_id" or "id") is v (a
// reservation has none before the handover) and returns the contract as
// committed now. A change to what
// billing reads (the workshop order, the cover) takes this lock before it
// checks anything: billing claims a contract by updating this row
// (returned → billed, the reservation completed in the same transaction)
// before it reads what it bills, and finishes it by updating it again
// (billed_at). So the change either commits before the claim and billing
// reads it, or sees the claim (or billing still running) and is refused.
// Lock order: the contract row first, then the reservation — read it after
// this call, to see it as of the lock (billing's claim takes them in that
// order).
func (s *Store) lockRentalTx(ctx context.Context, tx *sql.Tx, sc scope, col string, v int64) (rentalLock, error) {
	var k rentalLock
	var status string
	err := tx.QueryRowContext(ctx, `SELECT id, station_id, status, billed_at IS NOT NULL FROM contracts
		WHERE tenant_id = $1 AND `+col+` = $2`+s.dialect.forUpdate(), sc.tenant(), v).
		Scan(&k.contractID, &k.stationID, &status, &k.billed)
	if errors.Is(err, sql.ErrNoRows) {
		return rentalLock{}, nil
	}
	k.status = contract.Status(status)
	return k, err
}

// IssueHeld issues the document build returns for contract id of the
// actor's reach in one transaction: the contract row is locked first
// (lockRentalTx), then the contract and its reservation are read as
// committed now, once, and handed to build (see contract.Store). Errors:
// KindNotFound (also outside the actor's reach), what build and issuing
// return.
func (s *Store) IssueHeld(ctx context.Context, id int64, build func(contract.Held) (invoice.IssueRequest, error)) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		h, err := s.heldTx(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		req, err := build(h)
		if err != nil {
			return err
		}
		return s.issueTx(ctx, tx, sc, req, nil)
	})
}

// heldTx locks contract id's row in write transaction tx (lockRentalTx)
// and reads the contract and its reservation as committed now.
func (s *Store) heldTx(ctx context.Context, tx *sql.Tx, sc scope, id int64) (contract.Held, error) {
	if _, err := s.lockRentalTx(ctx, tx, sc, "id", id); err != nil {
		return contract.Held{}, err
	}
	// as of the lock: the status a return or billing's claim moved on
	c, err := s.contractTx(ctx, tx, sc, "c.id", id)
	if err != nil {
		return contract.Held{}, err
	}
	r, err := s.reservationWhere(ctx, tx, "r.id", c.ReservationID)
	if err != nil {
		return contract.Held{}, err
	}
	return contract.Held{Contract: c, WorkshopRef: r.WorkshopRef, BookingStatus: r.Status}, nil
}

// RecordCharge stores rec, a staff charge's pending payment of contract id
// of the actor's reach, in one transaction that holds the contract's row
// (as IssueHeld) after check has passed on the contract and its
// reservation as committed then (see contract.Store). Errors:
// KindNotFound, check's error (nothing stored), those of InsertPayment.
func (s *Store) RecordCharge(ctx context.Context, id int64, check func(contract.Held) error, rec *payment.Record) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := newPayment(ctx, rec); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		h, err := s.heldTx(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := check(h); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, insertPaymentSQL, insertPaymentArgs(rec)...).Scan(&rec.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return errModeDiffers
		}
		return mapErr(err)
	})
}

// Contract returns one contract with its drivers. Errors: KindNotFound.
func (s *Store) Contract(ctx context.Context, id int64) (contract.Contract, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return contract.Contract{}, err
	}
	return s.contractTx(ctx, s.db, sc, "c.id", id)
}

// ContractByReservation returns the contract of a reservation. Errors: KindNotFound.
func (s *Store) ContractByReservation(ctx context.Context, reservationID int64) (contract.Contract, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return contract.Contract{}, err
	}
	return s.contractTx(ctx, s.db, sc, "c.reservation_id", reservationID)
}

// ListContracts returns the contracts the actor may see matching f, by start.
func (s *Store) ListContracts(ctx context.Context, f contract.Filter) ([]contract.Listed, int, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, 0, err
	}
	a := args{sc.tenant()}
	where := `c.tenant_id = $1 AND ` + contractScope(sc, &a)
	if f.StationID != 0 {
		p := a.add(f.StationID)
		where += ` AND (c.station_id = ` + p + ` OR c.return_station_id = ` + p + `)`
	}
	if f.Status != "" {
		where += ` AND c.status = ` + a.add(string(f.Status))
	}
	if !f.From.IsZero() && !f.To.IsZero() {
		from, to := a.add(ts(f.From)), a.add(ts(f.To))
		where += ` AND ((c.starts_at >= ` + from + ` AND c.starts_at < ` + to + `) OR (c.planned_end_at >= ` + from +
			` AND c.planned_end_at < ` + to + `) OR (c.ended_at >= ` + from + ` AND c.ended_at < ` + to + `))`
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := a.add(likeArg(q)) // % and _ typed by staff match themselves
		where += ` AND (lower(c.number) LIKE ` + p + ` ESCAPE '\' OR lower(cu.first_name || ' ' || cu.last_name) LIKE ` + p +
			` ESCAPE '\' OR lower(v.plate) LIKE ` + p + ` ESCAPE '\')`
	}
	from := ` FROM contracts c JOIN customers cu ON cu.id = c.customer_id JOIN vehicles v ON v.id = c.vehicle_id
		JOIN stations st ON st.id = c.station_id WHERE `
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*)`+from+where, a...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+contractCols+`, cu.first_name || ' ' || cu.last_name, v.plate, st.name`+
		from+where+` ORDER BY c.starts_at DESC, c.id DESC LIMIT `+a.add(f.Limit)+` OFFSET `+a.add(max(f.Offset, 0)), a...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []contract.Listed
	for rows.Next() {
		var l contract.Listed
		c, err := scanContract(rows, &l.CustomerName, &l.Plate, &l.StationName)
		if err != nil {
			return nil, 0, err
		}
		l.Contract = c
		out = append(out, l)
	}
	return out, total, rows.Err()
}

// CreateWalkIn stores a confirmed reservation staff take (source walk_in,
// or admin when r.Source says so) with a vehicle, audit-logged as created.
// Errors: KindNotFound (station), KindConflict "nothing_free".
func (s *Store) CreateWalkIn(ctx context.Context, r *booking.Reservation) error {
	if r.Source == "" {
		r.Source = "walk_in"
	}
	r.Status = booking.StatusConfirmed
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.writeStation(r.StationID); err != nil {
		return err
	}
	reservationDefaults(r)
	return s.write(ctx, func(tx *sql.Tx) error {
		if r.Use.DealerPlateID != 0 {
			if err := s.plateFreeTx(ctx, tx, sc, r.Use.DealerPlateID); err != nil {
				return err
			}
		}
		if err := s.createReservationTx(ctx, tx, sc, r, nil, nil, nil); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, sc, r.StationID, "reservation", r.ID, "create", nil,
			useAudit(r, map[string]any{"number": r.Number, "source": r.Source, "pickup": r.Pickup, "return": r.Return, "workshop_ref": r.WorkshopRef}))
	})
}

// StartContract turns a confirmed reservation into an open contract (see
// contract.Store). Errors: KindNotFound, KindConflict, KindInvalid.
func (s *Store) StartContract(ctx context.Context, h *contract.Handover) (contract.Contract, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return contract.Contract{}, err
	}
	var c contract.Contract
	err = s.write(ctx, func(tx *sql.Tx) error {
		// locked: a release of the start by the job waits for this handover, or this for it
		if err := s.lockReservationTx(ctx, tx, sc, h.ReservationID); err != nil {
			return err
		}
		r, err := s.reservationWhere(ctx, tx, "r.id", h.ReservationID)
		if err != nil {
			return err
		}
		if r.ReleasedAt != nil {
			return r.ReleasedError(s.stationLocTx(ctx, tx, r.StationID))
		}
		if r.Status != booking.StatusConfirmed {
			return errs.Conflict("booking_not_handover", locale.Params{"status": locale.Key("booking.status." + string(r.Status))})
		}
		if r.Test {
			return errs.New(errs.KindConflict, "test_booking_handover")
		}
		if err := sc.writeStation(r.StationID); err != nil {
			return err
		}
		now := s.Now()
		vid := r.VehicleID
		if h.VehicleID != 0 {
			vid = h.VehicleID
		}
		if vid == 0 {
			return errs.Invalid("error.fields_invalid", errs.Field("vehicle_id", "contract.vehicle_choose"))
		}
		// the allocation runs from the actual handover (or the planned pickup, if later) to the planned return
		start := now
		if r.Pickup.Before(start) {
			start = r.Pickup
		}
		end := r.Return
		if !end.After(now) {
			end = now.Add(time.Hour)
		}
		if err := s.reallocateTx(ctx, tx, sc, r.ID, vid, start, end); err != nil {
			return err
		}
		if now.Before(r.Pickup) {
			// handed over early (staff confirmed it): the booking's pickup is
			// the handover, so its period and the contract's agree
			if _, err := tx.ExecContext(ctx, `UPDATE reservations SET pickup_at = $1, updated_at = $1 WHERE id = $2 AND tenant_id = $3`,
				ts(now), r.ID, sc.tenant()); err != nil {
				return mapErr(err)
			}
		}
		year := fmt.Sprint(now.Year())
		seq, err := nextNumber(ctx, tx, sc.tenant(), "contract", year)
		if err != nil {
			return err
		}
		if !h.Terms.IsZero() && h.Terms.TariffID != r.TariffID {
			return errs.Conflict("booking_changed")
		}
		terms := []byte{}
		if !h.Terms.IsZero() {
			if terms, err = json.Marshal(h.Terms); err != nil {
				return err
			}
		}
		c = contract.Contract{TenantID: sc.tenant(), Number: fmt.Sprintf("MV%s-%05d", year[2:], seq), ReservationID: r.ID,
			StationID: r.StationID, ReturnStationID: r.ReturnStationID, CustomerID: r.CustomerID, VehicleID: vid,
			TariffID: r.TariffID, Start: now, PlannedEnd: end, Status: contract.StatusOpen, Notes: r.Notes, CreatedAt: now, UpdatedAt: now,
			Terms: h.Terms, Kind: r.Use.Kind.Or(), DealerPlate: r.Use.DealerPlate}
		if err := tx.QueryRowContext(ctx, `INSERT INTO contracts (tenant_id, station_id, return_station_id, number,
			reservation_id, customer_id, vehicle_id, tariff_id, starts_at, planned_end_at, status, notes, created_at, updated_at, terms)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'open',$11,$12,$13,$14) RETURNING id`, c.TenantID, c.StationID,
			c.ReturnStationID, c.Number, c.ReservationID, c.CustomerID, c.VehicleID, c.TariffID, ts(c.Start), ts(c.PlannedEnd),
			c.Notes, ts(now), ts(now), string(terms)).Scan(&c.ID); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET status = 'active', vehicle_id = $1, updated_at = $2
			WHERE tenant_id = $3 AND id = $4`, vid, ts(now), sc.tenant(), r.ID); err != nil {
			return mapErr(err)
		}
		if err := s.insertDriversTx(ctx, tx, sc, c.ID, h.Drivers); err != nil {
			return err
		}
		c.Drivers = h.Drivers
		h.Protocol.Kind = contract.KindHandover
		if err := s.recordProtocolTx(ctx, tx, sc, &c, &h.Protocol, r.StationID); err != nil {
			return err
		}
		if err := s.emitTx(ctx, tx, sc.tenant(), webhook.ContractStarted, webhook.Ref{ContractID: c.ID, ReservationID: r.ID,
			Label: c.Number, Booking: r.Number}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", c.ID, "handover", nil, map[string]any{
			"number": c.Number, "kind": c.Kind, "reservation": r.Number, "vehicle_id": vid, "km": h.Protocol.OdometerKM,
			"fuel_eighths": auditFuel(h.Protocol.FuelEighths, h.Terms.DriveType), "cleanliness": h.Protocol.Cleanliness,
			"state_of_charge_percent": nullIntp(h.Protocol.ChargePercent), "range_km": nullIntp(h.Protocol.RangeKM), "drivers": driverAudit(h.Drivers),
			"confirmed_damages": h.ConfirmedDamages, "terms": h.Terms})
	})
	return c, err
}

// reallocateTx replaces the allocation of reservation resID by one of
// vehicle vid for [start, end). Errors: fleet.ErrOverlap, KindNotFound.
func (s *Store) reallocateTx(ctx context.Context, tx *sql.Tx, sc scope, resID, vid int64, start, end time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM allocations WHERE tenant_id = $1 AND reservation_id = $2`, sc.tenant(), resID); err != nil {
		return mapErr(err)
	}
	al := fleet.Allocation{VehicleID: vid, Start: start, End: end, Kind: fleet.AllocBooking, ReservationID: resID}
	return s.allocateTx(ctx, tx, sc, &al)
}

func driverAudit(ds []contract.Driver) []map[string]string {
	out := make([]map[string]string, 0, len(ds))
	for _, d := range ds {
		m := map[string]string{"role": d.Role, "name": d.Name(), "licence_number": d.LicenceNumber, "licence_class": d.LicenceClass,
			"licence_issued_on": d.LicenceIssuedOn, "licence_country": d.LicenceCountry}
		if d.CheckedAt != nil {
			m["licence_checked_at"] = d.CheckedAt.UTC().Format(time.RFC3339)
			m["licence_checked_by"] = d.CheckedByName
		}
		out = append(out, m)
	}
	return out
}

func (s *Store) insertDriversTx(ctx context.Context, tx *sql.Tx, sc scope, contractID int64, ds []contract.Driver) error {
	for i := range ds {
		d := &ds[i]
		if err := tx.QueryRowContext(ctx, `INSERT INTO contract_drivers (tenant_id, contract_id, role, first_name, last_name,
			birth_date, licence_number, licence_class, licence_issued_on, licence_country, licence_checked_by, licence_checked_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id`, sc.tenant(), contractID, d.Role, d.FirstName,
			d.LastName, dateArg(d.BirthDate), d.LicenceNumber, d.LicenceClass, dateArg(d.LicenceIssuedOn), d.LicenceCountry,
			nullInt64(d.CheckedBy), tsp(d.CheckedAt)).Scan(&d.ID); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// UpdateDrivers replaces the contract's drivers; the old ones stay, marked
// removed. A driver with the same licence number as a checked one keeps
// that check unless checked anew. Audit-logged. Errors: KindNotFound,
// KindConflict when the contract is not open.
func (s *Store) UpdateDrivers(ctx context.Context, id int64, ds []contract.Driver) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.openContractTx(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		old := map[string]contract.Driver{}
		for _, d := range c.Drivers {
			old[d.LicenceNumber] = d
		}
		for i := range ds {
			if o, ok := old[ds[i].LicenceNumber]; ok && ds[i].CheckedAt == nil && o.CheckedAt != nil {
				ds[i].CheckedBy, ds[i].CheckedByName, ds[i].CheckedAt = o.CheckedBy, o.CheckedByName, o.CheckedAt
			}
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE contract_drivers SET removed_at = $1 WHERE tenant_id = $2 AND contract_id = $3
			AND removed_at IS NULL`, ts(now), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		if err := s.insertDriversTx(ctx, tx, sc, id, ds); err != nil {
			return err
		}
		if err := s.touchContractTx(ctx, tx, sc, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", id, "drivers", driverAudit(c.Drivers), driverAudit(ds))
	})
}

// openContractTx reads a contract that must still be open.
func (s *Store) openContractTx(ctx context.Context, tx *sql.Tx, sc scope, id int64) (contract.Contract, error) {
	c, err := s.contractTx(ctx, tx, sc, "c.id", id)
	if err != nil {
		return c, err
	}
	if c.Status != contract.StatusOpen {
		return c, errs.Conflict("contract_terms_fixed")
	}
	return c, nil
}

func (s *Store) touchContractTx(ctx context.Context, tx *sql.Tx, sc scope, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE contracts SET updated_at = $1 WHERE tenant_id = $2 AND id = $3`, ts(s.Now()), sc.tenant(), id)
	return mapErr(err)
}

// ChangePeriod moves the planned end of an open contract, moving the
// vehicle's allocation with it (refused with fleet.ErrOverlap when the car
// is booked then), and stores the re-priced estimate. Audit-logged.
func (s *Store) ChangePeriod(ctx context.Context, id int64, plannedEnd time.Time, estimatedTotalCents int64) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.openContractTx(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := s.moveAllocationEndTx(ctx, tx, sc, c, plannedEnd); err != nil {
			return err
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE contracts SET planned_end_at = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4`,
			ts(plannedEnd), ts(now), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		var oldEst int64
		if err := tx.QueryRowContext(ctx, `SELECT estimated_total_cents FROM reservations WHERE tenant_id = $1 AND id = $2`,
			sc.tenant(), c.ReservationID).Scan(&oldEst); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET return_at = $1, estimated_total_cents = $2, updated_at = $3
			WHERE tenant_id = $4 AND id = $5`, ts(plannedEnd), estimatedTotalCents, ts(now), sc.tenant(), c.ReservationID); err != nil {
			return mapErr(err)
		}
		if err := s.emitTx(ctx, tx, sc.tenant(), webhook.BookingChanged, webhook.Ref{ReservationID: c.ReservationID}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", id, "period",
			map[string]any{"planned_end": c.PlannedEnd.UTC().Format(time.RFC3339), "estimated_total_cents": oldEst},
			map[string]any{"planned_end": plannedEnd.UTC().Format(time.RFC3339), "estimated_total_cents": estimatedTotalCents})
	})
}

// moveAllocationEndTx sets the end of the contract's allocation, checking
// the vehicle's other allocations. Errors: KindConflict "vehicle_overlap".
func (s *Store) moveAllocationEndTx(ctx context.Context, tx *sql.Tx, sc scope, c contract.Contract, end time.Time) error {
	var alID int64
	var start time.Time
	err := tx.QueryRowContext(ctx, `SELECT id, starts_at FROM allocations WHERE tenant_id = $1 AND reservation_id = $2`,
		sc.tenant(), c.ReservationID).Scan(&alID, tsScan{&start})
	if err != nil {
		return notFound(err, "allocation_not_found")
	}
	if !end.After(start) {
		end = start.Add(time.Minute)
	}
	overlap := errs.Conflict("vehicle_overlap_next")
	n, err := s.dialect.countOverlaps(ctx, tx, `SELECT count(*) FROM allocations WHERE vehicle_id = $1 AND id <> $2
		AND starts_at < $3 AND ends_at > $4`, c.VehicleID, alID, ts(end), ts(start))
	if err != nil {
		return err
	}
	if n > 0 {
		return overlap
	}
	_, err = tx.ExecContext(ctx, `UPDATE allocations SET ends_at = $1 WHERE id = $2`, ts(end), alID)
	if classify(err) == dbErrOverlap {
		return overlap
	}
	return mapErr(err)
}

// ChangeTariff replaces the tariff and terms snapshot of an open contract
// by terms (taken from the new tariff). Audit-logged with the old and the
// new terms.
func (s *Store) ChangeTariff(ctx context.Context, id int64, terms pricing.Terms) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	js, err := json.Marshal(terms)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.openContractTx(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contracts SET tariff_id = $1, terms = $2, updated_at = $3 WHERE tenant_id = $4 AND id = $5`,
			terms.TariffID, string(js), ts(s.Now()), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", id, "tariff", map[string]any{"tariff_id": c.TariffID, "terms": c.Terms},
			map[string]any{"tariff_id": terms.TariffID, "terms": terms})
	})
}

// SetNotes replaces the contract's notes. Audit-logged.
func (s *Store) SetNotes(ctx context.Context, id int64, notes string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if len(notes) > 4000 {
		return errs.Invalid("error.fields_invalid", errs.Field("notes", "field.too_long", locale.Params{"n": 4000}))
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.contractTx(ctx, tx, sc, "c.id", id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contracts SET notes = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4`,
			notes, ts(s.Now()), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", id, "notes", map[string]string{"notes": c.Notes},
			map[string]string{"notes": notes})
	})
}

// SetContractStatus moves a contract from one of from to to. Audit-logged.
// Errors: KindNotFound, KindConflict "contract_status_change".
func (s *Store) SetContractStatus(ctx context.Context, id int64, from []contract.Status, to contract.Status) error {
	return s.moveContract(ctx, id, to, "", func(a *args) string {
		ph := make([]string, len(from))
		for i, f := range from {
			ph[i] = a.add(string(f))
		}
		return `status IN (` + strings.Join(ph, ",") + `)`
	})
}

// FinishBilling ends the billing of a contract: from billed (claimed by
// the billing run, billed_at not set) to to (billed or payment_open), with
// billed_at now. Audit-logged when the status changes. Errors:
// KindConflict "contract_status_change" when the contract is not being billed.
func (s *Store) FinishBilling(ctx context.Context, id int64, to contract.Status) error {
	return s.moveContract(ctx, id, to, ", billed_at = $2", func(*args) string { return `status = 'billed' AND billed_at IS NULL` })
}

// moveContract sets contract id's status to to (and what set adds, with
// $2 the time now) where the condition cond builds holds, else KindConflict
// "contract_status_change" (naming the status it has); billed or closed also
// completes the reservation; a status change is audit-logged.
func (s *Store) moveContract(ctx context.Context, id int64, to contract.Status, set string, cond func(a *args) string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.contractTx(ctx, tx, sc, "c.id", id)
		if err != nil {
			return err
		}
		a := args{to, ts(s.Now()), sc.tenant(), id}
		res, err := tx.ExecContext(ctx, `UPDATE contracts SET status = $1, updated_at = $2`+set+` WHERE tenant_id = $3 AND id = $4
			AND `+cond(&a), a...)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflict("contract_status_change", locale.Params{"status": locale.Key("contract.status." + string(c.Status)), "to": locale.Key("contract.status." + string(to))})
		}
		if to == contract.StatusBilled || to == contract.StatusClosed {
			if _, err := tx.ExecContext(ctx, `UPDATE reservations SET status = 'completed', updated_at = $1 WHERE tenant_id = $2
				AND id = $3 AND status = 'active'`, ts(s.Now()), sc.tenant(), c.ReservationID); err != nil {
				return mapErr(err)
			}
		}
		if to == c.Status {
			return nil
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", id, "status", map[string]string{"status": string(c.Status)},
			map[string]string{"status": string(to)})
	})
}

// ReclaimBilling takes over the billing of contract id that a stopped
// process left: billed without billed_at and unchanged since before. It
// marks the contract changed now (the caller now bills it). Errors:
// KindConflict "contract_status" when it is not such a contract (finished,
// or another process took it over).
func (s *Store) ReclaimBilling(ctx context.Context, id int64, before time.Time) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	res, err := s.execWrite(ctx, false, `UPDATE contracts SET updated_at = $1 WHERE tenant_id = $2 AND id = $3
		AND status = 'billed' AND billed_at IS NULL AND updated_at < $4`, ts(s.Now()), sc.tenant(), id, ts(before))
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.Conflict("contract_billing_elsewhere")
	}
	return nil
}

// ContractsWithoutDocument lists the actor's tenant's contracts created in
// [from, to) that have no stored document of kind (e.g. a handover
// protocol a stopped process did not send), oldest first.
func (s *Store) ContractsWithoutDocument(ctx context.Context, kind string, from, to time.Time, limit int) ([]contract.Contract, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	a := args{sc.tenant(), ts(from), ts(to), kind, limit}
	return s.queryContracts(ctx, `SELECT `+contractCols+` FROM contracts c WHERE c.tenant_id = $1 AND c.created_at >= $2
		AND c.created_at < $3 AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.tenant_id = c.tenant_id AND d.contract_id = c.id
		AND d.kind = $4) AND `+contractScope(sc, &a)+` ORDER BY c.id LIMIT $5`, a...)
}

func (s *Store) queryContracts(ctx context.Context, q string, a ...any) ([]contract.Contract, error) {
	rows, err := s.db.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contract.Contract
	for rows.Next() {
		c, err := scanContract(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UnfinishedBillings lists the actor's tenant's contracts whose billing is
// not finished — returned, or billed without billed_at (a billing run
// stopped half way) — and that were last changed before before, oldest
// first.
func (s *Store) UnfinishedBillings(ctx context.Context, before time.Time, limit int) ([]contract.Contract, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	a := args{sc.tenant(), ts(before), limit}
	return s.queryContracts(ctx, `SELECT `+contractCols+` FROM contracts c WHERE c.tenant_id = $1
		AND (c.status = 'returned' OR (c.status = 'billed' AND c.billed_at IS NULL)) AND c.updated_at < $2
		AND `+contractScope(sc, &a)+` ORDER BY c.id LIMIT $3`, a...)
}

// SetDepositSetOff records how much of a charged deposit is kept as payment.
func (s *Store) SetDepositSetOff(ctx context.Context, id int64, cents int64) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.contractTx(ctx, tx, sc, "c.id", id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contracts SET deposit_set_off_cents = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4`,
			cents, ts(s.Now()), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", id, "deposit_set_off",
			map[string]int64{"cents": c.DepositSetOffCents}, map[string]int64{"cents": cents})
	})
}

// CustomerCard returns the id of the customer's most recent stored card.
// Errors: KindNotFound.
func (s *Store) CustomerCard(ctx context.Context, customerID int64) (int64, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.QueryRowContext(ctx, `SELECT id FROM payment_cards WHERE tenant_id = $1 AND customer_id = $2 AND deleted_at IS NULL
		ORDER BY created_at DESC, id DESC LIMIT 1`, sc.tenant(), customerID).Scan(&id)
	return id, notFound(err, "stored_card_not_found")
}

// InvoiceRates returns the per-rate totals of an issued invoice, computed
// from its lines the way invoice.Compute does (gross per rate, split once).
func (s *Store) InvoiceRates(ctx context.Context, invoiceID int64) ([]invoice.RateTotal, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT vat_rate_bp, sum(gross_cents) FROM invoice_lines WHERE tenant_id = $1 AND invoice_id = $2
		GROUP BY vat_rate_bp ORDER BY vat_rate_bp DESC`, sc.tenant(), invoiceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []invoice.RateTotal
	for rows.Next() {
		var r invoice.RateTotal
		if err := rows.Scan(&r.RateBP, &r.Gross); err != nil {
			return nil, err
		}
		r.Net, r.VAT = invoice.Split(r.Gross, r.RateBP)
		out = append(out, r)
	}
	return out, rows.Err()
}

// useAudit adds the kind of a booking that is not a rental, with what the
// kind records, to its audit entry m.
func useAudit(r *booking.Reservation, m map[string]any) map[string]any {
	u := r.Use
	if u.Kind.Or() == booking.KindRental {
		return m
	}
	m["kind"] = u.Kind
	if r.ReturnStationID != r.StationID {
		m["return_station_id"] = r.ReturnStationID
	}
	if u.DealerPlateID != 0 {
		m["dealer_plate_id"] = u.DealerPlateID
	}
	for k, v := range map[string]string{"purpose": u.Purpose, "cost_centre": u.CostCentre, "id_document": u.IDDocument, "id_number": u.IDNumber} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}
