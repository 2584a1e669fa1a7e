package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	mwmail "mietwerk.dev/mietwerk/mail"
)

// QueueEmail puts a message in the outbox in its own transaction. Business
// operations that cause a message queue it inside their own transaction
// through queueEmailTx instead.
func (s *Store) QueueEmail(ctx context.Context, q *mwmail.Queued) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error { return s.queueEmailTx(ctx, tx, sc.tenant(), q) })
}

func addrString(a mwmail.Address) string {
	if a.Email == "" {
		return ""
	}
	return a.String()
}

func parseAddr(s string) mwmail.Address {
	if s == "" {
		return mwmail.Address{}
	}
	a, err := mwmail.ParseAddress(s)
	if err != nil {
		return mwmail.Address{Email: s}
	}
	return a
}

// queueEmailTx puts q in the outbox inside tx: its message with its
// attachments, in one statement on a database that chains writes.
func (s *Store) queueEmailTx(ctx context.Context, tx *sql.Tx, tenantID int64, q *mwmail.Queued) error {
	row, atts, err := s.emailValues(tenantID, q)
	if err != nil {
		return err
	}
	var a args
	if len(atts) > 0 && s.dialect.chainsWrites() {
		// the message and its attachments in one statement
		ctes := emailCTEs(&a, "e", row, atts, nil, "")
		return mapErr(tx.QueryRowContext(ctx, `WITH `+strings.TrimSuffix(ctes, ", ")+` SELECT id FROM e`, a...).Scan(&q.ID))
	}
	if err := tx.QueryRowContext(ctx, emailInsert(&a, row), a...).Scan(&q.ID); err != nil {
		return mapErr(err)
	}
	if len(atts) == 0 {
		return nil
	}
	// all attachments in one statement (issue 19: one round trip)
	var b args
	rows := make([]string, len(atts))
	for i, at := range atts {
		row := []string{b.add(tenantID), b.add(q.ID)}
		for _, v := range at {
			row = append(row, b.add(v))
		}
		rows[i] = "(" + strings.Join(row, ", ") + ")"
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO email_attachments (`+attachmentCols+`) VALUES `+strings.Join(rows, ","), b...); err != nil {
		return mapErr(err)
	}
	return nil
}

// emailValues readies q for the outbox (a Message-ID when it has none,
// queued now) and returns the values of its emails row (emailInsert) and
// of its attachments' rows (position … document_id; no bytes for an
// attachment kept as a document). Errors: KindInvalid for an invalid
// message.
func (s *Store) emailValues(tenantID int64, q *mwmail.Queued) (row []any, atts [][]any, err error) {
	if q.Message.MessageID == "" {
		// A fixed Message-ID lets recipients recognise a retried delivery.
		domain := "mietwerk.local"
		if at := strings.LastIndexByte(q.Message.From.Email, '@'); at >= 0 {
			domain = q.Message.From.Email[at+1:]
		}
		q.Message.MessageID = mwmail.NewMessageID(identity.NewToken()[:24], domain)
	}
	if err := q.Message.Validate(); err != nil {
		return nil, nil, err
	}
	now := s.Now()
	q.TenantID, q.Status, q.CreatedAt, q.NextAttemptAt = tenantID, mwmail.StatusQueued, now, now
	m := q.Message
	row = []any{tenantID, nullInt64(q.StationID), string(m.Kind), m.Lang, m.To.Email, m.To.Name, addrString(m.From),
		addrString(m.ReplyTo), m.Subject, m.Text, m.HTML, m.MessageID, ts(now), nullInt64(q.ReservationID),
		nullInt64(q.ContractID), nullInt64(q.CustomerID), ts(now)}
	atts = make([][]any, len(m.Attachments))
	for i, at := range m.Attachments {
		var data any = at.Data
		if at.DocumentID != 0 {
			data = nil // the bytes are the document's
		}
		atts[i] = []any{i, at.Filename, at.ContentType, data, at.Inline, at.ContentID, nullInt64(at.DocumentID)}
	}
	return row, atts, nil
}

// emailInsert returns the INSERT of an emails row of emailValues (values
// added to a), returning its id.
func emailInsert(a *args, row []any) string {
	ph := make([]string, len(row))
	for i, v := range row {
		ph[i] = a.add(v)
	}
	return `INSERT INTO emails (tenant_id, station_id, kind, language, to_addr, to_name, from_addr, reply_to, subject,
		body_text, body_html, message_id, next_attempt_at, reservation_id, contract_id, customer_id, created_at, status)
		VALUES (` + strings.Join(ph, ", ") + `, 'queued') RETURNING id`
}

// emailCTEs returns WITH queries (each followed by a comma; values added
// to a) that insert an e-mail of emailValues as name and its attachments
// with it, on a database that chains writes. An attachment marked in
// ofDoc is kept as the document the SQL expression doc names (written in
// the same statement): no bytes of its own.
func emailCTEs(a *args, name string, row []any, atts [][]any, ofDoc []bool, doc string) string {
	q := name + ` AS (` + emailInsert(a, row) + `), `
	if len(atts) == 0 {
		return q
	}
	tenant := a.add(row[0])
	rows := make([]string, len(atts))
	for i, at := range atts {
		if i < len(ofDoc) && ofDoc[i] {
			at[3] = nil
			rows[i] = "(" + typedList(a, at[:6], attachmentTypes[:6]) + ", " + doc + ")"
		} else {
			rows[i] = "(" + typedList(a, at, attachmentTypes) + ")"
		}
	}
	return q + name + `_att AS (INSERT INTO email_attachments (` + attachmentCols + `)
		SELECT ` + tenant + `::bigint, ` + name + `.id, v.* FROM ` + name + `, (VALUES ` + strings.Join(rows, ", ") + `) AS v), `
}

// attachmentCols are email_attachments' columns as written.
const attachmentCols = `tenant_id, email_id, position, filename, content_type, data, inline, content_id, document_id`

// attachmentTypes are the SQL types of email_attachments' columns from
// position on (see typedList).
var attachmentTypes = []string{"integer", "text", "text", "bytea", "boolean", "text", "bigint"}

const emailCols = `e.id, e.tenant_id, e.station_id, e.reservation_id, e.contract_id, e.customer_id, e.kind, e.language,
	e.to_addr, e.to_name, e.from_addr, e.reply_to, e.subject, e.body_text, e.body_html, e.message_id, e.status,
	e.attempts, e.next_attempt_at, e.last_error, e.sent_at, e.created_at`

func scanEmail(row interface{ Scan(...any) error }) (mwmail.Queued, error) {
	var q mwmail.Queued
	var from, reply, kind string
	err := row.Scan(&q.ID, &q.TenantID, int64Scan{&q.StationID}, int64Scan{&q.ReservationID}, int64Scan{&q.ContractID},
		int64Scan{&q.CustomerID}, &kind, &q.Message.Lang, &q.Message.To.Email, &q.Message.To.Name, &from, &reply,
		&q.Message.Subject, &q.Message.Text, &q.Message.HTML, &q.Message.MessageID, &q.Status, &q.Attempts,
		tsScan{&q.NextAttemptAt}, &q.LastError, tspScan{&q.SentAt}, tsScan{&q.CreatedAt})
	q.Message.Kind, q.Message.From, q.Message.ReplyTo = mwmail.Kind(kind), parseAddr(from), parseAddr(reply)
	return q, err
}

func loadAttachments(ctx context.Context, q querier, e *mwmail.Queued) error {
	rows, err := q.QueryContext(ctx, `SELECT a.filename, a.content_type, COALESCE(a.data, d.data), a.inline, a.content_id,
		a.document_id FROM email_attachments a LEFT JOIN documents d ON d.tenant_id = a.tenant_id AND d.id = a.document_id
		WHERE a.email_id = $1 ORDER BY a.position`, e.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	e.Message.Attachments = nil
	for rows.Next() {
		var a mwmail.Attachment
		if err := rows.Scan(&a.Filename, &a.ContentType, &a.Data, &a.Inline, &a.ContentID, int64Scan{&a.DocumentID}); err != nil {
			return err
		}
		e.Message.Attachments = append(e.Message.Attachments, a)
	}
	return rows.Err()
}

// ClaimEmails leases up to limit due messages to worker (see mail.OutboxStore).
// PostgreSQL skips rows another worker holds (FOR UPDATE SKIP LOCKED); SQLite
// has one writer, so the claiming transaction runs alone.
func (s *Store) ClaimEmails(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]mwmail.Queued, error) {
	lock := s.dialect.skipLocked()
	var out []mwmail.Queued
	err := s.write(ctx, func(tx *sql.Tx) error {
		out = nil // a retried transaction claims afresh
		ids, err := queryIDs(ctx, tx, `SELECT id FROM emails WHERE status = 'queued' AND next_attempt_at <= $1
			AND (locked_until IS NULL OR locked_until < $1) ORDER BY next_attempt_at, id LIMIT $2`+lock, ts(now), limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE emails SET locked_until = $1, locked_by = $2 WHERE id = $3`,
				ts(now.Add(lease)), worker, id); err != nil {
				return err
			}
			q, err := scanEmail(tx.QueryRowContext(ctx, `SELECT `+emailCols+` FROM emails e WHERE e.id = $1`, id))
			if err != nil {
				return err
			}
			if err := loadAttachments(ctx, tx, &q); err != nil {
				return err
			}
			out = append(out, q)
		}
		return nil
	})
	return out, mapErr(err)
}

func (s *Store) recordAttempt(ctx context.Context, tx *sql.Tx, id int64, a mwmail.Attempt) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO email_attempts (tenant_id, email_id, at, ok, response, worker)
		SELECT tenant_id, id, $1, $2, $3, $4 FROM emails WHERE id = $5`, ts(a.At), a.OK, truncateText(a.Response, 1000), a.Worker, id)
	return err
}

// MarkEmailSent records a delivery by the worker holding the lease.
func (s *Store) MarkEmailSent(ctx context.Context, id int64, worker string, a mwmail.Attempt) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE emails SET status = 'sent', sent_at = $1, attempts = attempts + 1,
			locked_until = NULL, last_error = '' WHERE id = $2 AND locked_by = $3 AND status = 'queued'`, ts(a.At), id, worker)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflict("email_not_claimed")
		}
		return s.recordAttempt(ctx, tx, id, a)
	})
}

// MarkEmailFailed records a failed attempt and the next try (or giving up).
func (s *Store) MarkEmailFailed(ctx context.Context, id int64, worker string, a mwmail.Attempt, next time.Time, giveUp bool) error {
	status := "queued"
	if giveUp {
		status = "failed"
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE emails SET status = $1, attempts = attempts + 1, next_attempt_at = $2,
			locked_until = NULL, last_error = $3 WHERE id = $4 AND locked_by = $5 AND status = 'queued'`,
			status, ts(next), truncateText(a.Response, 1000), id, worker)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflict("email_not_claimed")
		}
		return s.recordAttempt(ctx, tx, id, a)
	})
}

// ListEmails returns messages of the actor's tenant, newest first, limited to
// its stations for station users (messages without a station are tenant-wide
// and shown to admins only).
func (s *Store) ListEmails(ctx context.Context, f mwmail.Filter) ([]mwmail.Queued, int, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, 0, err
	}
	a := args{sc.tenant()}
	where := `e.tenant_id = $1 AND ` + sc.stations("e.station_id", &a)
	if f.Status != "" {
		where += ` AND e.status = ` + a.add(f.Status)
	}
	if f.ReservationID != 0 {
		where += ` AND e.reservation_id = ` + a.add(f.ReservationID)
	}
	if f.ContractID != 0 {
		where += ` AND e.contract_id = ` + a.add(f.ContractID)
	}
	return newestFirst(ctx, s, emailCols, `FROM emails e`, `e.id`, where, a, f.Limit, f.Offset, scanEmail)
}

// Email returns one message with attachments and attempts. Errors: KindNotFound.
func (s *Store) Email(ctx context.Context, id int64) (mwmail.Queued, []mwmail.Attempt, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return mwmail.Queued{}, nil, err
	}
	a := args{sc.tenant(), id}
	q, err := scanEmail(s.db.QueryRowContext(ctx, `SELECT `+emailCols+` FROM emails e WHERE e.tenant_id = $1 AND e.id = $2 AND `+
		sc.stations("e.station_id", &a), a...))
	if err != nil {
		return q, nil, notFound(err, "e_mail_not_found")
	}
	if err := loadAttachments(ctx, s.db, &q); err != nil {
		return q, nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT at, ok, response, worker FROM email_attempts WHERE email_id = $1 ORDER BY id`, id)
	if err != nil {
		return q, nil, err
	}
	defer rows.Close()
	var atts []mwmail.Attempt
	for rows.Next() {
		var at mwmail.Attempt
		if err := rows.Scan(tsScan{&at.At}, &at.OK, &at.Response, &at.Worker); err != nil {
			return q, nil, err
		}
		atts = append(atts, at)
	}
	return q, atts, rows.Err()
}

// ResendEmail queues a failed or sent message again for delivery now (its
// attempts and their history are kept) and audits it. A message that is
// still queued — possibly being sent by a worker right now — is left alone:
// errs.KindConflict. Errors: KindNotFound (also for another station's or
// tenant's message), KindConflict.
func (s *Store) ResendEmail(ctx context.Context, id int64) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	q, _, err := s.Email(ctx, id)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE emails SET status = 'queued', next_attempt_at = $1, locked_until = NULL
			WHERE tenant_id = $2 AND id = $3 AND status <> 'queued'`, ts(s.Now()), sc.tenant(), id)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Conflict("email_queued")
		}
		return s.appendAudit(ctx, tx, sc, q.StationID, "email", id, "resend",
			map[string]any{"status": q.Status, "attempts": q.Attempts}, map[string]any{"status": mwmail.StatusQueued})
	})
}

// EmailCounts returns how many messages the actor's tenant has per status.
func (s *Store) EmailCounts(ctx context.Context) (map[string]int, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant()}
	rows, err := s.db.QueryContext(ctx, `SELECT e.status, count(*) FROM emails e WHERE e.tenant_id = $1 AND `+
		sc.stations("e.station_id", &a)+` GROUP BY e.status`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[strings.TrimSpace(st)] = n
	}
	return out, rows.Err()
}
