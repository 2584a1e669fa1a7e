package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/webhook"
)

const paymentCols = `id, tenant_id, reservation_id, contract_id, customer_id, card_id, parent_id, operation, purpose, status,
	amount_cents, currency, merchant_txn_id, order_id, ipg_txn_id, approval_code, scheme_txn_id, card_brand, card_last4,
	reason_code, message, inquiries, next_inquiry_at, created_at, resolved_at, test`

func scanPayment(row interface{ Scan(...any) error }) (payment.Record, error) {
	var r payment.Record
	var brand string
	err := row.Scan(&r.ID, &r.TenantID, int64Scan{&r.ReservationID}, int64Scan{&r.ContractID}, int64Scan{&r.CustomerID},
		int64Scan{&r.CardID}, int64Scan{&r.ParentID}, &r.Operation, &r.Purpose, &r.Status, &r.Amount.Cents,
		&r.Amount.Currency, &r.MerchantTransactionID, &r.OrderID, &r.GatewayTransactionID, &r.ApprovalCode,
		&r.SchemeTransactionID, &brand, &r.Card.Last4, &r.ReasonCode, &r.Message, &r.Inquiries,
		tspScan{&r.NextInquiryAt}, tsScan{&r.CreatedAt}, tspScan{&r.ResolvedAt}, &r.Test)
	r.Card.Brand = payment.Brand(brand)
	return r, err
}

// paymentTenant returns the tenant a payment write acts on: the actor's, or
// for the all-tenants system actor the record's own.
func paymentTenant(ctx context.Context, recTenant int64) (int64, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return 0, err
	}
	if sc.a.AllTenants() {
		if recTenant == 0 {
			return 0, errs.Invalid("payment.record_tenant")
		}
		return recTenant, nil
	}
	if recTenant != 0 && recTenant != sc.tenant() {
		return 0, errs.NotFound("payment_not_found")
	}
	return sc.tenant(), nil
}

// newPayment fills in the tenant of a new record r (see paymentTenant)
// and its purpose when it has none ("rent").
func newPayment(ctx context.Context, r *payment.Record) error {
	tid, err := paymentTenant(ctx, r.TenantID)
	if err != nil {
		return err
	}
	r.TenantID = tid
	if r.Purpose == "" {
		r.Purpose = "rent"
	}
	return nil
}

// InsertPayment stores a new attempt record and commits it at once.
func (s *Store) InsertPayment(ctx context.Context, r *payment.Record) error {
	err := newPayment(ctx, r)
	if err != nil {
		return err
	}
	// A payment is in the mode of the booking, card and payment it belongs
	// to: a live payment of a test booking (or the other way round) is not
	// recorded, so it is never sent either.
	err = s.scanWrite(ctx, false, []any{&r.ID}, insertPaymentSQL, insertPaymentArgs(r)...)
	if errors.Is(err, sql.ErrNoRows) {
		return errModeDiffers
	}
	return mapErr(err)
}

// paymentInsertCols are the columns a new payment record is inserted with.
const paymentInsertCols = `tenant_id, reservation_id, contract_id, customer_id, card_id, parent_id, operation, purpose,
	status, amount_cents, currency, merchant_txn_id, order_id, card_brand, card_last4, created_at, test`

// insertPaymentSQL inserts a new payment record (insertPaymentArgs) and
// returns its id, unless its mode (test or live) differs from its
// booking's, card's or parent's (no row).
const insertPaymentSQL = `INSERT INTO payments (` + paymentInsertCols + `)
	SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17
	WHERE NOT EXISTS (SELECT 1 FROM reservations WHERE id = $2 AND test <> $17)
	AND NOT EXISTS (SELECT 1 FROM payment_cards WHERE id = $5 AND test <> $17)
	AND NOT EXISTS (SELECT 1 FROM payments WHERE id = $6 AND test <> $17) RETURNING id`

// insertPaymentArgs are insertPaymentSQL's arguments for r.
func insertPaymentArgs(r *payment.Record) []any {
	return []any{r.TenantID, nullInt64(r.ReservationID), nullInt64(r.ContractID), nullInt64(r.CustomerID), nullInt64(r.CardID),
		nullInt64(r.ParentID), r.Operation, r.Purpose, r.Status, r.Amount.Cents, r.Amount.Currency,
		r.MerchantTransactionID, r.OrderID, string(r.Card.Brand), r.Card.Last4, ts(r.CreatedAt), r.Test}
}

// ResolvePayment stores the outcome of an attempt. Only an open record
// changes, except that approved (money moved) overrides an earlier failed.
// An outcome that changes the record to approved, declined or failed
// queues the webhook event payment.succeeded or payment.failed in the same
// transaction. On SQLite its commit does not wait for the disk (see
// writeLazy): an outcome lost in a power cut leaves the attempt pending,
// and the payment reconciler asks the gateway again; the next durable
// commit makes it durable anyway.
func (s *Store) ResolvePayment(ctx context.Context, r *payment.Record) error {
	tid, err := paymentTenant(ctx, r.TenantID)
	if err != nil {
		return err
	}
	if s.quietOutcome(ctx, tid) {
		return s.resolveAlone(ctx, tid, r, nil)
	}
	return s.writeLazy(ctx, func(tx *sql.Tx) error { return s.resolvePaymentTx(ctx, tx, tid, r) })
}

// ResolvePaymentWithCard stores the card an approved first payment created
// (or finds the one already stored under its token) and resolves the
// payment with it, in one transaction: a crash can never leave an approved
// payment whose token is not recorded.
func (s *Store) ResolvePaymentWithCard(ctx context.Context, r *payment.Record, c *payment.StoredCard) error {
	c.TenantID = r.TenantID
	tid, err := s.cardTenant(ctx, c)
	if err != nil {
		return err
	}
	if s.quietOutcome(ctx, tid) {
		return s.resolveAlone(ctx, tid, r, c)
	}
	return s.writeLazy(ctx, func(tx *sql.Tx) error {
		if err := saveCardTx(ctx, tx, c); err != nil {
			return err
		}
		r.CardID = c.ID
		return s.resolvePaymentTx(ctx, tx, tid, r)
	})
}

// resolvePaymentTx stores the outcome of r (only over an open status, the
// same status, or approved over a failed one: a late delivery) and emits the
// payment's webhook event when its outcome changed. Errors: KindConflict
// when the payment was already resolved differently.
func (s *Store) resolvePaymentTx(ctx context.Context, tx *sql.Tx, tid int64, r *payment.Record) error {
	var old, op string
	var resID, conID int64
	set, a := outcomeSQL(`$12`), outcomeArgs(tid, r)
	if s.dialect.snapshotCTE() {
		// one round trip: the CTE reads the status before this statement's
		// update (issue 19)
		err := tx.QueryRowContext(ctx, `WITH old AS (SELECT status FROM payments WHERE tenant_id = $13 AND id = $14) `+set+`
			RETURNING (SELECT status FROM old), operation, reservation_id, contract_id`, a...).Scan(&old, &op, int64Scan{&resID}, int64Scan{&conID})
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Conflict("payment_resolved")
		}
		if err != nil {
			return mapErr(err)
		}
	} else {
		if err := tx.QueryRowContext(ctx, `SELECT status, operation, reservation_id, contract_id FROM payments
			WHERE tenant_id = $1 AND id = $2`, tid, r.ID).Scan(&old, &op, int64Scan{&resID}, int64Scan{&conID}); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errs.Conflict("payment_resolved")
			}
			return mapErr(err)
		}
		res, err := tx.ExecContext(ctx, set, a...)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflict("payment_resolved")
		}
	}
	t, ok := paymentEvents[r.Status]
	if !ok || old == string(r.Status) || !moneyOperation(payment.Operation(op)) || (resID == 0 && conID == 0) {
		return nil
	}
	return s.emitTx(ctx, tx, tid, t, webhook.Ref{PaymentID: r.ID, ReservationID: resID, ContractID: conID})
}

// quietOutcome reports whether a payment outcome of tenant can be stored
// by one autocommit statement (resolveAlone, issue 19): on PostgreSQL,
// when the request's cached configuration shows that the tenant has no
// webhook endpoint (no event to queue with it).
func (s *Store) quietOutcome(ctx context.Context, tid int64) bool {
	if !s.dialect.snapshotCTE() {
		return false
	}
	set, ok := s.cachedSetup(ctx, tid)
	return ok && len(set.hooks) == 0
}

// resolveAlone is resolvePaymentTx (with saveCardTx when c is not nil) in
// one statement, committed lazily on its own: the card is saved, the
// outcome stored over an open status (the same conditions), and the
// former status read in the statement's snapshot. When the payment was
// resolved differently meanwhile (KindConflict), the card — which the
// gateway did create — stays saved.
func (s *Store) resolveAlone(ctx context.Context, tid int64, r *payment.Record, c *payment.StoredCard) error {
	with, card, a := outcomeCard(tid, r, c)
	var old string
	var cardID int64
	err := s.scanWrite(ctx, true, []any{&old, int64Scan{&cardID}}, with+`old AS (SELECT status FROM payments
		WHERE tenant_id = $13 AND id = $14)
		`+outcomeSQL(card)+`
		RETURNING (SELECT status FROM old), card_id`, a...)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Conflict("payment_resolved")
	}
	if err != nil {
		return mapErr(err)
	}
	if c != nil {
		c.ID, r.CardID = cardID, cardID
	}
	return nil
}

// outcomeSQL is the update that stores a payment's outcome over an open
// status (the same status, or approved over failed: a late delivery), with
// the arguments of outcomeArgs ($1–$14) and card_id set to card.
func outcomeSQL(card string) string { return outcomeSQLAt(0, card) }

// outcomeSQLAt is outcomeSQL with the arguments of outcomeArgs at
// $off+1 … $off+14 (in a statement with others before them).
func outcomeSQLAt(off int, card string) string {
	p := func(n int) string { return "$" + strconv.Itoa(off+n) }
	return `UPDATE payments SET status=` + p(1) + `, ipg_txn_id=` + p(2) + `, approval_code=` + p(3) + `, scheme_txn_id=` + p(4) +
		`, card_brand=` + p(5) + `, card_last4=` + p(6) + `, reason_code=` + p(7) + `, message=` + p(8) + `, inquiries=` + p(9) +
		`, next_inquiry_at=` + p(10) + `, resolved_at=` + p(11) + `, card_id=` + card + `
		WHERE tenant_id=` + p(13) + ` AND id=` + p(14) + ` AND (status IN ('pending','unknown') OR status = ` + p(1) + `
			OR (` + p(1) + ` = 'approved' AND status = 'failed'))`
}

// outcomeArgs are outcomeSQL's arguments for r of tenant tid.
func outcomeArgs(tid int64, r *payment.Record) []any {
	return []any{r.Status, r.GatewayTransactionID, r.ApprovalCode, r.SchemeTransactionID, string(r.Card.Brand), r.Card.Last4,
		string(r.ReasonCode), truncateText(r.Message, 500), r.Inquiries, tsp(r.NextInquiryAt), tsp(r.ResolvedAt),
		nullInt64(r.CardID), tid, r.ID}
}

// outcomeCard returns the start of a statement storing r's outcome
// ("WITH " and, when c is not nil, the CTE card saving it, $15–$24), the
// card_id for outcomeSQL (r's card, else the one saved) and the arguments.
func outcomeCard(tid int64, r *payment.Record, c *payment.StoredCard) (with, card string, a []any) {
	a = outcomeArgs(tid, r)
	if c == nil {
		return `WITH `, `$12`, a
	}
	return `WITH card AS (INSERT INTO payment_cards (tenant_id, customer_id, token, brand, last4, exp_month,
			exp_year, scheme_txn_id, created_at, test) VALUES ($15,$16,$17,$18,$19,$20,$21,$22,$23,$24)
			ON CONFLICT (tenant_id, token) DO UPDATE SET scheme_txn_id = EXCLUDED.scheme_txn_id RETURNING id), `,
		`COALESCE($12, (SELECT id FROM card))`, append(a, saveCardArgs(c)...)
}

// resolvePaymentsTx stores the outcomes recs inside tx, each as
// ResolvePayment does (resolvePaymentTx: over an open status, approved
// over failed, the webhook event with it); KindConflict
// "payment_resolved" when one was resolved differently (recs checked by
// paymentsOf). It is how a
// write of the caller's stores deferred outcomes with it
// (invoice.IssueRequest.Payments; see payment.Deferred).
func (s *Store) resolvePaymentsTx(ctx context.Context, tx *sql.Tx, tid int64, recs []payment.Record) error {
	for i := range recs {
		if err := s.resolvePaymentTx(ctx, tx, tid, &recs[i]); err != nil {
			return err
		}
	}
	return nil
}

// paymentsOf checks that the payments recs are of tenant tid, the tenant
// of a write that stores their outcomes (KindNotFound otherwise).
func paymentsOf(ctx context.Context, tid int64, recs []payment.Record) error {
	for _, r := range recs {
		if t, err := paymentTenant(ctx, r.TenantID); err != nil || t != tid {
			return errs.NotFound("payment_not_found")
		}
	}
	return nil
}

// outcomeCTEs returns the CTEs (pay0, pay1, …, each followed by ", ") that
// store the outcomes recs of tenant tid in a chained statement, each with
// resolveAlone's update (outcomeSQLAt: the same conditions), and an
// expression that is true when every one of them was stored. Only for an
// outcome that needs no webhook event (quietOutcome); the caller returns
// KindConflict "payment_resolved" when the expression is false.
func outcomeCTEs(a *args, tid int64, recs []payment.Record) (ctes, stored string) {
	var conds []string
	for i := range recs {
		off := len(*a)
		*a = append(*a, outcomeArgs(tid, &recs[i])...)
		name := "pay" + strconv.Itoa(i)
		ctes += name + ` AS (` + outcomeSQLAt(off, "$"+strconv.Itoa(off+12)) + ` RETURNING id), `
		conds = append(conds, `EXISTS (SELECT 1 FROM `+name+`)`)
	}
	return ctes, strings.Join(conds, ` AND `)
}

// ResolvePaymentThen stores the approved outcome of r (with the card c it
// created, when not nil), applies guard g and records next pending (see
// payment.Store.ResolvePaymentThen). On PostgreSQL, when the outcome needs
// no webhook event (quietOutcome), that is one durable statement: all of
// it or nothing, and of next nothing when g did not hold. Elsewhere it is
// ResolvePayment (or ResolvePaymentWithCard), the guard (applyGuard) and
// InsertPayment, one after the other.
func (s *Store) ResolvePaymentThen(ctx context.Context, r *payment.Record, c *payment.StoredCard, g payment.Guard, next *payment.Record) (bool, error) {
	tid, err := paymentTenant(ctx, r.TenantID)
	if err != nil {
		return false, err
	}
	if c != nil {
		c.TenantID = tid
		if _, err := s.cardTenant(ctx, c); err != nil {
			return false, err
		}
	}
	if !s.quietOutcome(ctx, tid) || (c != nil && c.Test != next.Test) {
		if c != nil {
			err = s.ResolvePaymentWithCard(ctx, r, c)
		} else {
			err = s.ResolvePayment(ctx, r)
		}
		if err != nil {
			return false, err
		}
		if held, err := s.applyGuard(ctx, g); !held || err != nil {
			return false, err
		}
		if next.CardID == 0 {
			next.CardID = r.CardID
		}
		return true, s.InsertPayment(ctx, next)
	}
	return s.resolveThenChained(ctx, tid, r, c, g, next)
}

// resolveThenChained is ResolvePaymentThen in one durable statement: the
// card saved (card), the outcome stored (res), the guard applied once the
// outcome is (held), and next inserted once the guard held, in the mode
// (test or live) of its booking and card (nxt).
func (s *Store) resolveThenChained(ctx context.Context, tid int64, r *payment.Record, c *payment.StoredCard, g payment.Guard,
	next *payment.Record) (bool, error) {
	ntid, err := paymentTenant(ctx, next.TenantID)
	if err != nil {
		return false, err
	}
	next.TenantID = ntid
	if next.Purpose == "" {
		next.Purpose = "rent"
	}
	with, card, list := outcomeCard(tid, r, c)
	a := args(list)
	held, err := guardCTE(g, &a)
	if err != nil {
		return false, err
	}
	ncard, nres, ntest := a.add(nullInt64(next.CardID)), a.add(nullInt64(next.ReservationID)), a.add(next.Test)
	nparent := a.add(nullInt64(next.ParentID))
	q := with + `res AS (` + outcomeSQL(card) + ` RETURNING card_id),
		held AS (` + held + `),
		nxt AS (INSERT INTO payments (tenant_id, reservation_id, contract_id, customer_id, card_id, parent_id, operation,
			purpose, status, amount_cents, currency, merchant_txn_id, order_id, card_brand, card_last4, created_at, test)
			SELECT ` + a.add(next.TenantID) + `, ` + nres + `, ` + a.add(nullInt64(next.ContractID)) + `, ` +
		a.add(nullInt64(next.CustomerID)) + `, COALESCE(` + ncard + `, res.card_id), ` + nparent + `, ` +
		placeholdersOf(&a, next.Operation, next.Purpose, next.Status, next.Amount.Cents, next.Amount.Currency,
			next.MerchantTransactionID, next.OrderID, string(next.Card.Brand), next.Card.Last4, ts(next.CreatedAt)) + `, ` + ntest + `
			FROM res, held
			WHERE NOT EXISTS (SELECT 1 FROM reservations WHERE id = ` + nres + ` AND test <> ` + ntest + `)
			AND NOT EXISTS (SELECT 1 FROM payment_cards WHERE id = ` + ncard + ` AND test <> ` + ntest + `)
			AND NOT EXISTS (SELECT 1 FROM payments WHERE id = ` + nparent + ` AND test <> ` + ntest + `) RETURNING id, card_id)
		SELECT res.card_id, EXISTS (SELECT 1 FROM held), (SELECT id FROM nxt) FROM res`
	var cardID, nextID int64
	var ok bool
	err = s.scanWrite(ctx, false, []any{int64Scan{&cardID}, &ok, int64Scan{&nextID}}, q, a...)
	if errors.Is(err, sql.ErrNoRows) {
		return false, errs.Conflict("payment_resolved")
	}
	if err != nil {
		return false, mapErr(err)
	}
	r.CardID = cardID
	if c != nil {
		c.ID = cardID
	}
	switch {
	case !ok:
		return false, nil
	case nextID == 0:
		return true, errModeDiffers
	}
	next.ID = nextID
	if next.CardID == 0 {
		next.CardID = cardID
	}
	return true, nil
}

// placeholdersOf adds vals to a and returns their placeholders, comma-separated.
func placeholdersOf(a *args, vals ...any) string {
	ps := make([]string, len(vals))
	for i, v := range vals {
		ps[i] = a.add(v)
	}
	return strings.Join(ps, ", ")
}

// guardCTE returns the query of the CTE held, which applies guard g once
// the CTE res (a payment's outcome) has a row and returns a row when g
// held (one row of res for a nil g). The guards it knows:
// booking.LeaseRenewal.
func guardCTE(g payment.Guard, a *args) (string, error) {
	switch g := g.(type) {
	case nil:
		return `SELECT 1 FROM res`, nil
	case booking.LeaseRenewal:
		// the same compare-and-set as RenewReservation
		return `UPDATE reservations SET lease_until = ` + a.add(leaseArg(g.Until)) + ` WHERE tenant_id = $13 AND id = ` +
			a.add(g.ReservationID) + ` AND lease_until = ` + a.add(ts(g.Held)) + ` AND EXISTS (SELECT 1 FROM res) RETURNING id`, nil
	}
	return "", fmt.Errorf("store: unknown payment guard %T", g)
}

// applyGuard applies guard g on its own (see guardCTE) and reports whether
// it held (true for a nil g).
func (s *Store) applyGuard(ctx context.Context, g payment.Guard) (bool, error) {
	switch g := g.(type) {
	case nil:
		return true, nil
	case booking.LeaseRenewal:
		err := s.RenewReservation(ctx, g.ReservationID, g.Held, g.Until)
		if errors.Is(err, ErrBookingBusy) {
			return false, nil
		}
		return err == nil, err
	}
	return false, fmt.Errorf("store: unknown payment guard %T", g)
}

// errModeDiffers: a payment of a booking, card or parent of the other mode
// (test or live) is not recorded, so it is never sent either.
var errModeDiffers = errors.New("payment not recorded: its mode (test or live) differs from its booking's, card's or parent's")

// paymentEvents are the webhook events of a payment's outcomes.
var paymentEvents = map[payment.Status]webhook.Type{payment.StatusApproved: webhook.PaymentSucceeded,
	payment.StatusDeclined: webhook.PaymentFailed, payment.StatusFailed: webhook.PaymentFailed}

// moneyOperation reports whether op moves or reserves money (not storing
// or deleting a card at the gateway).
func moneyOperation(op payment.Operation) bool {
	return op != payment.OpCreateToken && op != payment.OpDeleteToken
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// Payment returns one record of the actor's tenant. Errors: KindNotFound.
func (s *Store) Payment(ctx context.Context, id int64) (payment.Record, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return payment.Record{}, err
	}
	a := args{id}
	q := `SELECT ` + paymentCols + ` FROM payments WHERE id = $1`
	if !sc.a.AllTenants() {
		q += ` AND tenant_id = ` + a.add(sc.tenant())
	}
	r, err := scanPayment(s.db.QueryRowContext(ctx, q, a...))
	return r, notFound(err, "payment_not_found")
}

// ListPayments returns the records of a reservation, contract or customer in order.
func (s *Store) ListPayments(ctx context.Context, f payment.RecordFilter) ([]payment.Record, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant()}
	where := `tenant_id = $1`
	if f.ReservationID != 0 {
		where += ` AND reservation_id = ` + a.add(f.ReservationID)
	}
	if f.ContractID != 0 {
		where += ` AND contract_id = ` + a.add(f.ContractID)
	}
	if f.CustomerID != 0 {
		where += ` AND customer_id = ` + a.add(f.CustomerID)
	}
	return s.queryPayments(ctx, `SELECT `+paymentCols+` FROM payments WHERE `+where+` ORDER BY id`, a...)
}

// DuePayments lists open records due for an inquiry (all-tenants system actor).
func (s *Store) DuePayments(ctx context.Context, now, stalePending time.Time, limit int) ([]payment.Record, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	a := args{ts(now), ts(stalePending), limit}
	where := `((status = 'unknown' AND next_inquiry_at <= $1) OR (status = 'pending' AND created_at <= $2)) AND ` +
		s.notHeld(payment.JobReconcile, job.KindPayment, "payments.id", &a)
	if !sc.a.AllTenants() {
		where += ` AND tenant_id = ` + a.add(sc.tenant())
	}
	return s.queryPayments(ctx, `SELECT `+paymentCols+` FROM payments WHERE `+where+` ORDER BY id LIMIT $3`, a...)
}

func (s *Store) queryPayments(ctx context.Context, q string, a ...any) ([]payment.Record, error) {
	rows, err := s.db.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []payment.Record
	for rows.Next() {
		r, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveCard stores a gateway token with brand, last 4 and expiry (never the
// number). Like ResolvePayment, on SQLite its commit does not wait for the
// disk: the card is only ever used by a payment recorded durably after it.
func (s *Store) SaveCard(ctx context.Context, c *payment.StoredCard) error {
	if _, err := s.cardTenant(ctx, c); err != nil {
		return err
	}
	return mapErr(s.scanWrite(ctx, true, []any{&c.ID}, saveCardSQL, saveCardArgs(c)...))
}

// cardTenant checks a card to store and fills its tenant (the actor's, or
// for the system actor its own) and creation time; it returns the tenant.
func (s *Store) cardTenant(ctx context.Context, c *payment.StoredCard) (int64, error) {
	tid, err := paymentTenant(ctx, c.TenantID)
	if err != nil {
		return 0, err
	}
	if c.CustomerID == 0 {
		return 0, errs.Invalid("payment.card_customer")
	}
	c.TenantID = tid
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.Now()
	}
	return tid, nil
}

// saveCardInsert is the insert of a card (saveCardArgs, their
// placeholders in place of ROW), or of its token's scheme transaction
// id when the tenant has the token stored already.
const saveCardInsert = `INSERT INTO payment_cards (tenant_id, customer_id, token, brand, last4, exp_month,
	exp_year, scheme_txn_id, created_at, test) VALUES (ROW)
	ON CONFLICT (tenant_id, token) DO UPDATE SET scheme_txn_id = EXCLUDED.scheme_txn_id`

var saveCardSQL = strings.Replace(saveCardInsert, "(ROW)", "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)", 1) + ` RETURNING id`

func saveCardArgs(c *payment.StoredCard) []any {
	return []any{c.TenantID, c.CustomerID, cardToken(c.Token, c.Test), string(c.Card.Brand), c.Card.Last4, c.Card.ExpMonth, c.Card.ExpYear,
		c.SchemeTransactionID, ts(c.CreatedAt), c.Test}
}

func saveCardTx(ctx context.Context, tx *sql.Tx, c *payment.StoredCard) error {
	return mapErr(tx.QueryRowContext(ctx, saveCardSQL, saveCardArgs(c)...).Scan(&c.ID))
}

// StoredCard returns a stored card of the actor's tenant. Errors: KindNotFound.
func (s *Store) StoredCard(ctx context.Context, id int64) (payment.StoredCard, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return payment.StoredCard{}, err
	}
	a := args{id}
	q := `SELECT ` + cardCols + ` FROM payment_cards WHERE id = $1 AND deleted_at IS NULL`
	if !sc.a.AllTenants() {
		q += ` AND tenant_id = ` + a.add(sc.tenant())
	}
	c, err := scanCard(s.db.QueryRowContext(ctx, q, a...))
	return c, notFound(err, "stored_card_not_found")
}

const cardCols = `id, tenant_id, customer_id, token, brand, last4, exp_month, exp_year, scheme_txn_id, created_at, test`

func scanCard(row interface{ Scan(...any) error }) (payment.StoredCard, error) {
	var c payment.StoredCard
	var brand string
	err := row.Scan(&c.ID, &c.TenantID, &c.CustomerID, &c.Token, &brand, &c.Card.Last4, &c.Card.ExpMonth, &c.Card.ExpYear,
		&c.SchemeTransactionID, tsScan{&c.CreatedAt}, &c.Test)
	c.Card.Brand = payment.Brand(brand)
	if c.Test {
		c.Token = strings.TrimPrefix(c.Token, testTokenPrefix)
	}
	return c, err
}

// testTokenPrefix marks the stored token of a test card.
const testTokenPrefix = "test:"

// cardToken is how a card's gateway token is stored: cards are unique per
// tenant by it, and a test card's (from the test simulator) carries the
// prefix "test:", so that it never meets a live card that the tenant's own
// gateway gave the same token; scanCard takes the prefix off.
func cardToken(token string, test bool) string {
	if test {
		return testTokenPrefix + token
	}
	return token
}
