package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/contract"
)

// OpenContractsForWorkshopOrder returns the open contracts (cars out) the
// actor may see whose booking carries workshop order ref (compared after
// trimming, case-insensitively), oldest first.
func (s *Store) OpenContractsForWorkshopOrder(ctx context.Context, ref string) ([]contract.Contract, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, nil
	}
	a := args{sc.tenant(), strings.ToLower(ref), string(contract.StatusOpen)}
	ids, err := queryIDs(ctx, s.db, `SELECT c.id FROM contracts c JOIN reservations r ON r.tenant_id = c.tenant_id AND r.id = c.reservation_id
		WHERE c.tenant_id = $1 AND lower(r.workshop_ref) = $2 AND c.status = $3 AND `+contractScope(sc, &a)+` ORDER BY c.starts_at, c.id`, a...)
	if err != nil {
		return nil, err
	}
	out := make([]contract.Contract, 0, len(ids))
	for _, id := range ids {
		c, err := s.Contract(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// RecordWorkshopDone notes, audited on the contract, that the workshop
// reported the repair of order ref done for open contract id the actor may
// see: the home screen lists it as coming back until it is returned.
// Reported again, the newer time counts. Errors: KindNotFound.
func (s *Store) RecordWorkshopDone(ctx context.Context, id int64, ref string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.contractTx(ctx, tx, sc, "c.id", id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO workshop_completions (tenant_id, contract_id, workshop_ref, reported_at)
			VALUES ($1,$2,$3,$4) ON CONFLICT (tenant_id, contract_id) DO UPDATE SET workshop_ref = excluded.workshop_ref,
			reported_at = excluded.reported_at`, sc.tenant(), c.ID, ref, ts(s.Now())); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", c.ID, "workshop_done", nil,
			map[string]any{"workshop_ref": ref, "planned_end": c.PlannedEnd})
	})
}

// WorkshopDone returns, for the open contracts the actor may see whose
// workshop order was reported done, when it was reported.
func (s *Store) WorkshopDone(ctx context.Context) (map[int64]time.Time, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant(), string(contract.StatusOpen)}
	rows, err := s.db.QueryContext(ctx, `SELECT wc.contract_id, wc.reported_at FROM workshop_completions wc
		JOIN contracts c ON c.tenant_id = wc.tenant_id AND c.id = wc.contract_id
		WHERE wc.tenant_id = $1 AND c.status = $2 AND `+contractScope(sc, &a), a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var id int64
		var at time.Time
		if err := rows.Scan(&id, tsScan{&at}); err != nil {
			return nil, err
		}
		out[id] = at
	}
	return out, rows.Err()
}
