package store

import (
	"context"
	"database/sql"
	"errors"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
)

// Assignment returns the signed assignment of claims of a reservation the
// actor may see; ok false when none is signed. Errors: KindNotFound.
func (s *Store) Assignment(ctx context.Context, reservationID int64) (contract.Assignment, bool, error) {
	var a contract.Assignment
	ok := false
	err := s.read(ctx, func(q querier) error {
		r, err := s.reservationWhere(ctx, q, "r.id", reservationID)
		if err != nil {
			return err
		}
		err = q.QueryRowContext(ctx, `SELECT reservation_id, signer_name, signature_png, pdf, sha256, signed_at, created_by_name
			FROM cover_assignments WHERE tenant_id = $1 AND reservation_id = $2`, r.TenantID, r.ID).
			Scan(&a.ReservationID, &a.SignerName, &a.SignaturePNG, &a.PDF, &a.SHA256, tsScan{&a.SignedAt}, &a.CreatedByName)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		ok = err == nil
		return err
	})
	return a, ok, err
}

// SaveAssignment stores the signed assignment a of a reservation the actor
// may see, audited on the reservation. Errors: KindConflict
// (assignment_signed: one is already), KindNotFound.
func (s *Store) SaveAssignment(ctx context.Context, a *contract.Assignment) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.reservationWhere(ctx, tx, "r.id", a.ReservationID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO cover_assignments (tenant_id, reservation_id, signer_name, signature_png, pdf,
			sha256, signed_at, created_by_name) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, sc.tenant(), r.ID, a.SignerName, a.SignaturePNG,
			a.PDF, a.SHA256, ts(a.SignedAt), a.CreatedByName)
		if classify(err) == dbErrUnique {
			return errs.Conflict("assignment_signed")
		}
		if err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, r.StationID, "reservation", r.ID, "assignment", nil,
			map[string]any{"signer": a.SignerName, "sha256": a.SHA256})
	})
}
