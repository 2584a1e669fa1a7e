package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"mietwerk.dev/mietwerk/audit"
)

// appendAudit writes an audit entry inside tx. before and after are
// marshalled to JSON (nil stays empty).
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, sc scope, stationID int64, entity string, id int64, action string, before, after any) error {
	row, err := s.auditRow(sc, stationID, entity, id, action, before, after)
	if err != nil {
		return err
	}
	return s.writeAudit(ctx, tx, row)
}

// auditInsert inserts one audit row: the twelve values of auditRow.
const auditInsert = `INSERT INTO audit_log (tenant_id, station_id, at, actor_kind, actor_id, actor_name,
	entity, entity_id, action, before, after, request_id) VALUES `

// auditRow returns the values of the audit row appendAudit writes, for a
// caller that writes it with a later statement (auditCTE).
func (s *Store) auditRow(sc scope, stationID int64, entity string, id int64, action string, before, after any) (args, error) {
	enc := func(v any) (string, error) {
		if v == nil {
			return "", nil
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	b, err := enc(before)
	if err != nil {
		return nil, err
	}
	a, err := enc(after)
	if err != nil {
		return nil, err
	}
	actorID := sc.a.UserID
	if sc.a.Kind == "api" {
		actorID = sc.a.APIClientID
	}
	return args{sc.tenant(), nullInt64(stationID), ts(s.Now()), string(sc.a.Kind), nullInt64(actorID), sc.a.Name, entity, id,
		action, b, a, sc.a.RequestID}, nil
}

// writeAudit inserts an audit row of auditRow.
func (s *Store) writeAudit(ctx context.Context, tx *sql.Tx, row args) error {
	_, err := tx.ExecContext(ctx, auditInsert+`($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`, row...)
	return mapErr(err)
}

// auditCTEs returns WITH queries (each followed by a comma) inserting
// rows of auditRow, their values added to a: on a database that chains
// writes they go with the statement that follows them.
func auditCTEs(a *args, rows []args) string {
	var b strings.Builder
	for i, row := range rows {
		ph := make([]string, len(row))
		for j, v := range row {
			ph[j] = a.add(v)
		}
		fmt.Fprintf(&b, "audit%d AS (%s(%s)), ", i, auditInsert, strings.Join(ph, ", "))
	}
	return b.String()
}

// auditTypes are the SQL types of an audit row's values (see typedList).
var auditTypes = []string{"bigint", "bigint", "timestamptz", "text", "bigint", "text", "text", "bigint", "text", "text", "text", "text"}

// auditSelect returns an INSERT of the audit row of auditRow (values added
// to a) for each row of the WITH query src, on a database that chains
// writes, with src's station_id as the row's station: it is written only
// when src returned a row (say, an update that changed one).
func auditSelect(a *args, row args, src string) string {
	vals := make([]string, len(row))
	for i, v := range row {
		if i == 1 { // station_id
			vals[i] = src + ".station_id"
			continue
		}
		vals[i] = typedList(a, []any{v}, auditTypes[i:i+1])
	}
	return auditInsert[:strings.LastIndex(auditInsert, "VALUES")] + `SELECT ` + strings.Join(vals, ", ") + ` FROM ` + src
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
