package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/payment"
)

// firstPayment is a booking's rent recorded pending with it
// (CreateReservationPaying): rec, and the card saved for it first (nil:
// a card entered, not stored).
type firstPayment struct {
	rec  *payment.Record
	card *payment.StoredCard
}

// errCardGone: the card a booking is to be paid with is stored, but
// deleted (its customer's data erased), as StoredCard finds it.
var errCardGone = errs.NotFound("stored_card_not_found")

// CreateReservationPaying is CreateReservationFor that records the
// booking's rent pending in the same transaction (see
// booking.Store.CreateReservationPaying): on PostgreSQL with the
// reservation's insert (and card's save) in one statement, on SQLite as
// statements of the same transaction once the car is taken. The rent is
// durable with the booking's commit; a booking not created (no car free,
// the key bound, the customer blocked) records nothing. A cover, when
// given, is stored by the same transaction once the car is taken
// (createCoverTx): a booking without one sends no statement more.
func (s *Store) CreateReservationPaying(ctx context.Context, c *customer.Customer, r *booking.Reservation, rent *payment.Record,
	card *payment.StoredCard, cover *payer.Cover) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := newPayment(ctx, rent); err != nil {
		return err
	}
	if tid := rent.TenantID; card != nil {
		if card.TenantID != 0 && card.TenantID != tid {
			return errs.NotFound("payment_not_found")
		}
		card.TenantID = tid
		if card.CreatedAt.IsZero() {
			card.CreatedAt = s.Now()
		}
	}
	if err := s.createFor(ctx, sc, c, r, &firstPayment{rec: rent, card: card}, cover); err != nil {
		rent.ID = 0 // rolled back with the booking
		return err
	}
	return nil
}

// payFor fills in what the rent of reservation r learns from it, before
// it is recorded, and checks its mode; it resets the IDs a rolled-back
// attempt may have set.
func (p *firstPayment) payFor(r *booking.Reservation) error {
	p.rec.ID = 0
	p.rec.ReservationID, p.rec.CustomerID, p.rec.OrderID = r.ID, r.CustomerID, r.Number
	if p.rec.Test != r.Test || (p.card != nil && p.card.Test != r.Test) {
		return errModeDiffers
	}
	if p.card != nil {
		p.card.ID, p.card.CustomerID, p.rec.CardID = 0, r.CustomerID, 0
	}
	return nil
}

// recordRentTx records p for reservation r inside tx, statement by
// statement (a database that does not chain writes): the card saved, then
// the rent inserted as InsertPayment does.
func (s *Store) recordRentTx(ctx context.Context, tx *sql.Tx, r *booking.Reservation, p *firstPayment) error {
	if err := p.payFor(r); err != nil {
		return err
	}
	if p.card != nil {
		var live bool
		q := strings.Replace(saveCardInsert, "(ROW)", "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)", 1) + ` RETURNING id, deleted_at IS NULL`
		if err := tx.QueryRowContext(ctx, q, saveCardArgs(p.card)...).Scan(&p.card.ID, &live); err != nil {
			return mapErr(err)
		}
		if !live {
			return errCardGone
		}
		p.rec.CardID = p.card.ID
	}
	err := tx.QueryRowContext(ctx, insertPaymentSQL, insertPaymentArgs(p.rec)...).Scan(&p.rec.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return errModeDiffers
	}
	return mapErr(err)
}

// rentCTEs returns, for a database that chains writes, the WITH queries
// (each followed by a comma; values added to a) that record p for the
// reservation the CTE res inserts (returning id, number; rentRecorded
// takes what the statement returns): "card" saving
// p's card (returning its id and whether it is not deleted) and "pay"
// inserting the rent (returning its id and card) — on the card only when
// it is not deleted (else no row: errCardGone). r is the reservation as
// known before the statement (its customer and mode).
func rentCTEs(a *args, r *booking.Reservation, p *firstPayment) (string, error) {
	if err := p.payFor(r); err != nil {
		return "", err
	}
	rec := p.rec
	var q, from, cardID string
	if p.card != nil {
		q = `card AS (` + strings.Replace(saveCardInsert, "(ROW)", "("+placeholdersOf(a, saveCardArgs(p.card)...)+")", 1) +
			` RETURNING id, deleted_at IS NULL AS live), `
		from, cardID = `res, card WHERE card.live`, `card.id`
	} else {
		from, cardID = `res`, typedList(a, []any{nullInt64(rec.CardID)}, []string{"bigint"})
	}
	q += `pay AS (INSERT INTO payments (` + paymentInsertCols + `)
		SELECT ` + typedList(a, []any{rec.TenantID}, []string{"bigint"}) + `, res.id, NULL, ` +
		typedList(a, []any{nullInt64(rec.CustomerID)}, []string{"bigint"}) + `, ` + cardID + `, NULL, ` +
		typedList(a, []any{string(rec.Operation), rec.Purpose, string(rec.Status), rec.Amount.Cents, rec.Amount.Currency,
			rec.MerchantTransactionID}, []string{"text", "text", "text", "bigint", "text", "text"}) + `, res.number, ` +
		typedList(a, []any{string(rec.Card.Brand), rec.Card.Last4, ts(rec.CreatedAt), rec.Test},
			[]string{"text", "text", "timestamptz", "boolean"}) + ` FROM ` + from + ` RETURNING id, card_id), `
	return q, nil
}

// rentRecorded takes what the statement of rentCTEs returned for p (the
// rent's id and card, NULL when it was not inserted) with the reservation
// r it inserted.
func (p *firstPayment) rentRecorded(r *booking.Reservation, id, cardID sql.NullInt64) error {
	if !id.Valid {
		return errCardGone // only a deleted card keeps the rent from its row
	}
	p.rec.ID, p.rec.ReservationID, p.rec.OrderID = id.Int64, r.ID, r.Number
	if p.card != nil {
		p.card.ID, p.rec.CardID = cardID.Int64, cardID.Int64
	}
	return nil
}
