package store

import (
	"context"
	"database/sql"
	"time"

	"mietwerk.dev/mietwerk/tenancy"
)

// RentalTermsAt returns the version of the actor's tenant's rental terms in
// force at t; ok false when there was none. Errors: KindUnauthorized,
// KindForbidden.
func (s *Store) RentalTermsAt(ctx context.Context, t time.Time) (tenancy.RentalTerms, bool, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return tenancy.RentalTerms{}, false, err
	}
	var x tenancy.RentalTerms
	err = s.db.QueryRowContext(ctx, `SELECT id, body, created_at, COALESCE(created_by, 0) FROM rental_terms
		WHERE tenant_id = $1 AND created_at <= $2 ORDER BY created_at DESC, id DESC LIMIT 1`, sc.tenant(), ts(t)).Scan(
		&x.ID, &x.Body, tsScan{&x.CreatedAt}, &x.CreatedBy)
	if err == sql.ErrNoRows {
		return x, false, nil
	}
	return x, err == nil, err
}

// SetRentalTerms stores body as the new version of the tenant's rental
// terms, in force from now, and logs the change (the lengths, not the
// text: the versions are the record). An unchanged text stores nothing.
// Errors: KindInvalid (field rental_terms), KindForbidden (no admin).
func (s *Store) SetRentalTerms(ctx context.Context, body string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	body = tenancy.NormalizeRentalTerms(body)
	if err := tenancy.ValidateRentalTerms(body); err != nil {
		return err
	}
	now := s.Now()
	return s.write(ctx, func(tx *sql.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, `SELECT body FROM rental_terms WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
			sc.tenant()).Scan(&old)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		if err == nil && old == body {
			return nil
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO rental_terms (tenant_id, body, created_at, created_by) VALUES ($1,$2,$3,$4) RETURNING id`,
			sc.tenant(), body, ts(now), nullInt64(sc.a.UserID)).Scan(&id); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, 0, "tenant", sc.tenant(), "rental_terms",
			map[string]int{"chars": len([]rune(old))}, map[string]any{"chars": len([]rune(body)), "version": id})
	})
}
