package store

import (
	"context"
	"database/sql"
	"encoding/json"

	"mietwerk.dev/mietwerk/audit"
)

// appendAudit writes an audit entry inside tx. before and after are
// marshalled to JSON (nil stays empty).
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, sc scope, stationID int64, entity string, id int64, action string, before, after any) error {
	enc := func(v any) (string, error) {
		if v == nil {
			return "", nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	b, err := enc(before)
	if err != nil {
		return err
	}
	a, err := enc(after)
	if err != nil {
		return err
	}
	actorID := sc.a.UserID
	if sc.a.Kind == "api" {
		actorID = sc.a.APIClientID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (tenant_id, station_id, at, actor_kind, actor_id, actor_name,
		entity, entity_id, action, before, after, request_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		sc.tenant(), nullInt64(stationID), ts(s.Now()), string(sc.a.Kind), nullInt64(actorID), sc.a.Name, entity, id,
		action, b, a, sc.a.RequestID)
	return mapErr(err)
}

// AuditTrail returns the audit entries of one entity of the actor's tenant, oldest first.
func (s *Store) AuditTrail(ctx context.Context, entity string, id int64) ([]audit.Entry, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, tenant_id, station_id, at, actor_kind, actor_id, actor_name, entity,
		entity_id, action, before, after, request_id FROM audit_log WHERE tenant_id = $1 AND entity = $2 AND entity_id = $3
		ORDER BY id`, sc.tenant(), entity, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		if err := rows.Scan(&e.ID, &e.TenantID, int64Scan{&e.StationID}, tsScan{&e.At}, &e.ActorKind, int64Scan{&e.ActorID},
			&e.ActorName, &e.Entity, &e.EntityID, &e.Action, &e.Before, &e.After, &e.RequestID); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
