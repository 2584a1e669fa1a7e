package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/job"
)

var _ job.Store = (*Store)(nil)

// maxJobError is how much of a failure's text is kept.
const maxJobError = 2000

// RecordJobFailure adds a failure to the item's attention record (creating
// it) and sets when the job may try the item again: f.At plus
// retry(failures in a row). Only the system records failures
// (errs.KindForbidden otherwise).
func (s *Store) RecordJobFailure(ctx context.Context, f job.Failure, retry func(failures int) time.Duration) (job.Attention, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return job.Attention{}, err
	}
	if sc.a.Kind != identity.ActorSystem || !sc.a.AllTenants() && sc.tenant() != f.Subject.TenantID {
		return job.Attention{}, errs.Forbidden("job.system_only")
	}
	out := job.Attention{Job: f.Job, Subject: f.Subject, Panicked: f.Panicked, Error: storableText(f.Error, maxJobError),
		Ref: f.Ref, LastAt: f.At.UTC()}
	err = s.write(ctx, func(tx *sql.Tx) error {
		out.Failures, out.FirstAt = 0, out.LastAt
		err := tx.QueryRowContext(ctx, `SELECT failures, first_at FROM job_attention WHERE job = $1 AND subject = $2 AND subject_id = $3`,
			f.Job, f.Subject.Kind, f.Subject.ID).Scan(&out.Failures, tsScan{&out.FirstAt})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		out.Failures++
		out.RetryAfter = out.LastAt.Add(retry(out.Failures))
		return tx.QueryRowContext(ctx, `INSERT INTO job_attention (tenant_id, job, subject, subject_id, failures, panicked, error, ref,
			first_at, last_at, retry_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (job, subject, subject_id) DO UPDATE SET failures = EXCLUDED.failures, panicked = EXCLUDED.panicked,
			error = EXCLUDED.error, ref = EXCLUDED.ref, last_at = EXCLUDED.last_at, retry_after = EXCLUDED.retry_after
			RETURNING id`,
			f.Subject.TenantID, f.Job, f.Subject.Kind, f.Subject.ID, out.Failures, f.Panicked, out.Error, f.Ref,
			ts(out.FirstAt), ts(out.LastAt), ts(out.RetryAfter)).Scan(&out.ID)
	})
	return out, err
}

// ClearJobFailure deletes the item's attention record for the job, if any
// (the job succeeded with it).
func (s *Store) ClearJobFailure(ctx context.Context, jobName string, sub job.Subject) error {
	sc, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	if sc.a.Kind != identity.ActorSystem {
		return errs.Forbidden("job.system_only")
	}
	// a read first: the write lock (SQLite) is taken only when there is a
	// record, which is rare
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_attention WHERE job = $1 AND subject = $2 AND subject_id = $3`,
		jobName, sub.Kind, sub.ID).Scan(&n); err != nil || n == 0 {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM job_attention WHERE job = $1 AND subject = $2 AND subject_id = $3`,
			jobName, sub.Kind, sub.ID)
		return err
	})
}

// HeldJobItems returns the ids of the items of kind that the job leaves
// alone now (their back-off after a failure has not ended), of every
// tenant for the all-tenants system actor, else of the actor's tenant.
func (s *Store) HeldJobItems(ctx context.Context, jobName, kind string) (map[int64]bool, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	a := args{jobName, kind, ts(s.now())}
	q := `SELECT subject_id FROM job_attention WHERE job = $1 AND subject = $2 AND retry_after > $3`
	if !sc.a.AllTenants() {
		q += ` AND tenant_id = ` + a.add(sc.tenant())
	}
	rows, err := s.db.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// notHeld is the SQL condition that leaves out the items (column idCol,
// of kind) the job must leave alone now: their back-off after a failure
// has not ended.
func (s *Store) notHeld(jobName, kind, idCol string, a *args) string {
	return `NOT EXISTS (SELECT 1 FROM job_attention ja WHERE ja.job = ` + a.add(jobName) + ` AND ja.subject = ` + a.add(kind) +
		` AND ja.subject_id = ` + idCol + ` AND ja.retry_after > ` + a.add(ts(s.now())) + `)`
}

// jobAttentionFrom selects attention records (alias ja) with a label for
// staff and, for a payment, its booking or contract.
const jobAttentionFrom = `SELECT ja.id, ja.tenant_id, ja.job, ja.subject, ja.subject_id, ja.failures, ja.panicked, ja.error, ja.ref,
	ja.first_at, ja.last_at, ja.retry_after,
	COALESCE(r.number, c.number, cu.first_name || ' ' || cu.last_name, p.order_id, ''),
	COALESCE(p.contract_id, 0), COALESCE(p.reservation_id, 0)
	FROM job_attention ja
	LEFT JOIN reservations r ON ja.subject = 'reservation' AND r.tenant_id = ja.tenant_id AND r.id = ja.subject_id
	LEFT JOIN contracts c ON ja.subject = 'contract' AND c.tenant_id = ja.tenant_id AND c.id = ja.subject_id
	LEFT JOIN customers cu ON ja.subject = 'customer' AND cu.tenant_id = ja.tenant_id AND cu.id = ja.subject_id
	LEFT JOIN payments p ON ja.subject = 'payment' AND p.tenant_id = ja.tenant_id AND p.id = ja.subject_id`

func scanJobAttention(row interface{ Scan(...any) error }) (job.Attention, error) {
	var a job.Attention
	var contractID, reservationID int64
	err := row.Scan(&a.ID, &a.Subject.TenantID, &a.Job, &a.Subject.Kind, &a.Subject.ID, &a.Failures, &a.Panicked, &a.Error, &a.Ref,
		tsScan{&a.FirstAt}, tsScan{&a.LastAt}, tsScan{&a.RetryAfter}, &a.Label, &contractID, &reservationID)
	switch {
	case contractID != 0:
		a.Parent = job.Subject{Kind: job.KindContract, ID: contractID, TenantID: a.Subject.TenantID}
	case reservationID != 0:
		a.Parent = job.Subject{Kind: job.KindReservation, ID: reservationID, TenantID: a.Subject.TenantID}
	}
	return a, err
}

// JobAttention returns the attention records of the given items in the
// actor's tenant (the pages of a booking or contract show them; the caller
// has checked that the actor may see the items).
func (s *Store) JobAttention(ctx context.Context, subjects []job.Subject) ([]job.Attention, error) {
	sc, err := tenantScope(ctx)
	if err != nil || len(subjects) == 0 {
		return nil, err
	}
	a := args{sc.tenant()}
	var or []string
	for _, sub := range subjects {
		or = append(or, `(ja.subject = `+a.add(sub.Kind)+` AND ja.subject_id = `+a.add(sub.ID)+`)`)
	}
	return s.queryJobAttention(ctx, jobAttentionFrom+` WHERE ja.tenant_id = $1 AND (`+
		strings.Join(or, ` OR `)+`) ORDER BY ja.last_at DESC, ja.id DESC`, a)
}

// ListJobAttention returns the attention records of the actor's tenant,
// newest first, at most limit (the dashboard). Administrators only
// (errs.KindForbidden).
func (s *Store) ListJobAttention(ctx context.Context, limit int) ([]job.Attention, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.requireAdmin(); err != nil {
		return nil, err
	}
	a := args{sc.tenant()}
	return s.queryJobAttention(ctx, jobAttentionFrom+` WHERE ja.tenant_id = $1
		ORDER BY ja.last_at DESC, ja.id DESC LIMIT `+a.add(max(limit, 1)), a)
}

func (s *Store) queryJobAttention(ctx context.Context, q string, a args) ([]job.Attention, error) {
	rows, err := s.db.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []job.Attention
	for rows.Next() {
		x, err := scanJobAttention(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// RetryJobItem makes the job try the record's item again on its next pass
// (staff fixed the data). Administrators only; errs.KindNotFound for a
// record of another tenant or one that is gone.
func (s *Store) RetryJobItem(ctx context.Context, id int64) error {
	return s.jobAttentionAction(ctx, `UPDATE job_attention SET retry_after = $3 WHERE tenant_id = $1 AND id = $2`, id, ts(s.now()))
}

// DismissJobItem deletes an attention record (staff settled the item by
// hand). If the job still fails with the item, it records it again.
// Administrators only; errs.KindNotFound for a record of another tenant or
// one that is gone.
func (s *Store) DismissJobItem(ctx context.Context, id int64) error {
	return s.jobAttentionAction(ctx, `DELETE FROM job_attention WHERE tenant_id = $1 AND id = $2`, id)
}

// jobAttentionAction runs q (with $1 the tenant, $2 the id, then extra)
// on one record of the actor's tenant, as an administrator.
func (s *Store) jobAttentionAction(ctx context.Context, q string, id int64, extra ...any) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, append([]any{sc.tenant(), id}, extra...)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFound("job.note_gone")
		}
		return nil
	})
}

// storableText returns s as valid UTF-8 without NUL bytes (PostgreSQL
// refuses both in text), cut to at most limit bytes.
func storableText(s string, limit int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) <= limit {
		return s
	}
	s = s[:limit]
	for len(s) > 0 && !utf8ValidTail(s) {
		s = s[:len(s)-1]
	}
	return s
}

func utf8ValidTail(s string) bool { return strings.ToValidUTF8(s, "") == s }
