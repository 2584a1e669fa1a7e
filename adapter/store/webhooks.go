package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	mwmail "mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/webhook"
)

// SetEventHook sets the function a write that committed webhook events
// calls before it returns to its caller: cmd/ renders the events' payloads
// with it, so that an event carries its object as the change left it,
// before the caller (say, the next request of the same client) changes it
// again. The hook runs in the caller's goroutine, one at a time per
// process; a write waits until a hook that started after its commit has
// run. Writes the hook itself makes (ctx from it is marked) do not call
// it again. It must not fail the write: errors are its own to log.
func (s *Store) SetEventHook(fn func(ctx context.Context)) { s.onEvents.Store(&fn) }

type inEventHook struct{}

// eventsCommitted runs the event hook when commits queued events that no
// hook has seen yet (see SetEventHook).
func (s *Store) eventsCommitted(ctx context.Context) {
	g := s.queuedGen.Load()
	if s.handledGen.Load() >= g || ctx.Value(inEventHook{}) != nil {
		return
	}
	fn := s.onEvents.Load()
	if fn == nil || *fn == nil {
		return
	}
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	if s.handledGen.Load() >= g {
		return // a hook that started after our commit has run meanwhile
	}
	start := s.queuedGen.Load()
	(*fn)(context.WithValue(context.WithoutCancel(ctx), inEventHook{}, true))
	s.handledGen.Store(max(s.handledGen.Load(), start))
}

// emitTx queues an event of type t about ref inside tx, with one delivery
// to each enabled endpoint of the tenant that wants it. Nothing is written
// when no endpoint wants it. ref's Label and Booking are filled from the
// database when empty; test is the mode of the booking (test-mode events go
// to test endpoints only).
func (s *Store) emitTx(ctx context.Context, tx *sql.Tx, tenantID int64, t webhook.Type, ref webhook.Ref) error {
	var eps []hookTarget
	if set, ok := s.cachedSetup(ctx, tenantID); ok {
		eps = set.hooks
	} else {
		var err error
		if eps, err = loadHookTargets(ctx, tx, tenantID); err != nil {
			return err
		}
	}
	if len(eps) == 0 {
		return nil
	}
	test, err := s.eventRefTx(ctx, tx, tenantID, &ref)
	if err != nil {
		return err
	}
	var want []int64
	for _, e := range eps {
		ep := webhook.Endpoint{Enabled: true, Test: e.test, Events: parseEventTypes(e.events)}
		if ep.Wants(t, test) {
			want = append(want, e.id)
		}
	}
	if len(want) == 0 {
		return nil
	}
	now := s.Now()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO webhook_events (tenant_id, message_id, type, test, reservation_id, contract_id,
		invoice_id, payment_id, label, booking, occurred_at, render_after) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id`,
		tenantID, webhook.NewMessageID(), string(t), test, nullInt64(ref.ReservationID), nullInt64(ref.ContractID),
		nullInt64(ref.InvoiceID), nullInt64(ref.PaymentID), ref.Label, ref.Booking, ts(now), ts(now)).Scan(&id); err != nil {
		return mapErr(err)
	}
	for _, ep := range want {
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (tenant_id, event_id, endpoint_id, order_key, status,
			next_attempt_at, created_at) VALUES ($1,$2,$3,$4,'pending',$5,$6)`, tenantID, id, ep, ref.OrderKey(), ts(now), ts(now)); err != nil {
			return mapErr(err)
		}
	}
	s.emitted.Store(tx, struct{}{})
	return nil
}

// eventRefTx fills ref's Label and Booking (the booking, contract or
// invoice number, and the booking's) from the ids it has and returns
// whether its booking is a test booking.
func (s *Store) eventRefTx(ctx context.Context, tx *sql.Tx, tenantID int64, ref *webhook.Ref) (test bool, err error) {
	var label, booking sql.NullString
	resID := ref.ReservationID
	switch {
	case ref.InvoiceID != 0:
		err = tx.QueryRowContext(ctx, `SELECT i.number, COALESCE(i.reservation_id, c.reservation_id) FROM invoices i
			LEFT JOIN contracts c ON c.tenant_id = i.tenant_id AND c.id = i.contract_id
			WHERE i.tenant_id = $1 AND i.id = $2`, tenantID, ref.InvoiceID).Scan(&label, int64Scan{&resID})
	case ref.ContractID != 0 && ref.PaymentID == 0:
		err = tx.QueryRowContext(ctx, `SELECT number, reservation_id FROM contracts WHERE tenant_id = $1 AND id = $2`,
			tenantID, ref.ContractID).Scan(&label, &resID)
	case resID == 0 && ref.ContractID != 0:
		err = tx.QueryRowContext(ctx, `SELECT reservation_id FROM contracts WHERE tenant_id = $1 AND id = $2`,
			tenantID, ref.ContractID).Scan(&resID)
	}
	if err != nil {
		return false, notFound(err, "event_object_not_found")
	}
	ref.ReservationID = resID
	if resID != 0 {
		if err := tx.QueryRowContext(ctx, `SELECT number, test FROM reservations WHERE tenant_id = $1 AND id = $2`, tenantID, resID).
			Scan(&booking, &test); err != nil {
			return false, notFound(err, "booking_not_found")
		}
	}
	if ref.Booking == "" {
		ref.Booking = booking.String
	}
	if ref.Label == "" {
		ref.Label = label.String
		if ref.Label == "" {
			ref.Label = ref.Booking
		}
	}
	return test, nil
}

func parseEventTypes(s string) []webhook.Type {
	var out []webhook.Type
	for _, f := range strings.Fields(s) {
		out = append(out, webhook.Type(f))
	}
	return out
}

func formatEventTypes(ts []webhook.Type) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = string(t)
	}
	return strings.Join(parts, " ")
}

// --- endpoints (administrators of a tenant) ---

const endpointCols = `p.id, p.tenant_id, p.url, p.description, p.events, p.test, p.enabled, p.disabled_at, p.disabled_reason,
	p.failing_since, p.created_at, p.updated_at`

func scanEndpoint(row interface{ Scan(...any) error }, extra ...any) (webhook.Endpoint, error) {
	var e webhook.Endpoint
	var events, reason string
	err := row.Scan(append([]any{&e.ID, &e.TenantID, &e.URL, &e.Description, &events, &e.Test, &e.Enabled, tspScan{&e.DisabledAt},
		&reason, tspScan{&e.FailingSince}, tsScan{&e.CreatedAt}, tsScan{&e.UpdatedAt}}, extra...)...)
	e.Events, e.DisabledReason = parseEventTypes(events), webhook.DisabledReason(reason)
	return e, err
}

// adminScope is the scope of an administrator (or the system) of one tenant.
func adminScope(ctx context.Context) (scope, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return sc, err
	}
	return sc, sc.requireAdmin()
}

// CreateEndpoint stores a new endpoint with its secret (webhook.Store).
func (s *Store) CreateEndpoint(ctx context.Context, e *webhook.Endpoint) error {
	sc, err := adminScope(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	e.TenantID, e.CreatedAt, e.UpdatedAt, e.Enabled = sc.tenant(), now, now, true
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO webhook_endpoints (tenant_id, url, description, events, test, secret,
			enabled, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`, e.TenantID, e.URL, e.Description,
			formatEventTypes(e.Events), e.Test, e.Secret, true, ts(now), ts(now)).Scan(&e.ID); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, 0, "webhook_endpoint", e.ID, "create", nil,
			map[string]any{"url": e.URL, "events": e.Events, "test": e.Test})
	})
}

// ListEndpoints returns the tenant's endpoints without secrets, with their
// pending and failed deliveries and the last delivery.
func (s *Store) ListEndpoints(ctx context.Context) ([]webhook.Endpoint, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+endpointCols+`,
		(SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = p.id AND d.status = 'pending'),
		(SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = p.id AND d.status = 'failed'),
		(SELECT max(d.delivered_at) FROM webhook_deliveries d WHERE d.endpoint_id = p.id)
		FROM webhook_endpoints p WHERE p.tenant_id = $1 ORDER BY p.id`, sc.tenant())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhook.Endpoint
	for rows.Next() {
		var pending, failed int
		var last *time.Time
		e, err := scanEndpoint(rows, &pending, &failed, tspScan{&last})
		if err != nil {
			return nil, err
		}
		e.Pending, e.Failed, e.LastDelivery = pending, failed, last
		out = append(out, e)
	}
	return out, rows.Err()
}

// Endpoint returns one endpoint of the tenant without its secret. Errors:
// KindNotFound, KindForbidden.
func (s *Store) Endpoint(ctx context.Context, id int64) (webhook.Endpoint, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return webhook.Endpoint{}, err
	}
	e, err := scanEndpoint(s.db.QueryRowContext(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints p
		WHERE p.tenant_id = $1 AND p.id = $2`, sc.tenant(), id))
	return e, notFound(err, "webhook_endpoint_not_found")
}

// EndpointForNotice returns an endpoint of a tenant without its secret,
// for the dispatcher (all tenants).
func (s *Store) EndpointForNotice(ctx context.Context, tenantID, id int64) (webhook.Endpoint, error) {
	e, err := scanEndpoint(s.db.QueryRowContext(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints p
		WHERE p.tenant_id = $1 AND p.id = $2`, tenantID, id))
	return e, notFound(err, "webhook_endpoint_not_found")
}

// UpdateEndpoint saves an endpoint's URL, description, events and mode.
// Errors: KindNotFound, KindForbidden.
func (s *Store) UpdateEndpoint(ctx context.Context, e webhook.Endpoint) error {
	sc, err := adminScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := scanEndpoint(tx.QueryRowContext(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints p
			WHERE p.tenant_id = $1 AND p.id = $2`, sc.tenant(), e.ID))
		if err != nil {
			return notFound(err, "webhook_endpoint_not_found")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET url = $1, description = $2, events = $3, test = $4,
			updated_at = $5 WHERE tenant_id = $6 AND id = $7`, e.URL, e.Description, formatEventTypes(e.Events), e.Test,
			ts(s.Now()), sc.tenant(), e.ID); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, 0, "webhook_endpoint", e.ID, "update",
			map[string]any{"url": old.URL, "events": old.Events, "test": old.Test},
			map[string]any{"url": e.URL, "events": e.Events, "test": e.Test})
	})
}

// SetEndpointEnabled switches an endpoint on (clearing why it was off and
// its failures) or off by an administrator. Errors: KindNotFound,
// KindForbidden.
func (s *Store) SetEndpointEnabled(ctx context.Context, id int64, on bool) error {
	sc, err := adminScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		if on {
			res, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = $1, disabled_at = NULL, disabled_reason = '',
				failing_since = NULL, updated_at = $2 WHERE tenant_id = $3 AND id = $4`, true, ts(s.Now()), sc.tenant(), id)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = $1, disabled_at = $2, disabled_reason = 'admin',
				updated_at = $2 WHERE tenant_id = $3 AND id = $4 AND enabled`, false, ts(s.Now()), sc.tenant(), id)
		}
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := s.Endpoint(ctx, id); err != nil {
				return err
			}
			return nil // already off
		}
		action := "disable"
		if on {
			action = "enable"
		}
		return s.appendAudit(ctx, tx, sc, 0, "webhook_endpoint", id, action, nil, nil)
	})
}

// DeleteEndpoint deletes an endpoint and its deliveries (events no other
// endpoint has go with the retention job). Errors: KindNotFound,
// KindForbidden.
func (s *Store) DeleteEndpoint(ctx context.Context, id int64) error {
	sc, err := adminScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var url string
		if err := tx.QueryRowContext(ctx, `SELECT url FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id).
			Scan(&url); err != nil {
			return notFound(err, "webhook_endpoint_not_found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, 0, "webhook_endpoint", id, "delete", map[string]any{"url": url}, nil)
	})
}

// DisabledEndpoints counts the tenant's endpoints the dispatcher disabled.
func (s *Store) DisabledEndpoints(ctx context.Context) (int, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRowContext(ctx, `SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $1 AND NOT enabled
		AND disabled_reason IN ('failing','gone')`, sc.tenant()).Scan(&n)
	return n, err
}

// --- delivery log ---

const deliveryCols = `d.id, d.tenant_id, d.event_id, d.endpoint_id, d.status, d.attempts, d.next_attempt_at, d.first_attempt_at,
	d.last_status, d.last_error, d.delivered_at, d.created_at, e.type, e.message_id, e.test, e.label, e.occurred_at, p.url`

func scanDelivery(row interface{ Scan(...any) error }, extra ...any) (webhook.Delivery, error) {
	var d webhook.Delivery
	var status, typ string
	err := row.Scan(append([]any{&d.ID, &d.TenantID, &d.EventID, &d.EndpointID, &status, &d.Attempts, tsScan{&d.NextAttemptAt},
		tspScan{&d.FirstAttemptAt}, &d.LastStatus, &d.LastError, tspScan{&d.DeliveredAt}, tsScan{&d.CreatedAt}, &typ,
		&d.MessageID, &d.Test, &d.Label, tsScan{&d.OccurredAt}, &d.EndpointURL}, extra...)...)
	d.Status, d.Type = webhook.Status(status), webhook.Type(typ)
	return d, err
}

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
	JOIN webhook_endpoints p ON p.id = d.endpoint_id`

// ListDeliveries returns the tenant's deliveries matching f, newest first,
// and how many match.
func (s *Store) ListDeliveries(ctx context.Context, f webhook.DeliveryFilter) ([]webhook.Delivery, int, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return nil, 0, err
	}
	a := args{sc.tenant()}
	where := `d.tenant_id = $1`
	if f.EndpointID != 0 {
		where += ` AND d.endpoint_id = ` + a.add(f.EndpointID)
	}
	if f.Status != "" {
		where += ` AND d.status = ` + a.add(string(f.Status))
	}
	return newestFirst(ctx, s, deliveryCols, deliveryFrom, `d.id`, where, a, f.Limit, f.Offset,
		func(row interface{ Scan(...any) error }) (webhook.Delivery, error) { return scanDelivery(row) })
}

// Delivery returns one delivery of the tenant with its attempts (oldest
// first) and its payload (nil while not rendered). Errors: KindNotFound.
func (s *Store) Delivery(ctx context.Context, id int64) (webhook.Delivery, []webhook.Attempt, []byte, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return webhook.Delivery{}, nil, nil, err
	}
	var payload sql.NullString
	d, err := scanDelivery(s.db.QueryRowContext(ctx, `SELECT `+deliveryCols+`, e.payload`+deliveryFrom+`
		WHERE d.tenant_id = $1 AND d.id = $2`, sc.tenant(), id), &payload)
	if err != nil {
		return d, nil, nil, notFound(err, "webhook_delivery_not_found")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT at, status_code, response, error, duration_ms, worker FROM webhook_attempts
		WHERE delivery_id = $1 ORDER BY id`, id)
	if err != nil {
		return d, nil, nil, err
	}
	defer rows.Close()
	var atts []webhook.Attempt
	for rows.Next() {
		var a webhook.Attempt
		var ms int64
		if err := rows.Scan(tsScan{&a.At}, &a.StatusCode, &a.Response, &a.Error, &ms, &a.Worker); err != nil {
			return d, nil, nil, err
		}
		a.Duration = time.Duration(ms) * time.Millisecond
		atts = append(atts, a)
	}
	var body []byte
	if payload.Valid {
		body = []byte(payload.String)
	}
	return d, atts, body, rows.Err()
}

// ResendDelivery makes a delivered or failed delivery due now again and
// audits it. Errors: KindNotFound, KindConflict "webhook_delivery_pending"
// (it is still on its way; a worker may be sending it now).
func (s *Store) ResendDelivery(ctx context.Context, id int64) error {
	sc, err := adminScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM webhook_deliveries WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id).
			Scan(&status); err != nil {
			return notFound(err, "webhook_delivery_not_found")
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, locked_until = NULL
			WHERE tenant_id = $2 AND id = $3 AND status <> 'pending'`, ts(s.Now()), sc.tenant(), id)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflict("webhook_delivery_pending")
		}
		s.emitted.Store(tx, struct{}{}) // wakes the dispatcher
		return s.appendAudit(ctx, tx, sc, 0, "webhook_delivery", id, "resend", map[string]any{"status": status},
			map[string]any{"status": webhook.StatusPending})
	})
}

// --- the dispatcher (all tenants) ---

// EventsToRender returns events without payload whose render is due, oldest first.
func (s *Store) EventsToRender(ctx context.Context, now time.Time, limit int) ([]webhook.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, tenant_id, message_id, type, test, reservation_id, contract_id, invoice_id,
		payment_id, label, booking, occurred_at, render_attempts FROM webhook_events WHERE payload IS NULL AND render_after <= $1
		ORDER BY id LIMIT $2`, ts(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhook.Event
	for rows.Next() {
		var e webhook.Event
		var typ string
		if err := rows.Scan(&e.ID, &e.TenantID, &e.MessageID, &typ, &e.Test, int64Scan{&e.Ref.ReservationID},
			int64Scan{&e.Ref.ContractID}, int64Scan{&e.Ref.InvoiceID}, int64Scan{&e.Ref.PaymentID}, &e.Ref.Label, &e.Ref.Booking,
			tsScan{&e.OccurredAt}, &e.RenderAttempts); err != nil {
			return nil, err
		}
		e.Type = webhook.Type(typ)
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetEventPayload stores the payload of an event that has none yet (a
// second renderer's payload is dropped: every attempt sends the first).
func (s *Store) SetEventPayload(ctx context.Context, id int64, payload []byte) error {
	_, err := s.execWrite(ctx, false, `UPDATE webhook_events SET payload = $1, render_error = '' WHERE id = $2 AND payload IS NULL`,
		string(payload), id)
	return mapErr(err)
}

// EventRenderFailed records a failed render and when to try next; giveUp
// fails the event's pending deliveries with msg instead.
func (s *Store) EventRenderFailed(ctx context.Context, id int64, msg string, next time.Time, giveUp bool) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_events SET render_attempts = render_attempts + 1, render_after = $1,
			render_error = $2 WHERE id = $3 AND payload IS NULL`, ts(next), truncateText(msg, 500), id); err != nil {
			return mapErr(err)
		}
		if !giveUp {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'failed', last_error = $1, locked_until = NULL
			WHERE event_id = $2 AND status = 'pending'`, truncateText(msg, 500), id); err != nil {
			return mapErr(err)
		}
		// not rendered again: it would fail the same way
		_, err := tx.ExecContext(ctx, `UPDATE webhook_events SET payload = '' WHERE id = $1 AND payload IS NULL`, id)
		return mapErr(err)
	})
}

// ClaimDeliveries leases up to limit due deliveries to worker (see
// webhook.DispatchStore): pending, due, not leased, their event rendered,
// their endpoint enabled, and no earlier delivery of the same booking to
// the same endpoint pending. PostgreSQL skips rows another worker holds
// (FOR UPDATE SKIP LOCKED); SQLite has one writer, so the claim runs alone.
func (s *Store) ClaimDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]webhook.Claim, error) {
	var out []webhook.Claim
	err := s.write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		ids, err := queryIDs(ctx, tx, `SELECT d.id FROM webhook_deliveries d
			WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.locked_until IS NULL OR d.locked_until < $1)
			AND EXISTS (SELECT 1 FROM webhook_events e WHERE e.id = d.event_id AND e.payload IS NOT NULL AND e.payload <> '')
			AND EXISTS (SELECT 1 FROM webhook_endpoints p WHERE p.id = d.endpoint_id AND p.enabled)
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.endpoint_id = d.endpoint_id AND o.order_key = d.order_key
				AND o.status = 'pending' AND o.id < d.id)
			ORDER BY d.next_attempt_at, d.id LIMIT $2`+s.dialect.skipLocked(), ts(now), limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET locked_until = $1, locked_by = $2 WHERE id = $3`,
				ts(now.Add(lease)), worker, id); err != nil {
				return err
			}
			var c webhook.Claim
			var payload string
			d, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryCols+`, p.secret, e.payload`+deliveryFrom+`
				WHERE d.id = $1`, id), &c.Secret, &payload)
			if err != nil {
				return err
			}
			c.Delivery, c.URL, c.Payload = d, d.EndpointURL, []byte(payload)
			out = append(out, c)
		}
		return nil
	})
	return out, mapErr(err)
}

// recordWebhookAttempt keeps one attempt of delivery id.
func recordWebhookAttempt(ctx context.Context, tx *sql.Tx, id int64, a webhook.Attempt) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (tenant_id, delivery_id, at, status_code, response, error,
		duration_ms, worker) SELECT tenant_id, id, $1, $2, $3, $4, $5, $6 FROM webhook_deliveries WHERE id = $7`,
		ts(a.At), a.StatusCode, truncateText(a.Response, 1000), truncateText(a.Error, 500), a.Duration.Milliseconds(), a.Worker, id)
	return mapErr(err)
}

// MarkDelivered records a delivery by the worker holding its lease and
// clears its endpoint's failures.
func (s *Store) MarkDelivered(ctx context.Context, id int64, worker string, a webhook.Attempt) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $1, attempts = attempts + 1,
			first_attempt_at = COALESCE(first_attempt_at, $1), locked_until = NULL, last_status = $2, last_error = ''
			WHERE id = $3 AND locked_by = $4 AND status = 'pending'`, ts(a.At), a.StatusCode, id, worker)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflict("webhook_delivery_not_claimed")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = NULL
			WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = $1) AND failing_since IS NOT NULL`, id); err != nil {
			return mapErr(err)
		}
		return recordWebhookAttempt(ctx, tx, id, a)
	})
}

// MarkDeliveryFailed records a failed attempt and the next one, or that
// the delivery is given up, and returns since when its endpoint has been
// failing and when the delivery was first attempted.
func (s *Store) MarkDeliveryFailed(ctx context.Context, id int64, worker string, a webhook.Attempt, next time.Time, giveUp bool) (failingSince, first time.Time, err error) {
	status := "pending"
	if giveUp {
		status = "failed"
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2,
			first_attempt_at = COALESCE(first_attempt_at, $3), locked_until = NULL, last_status = $4, last_error = $5
			WHERE id = $6 AND locked_by = $7 AND status = 'pending'`, status, ts(next), ts(a.At), a.StatusCode,
			truncateText(a.Error, 500), id, worker)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflict("webhook_delivery_not_claimed")
		}
		var epID int64
		if err := tx.QueryRowContext(ctx, `SELECT endpoint_id, first_attempt_at FROM webhook_deliveries WHERE id = $1`, id).
			Scan(&epID, tsScan{&first}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $1) WHERE id = $2`,
			ts(a.At), epID); err != nil {
			return mapErr(err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT failing_since FROM webhook_endpoints WHERE id = $1`, epID).
			Scan(tsScan{&failingSince}); err != nil {
			return err
		}
		return recordWebhookAttempt(ctx, tx, id, a)
	})
	return failingSince, first, err
}

// DisableEndpoint disables an enabled endpoint for reason and queues msgs
// (the notices to the administrators), in one transaction; false when it
// was disabled already (another worker did it: no second notice).
func (s *Store) DisableEndpoint(ctx context.Context, tenantID, id int64, reason webhook.DisabledReason, msgs []mwmail.Queued) (bool, error) {
	done := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		done = false
		now := s.Now()
		res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = $1, disabled_at = $2, disabled_reason = $3,
			updated_at = $2 WHERE tenant_id = $4 AND id = $5 AND enabled`, false, ts(now), string(reason), tenantID, id)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		done = true
		for i := range msgs {
			if err := s.queueEmailTx(ctx, tx, tenantID, &msgs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return done, err
}

// PurgeWebhookEvents deletes events that happened before before, with
// their deliveries and attempts (webhook.Retention), and returns how many.
func (s *Store) PurgeWebhookEvents(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.execWrite(ctx, false, `DELETE FROM webhook_events WHERE occurred_at < $1`, ts(before))
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}

// bookingEventTx queues event t about reservation r inside tx.
func (s *Store) bookingEventTx(ctx context.Context, tx *sql.Tx, sc scope, r booking.Reservation, t webhook.Type) error {
	return s.emitTx(ctx, tx, sc.tenant(), t, webhook.Ref{ReservationID: r.ID, Label: r.Number, Booking: r.Number})
}
