package store

import (
	"context"
	"database/sql"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/webhook"
)

// ChangeReservation stores a new period and price of a reservation that
// holds a vehicle, moving its allocation atomically: the current vehicle is
// kept when it is free in the new period, else another free vehicle of the
// category at the station is taken. Errors: KindConflict "nothing_free"
// (nothing changed), "booking_status" when the reservation is not
// pending_payment or confirmed, KindNotFound.
func (s *Store) ChangeReservation(ctx context.Context, ch booking.Change) (booking.Reservation, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return booking.Reservation{}, err
	}
	var out booking.Reservation
	err = s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.reservationWhere(ctx, tx, "r.id", ch.ReservationID)
		if err != nil {
			return err
		}
		if r.Status != booking.StatusConfirmed && r.Status != booking.StatusPendingPayment {
			return errs.Conflict("booking_picked_up")
		}
		before := map[string]any{"pickup": r.Pickup, "return": r.Return, "vehicle_id": r.VehicleID,
			"tariff_id": r.TariffID, "day_price_cents": r.DayPriceCents, "estimated_total_cents": r.EstimatedTotalCents}
		if _, err := tx.ExecContext(ctx, `DELETE FROM allocations WHERE tenant_id = $1 AND reservation_id = $2`, sc.tenant(), r.ID); err != nil {
			return mapErr(err)
		}
		old := r.VehicleID
		r.Pickup, r.Return = ch.Pickup, ch.Return
		vid := int64(0)
		if old != 0 {
			r.VehicleID = old
			vid, err = s.takeVehicleTx(ctx, tx, sc, &r)
			if err != nil && !errs.Is(err, errs.KindConflict) {
				return err
			}
		}
		if vid == 0 {
			r.VehicleID = 0
			if vid, err = s.takeVehicleTx(ctx, tx, sc, &r); err != nil {
				return err
			}
		}
		r.VehicleID = vid
		r.TariffID, r.DayPriceCents, r.EstimatedTotalCents = ch.TariffID, ch.DayPriceCents, ch.EstimatedTotalCents
		r.UpdatedAt = s.Now()
		if !r.Pickup.Equal(before["pickup"].(time.Time)) || !r.Return.Equal(before["return"].(time.Time)) {
			r.CalendarSequence++ // the customer's calendar entries change
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET pickup_at = $1, return_at = $2, vehicle_id = $3, tariff_id = $4,
			day_price_cents = $5, estimated_total_cents = $6, updated_at = $7, calendar_sequence = $10 WHERE tenant_id = $8 AND id = $9`,
			ts(r.Pickup), ts(r.Return), vid, r.TariffID, r.DayPriceCents, r.EstimatedTotalCents, ts(r.UpdatedAt),
			sc.tenant(), r.ID, r.CalendarSequence); err != nil {
			return mapErr(err)
		}
		after := map[string]any{"pickup": r.Pickup, "return": r.Return, "vehicle_id": vid,
			"tariff_id": r.TariffID, "day_price_cents": r.DayPriceCents, "estimated_total_cents": r.EstimatedTotalCents}
		out = r
		if err := s.bookingEventTx(ctx, tx, sc, r, webhook.BookingChanged); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, sc, r.StationID, "reservation", r.ID, "change_period", before, after)
	})
	return out, err
}

// PendingReservations lists reservations of every tenant (all-tenants
// system actor) or of the actor's tenant that are still pending_payment,
// were created before createdBefore and are not leased by a process working
// on them, oldest first.
func (s *Store) PendingReservations(ctx context.Context, createdBefore time.Time, limit int) ([]booking.Reservation, error) {
	a := args{ts(createdBefore), ts(s.Now())}
	where := `r.status = 'pending_payment' AND r.created_at < $1 AND (r.lease_until IS NULL OR r.lease_until <= $2) AND ` +
		s.notHeld(booking.JobFinishPending, job.KindReservation, "r.id", &a)
	return s.reservationsWhere(ctx, where, a, limit)
}

// ReservationsWithFailedRefunds lists reservations of every tenant
// (all-tenants system actor) or of the actor's tenant that have a refund
// which ended failed or declined and fewer than maxFailed refunds the
// gateway refused (a refund never sent because the gateway could not be
// reached does not count; the booking service retries them; beyond that
// staff must look), oldest first.
func (s *Store) ReservationsWithFailedRefunds(ctx context.Context, maxFailed, limit int) ([]booking.Reservation, error) {
	a := args{maxFailed}
	where := `r.id IN (SELECT p.reservation_id FROM payments p WHERE p.operation = 'refund'
		AND p.status IN ('failed','declined') AND p.reservation_id IS NOT NULL GROUP BY p.reservation_id
		HAVING SUM(CASE WHEN p.reason_code = 'not_sent' THEN 0 ELSE 1 END) < $1) AND ` +
		s.notHeld(booking.JobRetryRefunds, job.KindReservation, "r.id", &a)
	return s.reservationsWhere(ctx, where, a, limit)
}

// ChangeBookingCustomer applies a booking's change of its customer's data
// (see booking.ChangeStore): the record is merged with in (audited as a
// change by this booking) and the booking's snapshot gets in's name and
// billing address (and in's language, when set), in one transaction. It
// returns the customer as the booking now shows it. Errors: KindNotFound, KindConflict
// "customer_restricted".
func (s *Store) ChangeBookingCustomer(ctx context.Context, reservationID int64, in customer.Customer) (customer.Customer, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return customer.Customer{}, err
	}
	var out customer.Customer
	err = s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.reservationWhere(ctx, tx, "r.id", reservationID)
		if err != nil {
			return err
		}
		c, err := scanCustomer(tx.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE tenant_id = $1 AND id = $2`,
			sc.tenant(), r.CustomerID))
		if err != nil {
			return notFound(err, "customer_not_found")
		}
		if c.RestrictedAt != nil {
			return errs.Conflict("customer_restricted")
		}
		booked := r.Billing.Of(c)
		booked.Merge(in)
		changes := c.Merge(in)
		if err := s.saveMergedTx(ctx, tx, sc, &c, changes, customer.ActionBookingUpdate,
			customer.BookingUpdate{Booking: r.Number, Changes: changes}); err != nil {
			return err
		}
		if err := s.setBillingTx(ctx, tx, sc, r.ID, booked.Billing()); err != nil {
			return err
		}
		out = booked.Billing().Of(c)
		if in.Language == "" {
			out.Language = r.Language
		} else if _, err := tx.ExecContext(ctx, `UPDATE reservations SET language = $1 WHERE tenant_id = $2 AND id = $3`,
			in.Language, sc.tenant(), r.ID); err != nil {
			return mapErr(err)
		}
		return s.bookingEventTx(ctx, tx, sc, r, webhook.BookingChanged)
	})
	return out, err
}

// setBillingTx replaces the name and billing address a reservation prints.
func (s *Store) setBillingTx(ctx context.Context, tx *sql.Tx, sc scope, id int64, b customer.Billing) error {
	_, err := tx.ExecContext(ctx, `UPDATE reservations SET bill_company = $1, bill_first_name = $2, bill_last_name = $3,
		bill_street = $4, bill_postal_code = $5, bill_city = $6, bill_country = $7, bill_vat_id = $8, updated_at = $9
		WHERE tenant_id = $10 AND id = $11`, b.Company, b.FirstName, b.LastName, b.Street, b.PostalCode, b.City, b.Country,
		b.VATID, ts(s.Now()), sc.tenant(), id)
	return mapErr(err)
}

// CancelReservation cancels a confirmed reservation (releasing its vehicle)
// and keeps the fee charged and, when staff waived the tenant's fee, why —
// audit-logged with both, in one transaction. Errors: KindConflict
// "booking_status" when it is not confirmed, KindNotFound.
func (s *Store) CancelReservation(ctx context.Context, id int64, feeCents int64, waived string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.setReservationStatusTx(ctx, tx, sc, id, []booking.Status{booking.StatusConfirmed}, booking.StatusCancelled); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET cancel_fee_cents = $1, cancel_fee_waived = $2
			WHERE tenant_id = $3 AND id = $4`, feeCents, waived, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		r, err := s.reservationWhere(ctx, tx, "r.id", id)
		if err != nil {
			return err
		}
		after := map[string]any{"fee_cents": feeCents}
		if waived != "" {
			after["fee_waived"] = waived
		}
		return s.appendAudit(ctx, tx, sc, r.StationID, "reservation", id, "cancellation", nil, after)
	})
}
