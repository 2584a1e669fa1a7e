package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/webhook"
)

// Cover returns the cover of a reservation the actor may see; ModeDriver
// when none was set. Errors: KindNotFound.
func (s *Store) Cover(ctx context.Context, reservationID int64) (payer.Cover, error) {
	var c payer.Cover
	err := s.read(ctx, func(q querier) error {
		r, err := s.reservationWhere(ctx, q, "r.id", reservationID)
		if err != nil {
			return err
		}
		c, err = coverTx(ctx, q, r.TenantID, r.ID)
		return err
	})
	return c, err
}

// coverTx reads the cover of reservation id of tenant (ModeDriver when none).
func coverTx(ctx context.Context, q querier, tenant, id int64) (payer.Cover, error) {
	c := payer.Cover{ReservationID: id, Mode: payer.ModeDriver}
	var terms string
	err := q.QueryRowContext(ctx, `SELECT mode, payer_id, claim_number, policy_number, damage_date, at_fault_party,
		customer_vin, customer_plate, payer_terms FROM reservation_covers WHERE tenant_id = $1 AND reservation_id = $2`, tenant, id).
		Scan(&c.Mode, &c.PayerID, &c.ClaimNumber, &c.PolicyNumber, dateScan{&c.DamageDate}, &c.AtFaultParty,
			&c.CustomerVIN, &c.CustomerPlate, &terms)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	if err == nil && terms != "" {
		c.Terms = new(payer.Terms)
		err = json.Unmarshal([]byte(terms), c.Terms)
	}
	return c, err
}

// SetCover is ChangeCover without the cover stored before.
func (s *Store) SetCover(ctx context.Context, c *payer.Cover) error {
	_, err := s.ChangeCover(ctx, c)
	return err
}

// ChangeCover normalizes, validates and stores the cover of a reservation
// the actor may see (its payer: one of the tenant's), audited on the
// reservation and announced as booking.changed, and returns the cover
// stored before: a cover the reservation has already writes, audits and
// announces nothing. A reservation completed (billed), cancelled or failed
// keeps its cover ("cover_closed"); while billing has claimed its contract
// and not finished (contract.BillingUnfinished: also a run that stopped
// before its documents) it is refused with "cover_billing_unfinished" —
// billing goes on with the cover it started with. The contract row is
// locked first, then the reservation read (lockRentalTx): billing either
// reads the new cover or comes first and the change is refused. Errors:
// KindInvalid with field errors, KindNotFound, KindConflict
// (cover_closed, cover_billing_unfinished).
func (s *Store) ChangeCover(ctx context.Context, c *payer.Cover) (payer.Cover, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return payer.Cover{}, err
	}
	c.Normalize()
	var prev payer.Cover
	err = s.write(ctx, func(tx *sql.Tx) error {
		k, err := s.lockRentalTx(ctx, tx, sc, "reservation_id", c.ReservationID)
		if err != nil {
			return err
		}
		r, err := s.reservationWhere(ctx, tx, "r.id", c.ReservationID)
		if err != nil {
			return err
		}
		if contract.BillingUnfinished(k.status, k.billed, r.Status) {
			return errs.Conflict("cover_billing_unfinished")
		}
		switch r.Status {
		case booking.StatusCompleted, booking.StatusCancelled, booking.StatusFailed:
			return errs.Conflict("cover_closed")
		}
		p, err := s.checkCoverTx(ctx, tx, sc, r.StationID, *c)
		if err != nil {
			return err
		}
		old, err := coverTx(ctx, tx, sc.tenant(), r.ID)
		if err != nil {
			return err
		}
		prev = old
		// the payer's terms as of now, unless the cover already named this
		// payer: then the terms it kept stay (editing the claim changes no price)
		switch {
		case c.Mode == payer.ModeDriver:
			c.Terms = nil
		case old.Mode != payer.ModeDriver && old.PayerID == c.PayerID && old.Terms != nil:
			c.Terms = old.Terms
		default:
			t := p.Terms(s.Now())
			c.Terms = &t
		}
		if old.Same(*c) && (old.Terms == nil) == (c.Terms == nil) {
			return nil
		}
		if err := putCoverTx(ctx, tx, sc.tenant(), r.ID, *c, s.Now()); err != nil {
			return err
		}
		if err := s.bookingEventTx(ctx, tx, sc, r, webhook.BookingChanged); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, sc, r.StationID, "reservation", r.ID, "cover", coverAudit(old, ""), coverAudit(*c, p.Name))
	})
	if err != nil {
		return payer.Cover{}, err
	}
	return prev, nil
}

// checkCoverTx validates cover c of a rental of station stationID against
// its payer as tx reads it (the tenant's; the zero Payer when c names none
// or one that is not found), on the station's today, and returns the
// payer. Errors: KindInvalid with field errors (payer.Cover.Validate).
func (s *Store) checkCoverTx(ctx context.Context, tx *sql.Tx, sc scope, stationID int64, c payer.Cover) (payer.Payer, error) {
	var p payer.Payer
	if c.PayerID != 0 && c.Mode != payer.ModeDriver {
		var err error
		if p, err = payerTx(ctx, tx, sc.tenant(), c.PayerID); err != nil && !errs.Is(err, errs.KindNotFound) {
			return p, err
		}
	}
	return p, c.Validate(p, s.Now().In(s.stationLoc(ctx, tx, stationID)).Format("2006-01-02"))
}

// createCoverTx stores cover c of reservation r, created in tx and so
// without a cover yet: normalized, checked against its payer
// (checkCoverTx), with the payer's terms as of now, audited on the
// reservation as SetCover audits it. A booking is not announced for it
// (its creation is not either; its confirmation is). c's ReservationID
// is set. A driver-only cover stores nothing. Errors: KindInvalid with
// field errors.
func (s *Store) createCoverTx(ctx context.Context, tx *sql.Tx, sc scope, r *booking.Reservation, c *payer.Cover) error {
	c.ReservationID = r.ID
	c.Normalize()
	if c.Mode == payer.ModeDriver {
		return nil
	}
	p, err := s.checkCoverTx(ctx, tx, sc, r.StationID, *c)
	if err != nil {
		return err
	}
	t := p.Terms(s.Now())
	c.Terms = &t
	if err := putCoverTx(ctx, tx, sc.tenant(), r.ID, *c, s.Now()); err != nil {
		return err
	}
	none := payer.Cover{ReservationID: r.ID, Mode: payer.ModeDriver}
	return s.appendAudit(ctx, tx, sc, r.StationID, "reservation", r.ID, "cover", coverAudit(none, ""), coverAudit(*c, p.Name))
}

// putCoverTx stores cover c (with the terms it keeps) of reservation id
// of tenant; a driver-only cover removes the row.
func putCoverTx(ctx context.Context, tx *sql.Tx, tenant, id int64, c payer.Cover, now time.Time) error {
	var terms []byte
	if c.Terms != nil {
		terms, _ = json.Marshal(c.Terms)
	}
	var err error
	if c.Mode == payer.ModeDriver {
		_, err = tx.ExecContext(ctx, `DELETE FROM reservation_covers WHERE tenant_id = $1 AND reservation_id = $2`, tenant, id)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO reservation_covers (tenant_id, reservation_id, mode, payer_id, claim_number,
			policy_number, damage_date, at_fault_party, customer_vin, customer_plate, updated_at, payer_terms)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
			ON CONFLICT (tenant_id, reservation_id) DO UPDATE SET mode = excluded.mode, payer_id = excluded.payer_id,
			claim_number = excluded.claim_number, policy_number = excluded.policy_number,
			damage_date = excluded.damage_date, at_fault_party = excluded.at_fault_party,
			customer_vin = excluded.customer_vin, customer_plate = excluded.customer_plate, updated_at = excluded.updated_at,
			payer_terms = excluded.payer_terms`,
			tenant, id, c.Mode, c.PayerID, c.ClaimNumber, c.PolicyNumber, dateArg(c.DamageDate), c.AtFaultParty,
			c.CustomerVIN, c.CustomerPlate, ts(now), string(terms))
	}
	return mapErr(err)
}

// ResplitCover replaces the cover of a billed rental the actor may see by
// c (its terms as given), moves its end to *end when set (the contract's
// end and the car's allocation; KindConflict "vehicle_overlap_next" when
// the car is taken then, "contract_status" when the contract is no longer
// billed) and issues the corrections of the split that the change makes (docs: credit notes and invoices to the payers and the
// driver, chained by With; none when Issued is nil), all in one
// transaction, audited on the reservation ("cover_resplit"). Billing must
// have finished (billed_at set; the contract row is locked first, see
// lockRentalTx): a run that stopped half way goes on with the cover it
// started with, so until it has finished KindConflict
// "resplit_billing_unfinished" and nothing changes. The stored cover must
// still be old (mode, payer and kept terms): else KindConflict
// "resplit_stale" and nothing changes — a second staff member's re-split
// of the same rental issues nothing twice. Errors: KindNotFound,
// KindConflict, what issuing returns.
func (s *Store) ResplitCover(ctx context.Context, old, c payer.Cover, end *time.Time, docs invoice.IssueRequest) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		k, err := s.lockRentalTx(ctx, tx, sc, "reservation_id", c.ReservationID)
		if err != nil {
			return err
		}
		if !k.billed {
			return errs.Conflict("resplit_billing_unfinished")
		}
		r, err := s.reservationWhere(ctx, tx, "r.id", c.ReservationID)
		if err != nil {
			return err
		}
		cur, err := coverTx(ctx, tx, sc.tenant(), r.ID)
		if err != nil {
			return err
		}
		if !cur.SameTerms(old) {
			return errs.Conflict("resplit_stale")
		}
		if err := putCoverTx(ctx, tx, sc.tenant(), r.ID, c, s.Now()); err != nil {
			return err
		}
		if end != nil {
			if err := s.moveEndTx(ctx, tx, sc, r.ID, *end); err != nil {
				return err
			}
		}
		var p payer.Payer
		if c.PayerID != 0 {
			if p, err = payerTx(ctx, tx, sc.tenant(), c.PayerID); err != nil {
				return err
			}
		}
		if err := s.appendAudit(ctx, tx, sc, r.StationID, "reservation", r.ID, "cover_resplit", coverAudit(cur, ""), coverAudit(c, p.Name)); err != nil {
			return err
		}
		if docs.Issued == nil {
			return nil
		}
		if err := s.issueTx(ctx, tx, sc, docs, nil); err != nil {
			return err
		}
		for _, w := range docs.With {
			if err := s.issueTx(ctx, tx, sc, w, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// moveEndTx moves the end of the billed contract of reservation resID to
// end: the contract's end and its car's allocation, audited on the
// contract ("return_corrected").
func (s *Store) moveEndTx(ctx context.Context, tx *sql.Tx, sc scope, resID int64, end time.Time) error {
	c, err := s.contractTx(ctx, tx, sc, "c.reservation_id", resID)
	if err != nil {
		return err
	}
	if (c.Status != contract.StatusBilled && c.Status != contract.StatusPaymentOpen) || c.EndedAt == nil {
		return errs.Conflict("contract_status")
	}
	if err := s.moveAllocationEndTx(ctx, tx, sc, c, end); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE contracts SET ended_at = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4`,
		ts(end), ts(s.Now()), sc.tenant(), c.ID); err != nil {
		return mapErr(err)
	}
	return s.appendAudit(ctx, tx, sc, c.StationID, "contract", c.ID, "return_corrected",
		map[string]any{"ended_at": c.EndedAt.UTC().Format(time.RFC3339)}, map[string]any{"ended_at": end.UTC().Format(time.RFC3339)})
}

// coverAudit is what the audit log keeps of a cover: its mode, the payer's
// name as it was then, and the claim.
func coverAudit(c payer.Cover, payerName string) map[string]any {
	return map[string]any{"mode": c.Mode, "payer_id": c.PayerID, "payer": payerName, "claim_number": c.ClaimNumber,
		"policy_number": c.PolicyNumber, "damage_date": c.DamageDate, "at_fault_party": c.AtFaultParty,
		"customer_vin": c.CustomerVIN, "customer_plate": c.CustomerPlate}
}
