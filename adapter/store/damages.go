package store

import (
	"context"
	"database/sql"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
)

const damageCols = `d.id, d.tenant_id, d.vehicle_id, d.view, d.x_pct, d.y_pct, d.kind, d.severity, d.description,
	d.contract_id, d.reported_at, d.reported_by, d.charge_cents, d.repaired_at, d.repair_note`

func scanDamage(row interface{ Scan(...any) error }) (fleet.Damage, error) {
	var d fleet.Damage
	err := row.Scan(&d.ID, &d.TenantID, &d.VehicleID, &d.View, &d.X, &d.Y, &d.Kind, &d.Severity, &d.Description,
		int64Scan{&d.ContractID}, tsScan{&d.ReportedAt}, int64Scan{&d.ReportedBy}, &d.ChargeCents,
		tspScan{&d.RepairedAt}, &d.RepairNote)
	return d, err
}

// vehicleStation returns the home station of a vehicle the actor may see.
// Errors: KindNotFound.
func vehicleStation(ctx context.Context, q querier, sc scope, vehicleID int64) (int64, error) {
	a := args{sc.tenant(), vehicleID}
	var stationID int64
	err := q.QueryRowContext(ctx, `SELECT v.station_id FROM vehicles v WHERE v.tenant_id = $1 AND v.id = $2 AND `+
		sc.stations("v.station_id", &a), a...).Scan(&stationID)
	return stationID, notFound(err, "vehicle_not_found")
}

// CreateDamage validates and saves a damage of a vehicle the actor may see.
// Errors: KindInvalid, KindNotFound.
func (s *Store) CreateDamage(ctx context.Context, d *fleet.Damage) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	d.Normalize()
	if err := d.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		stationID, err := vehicleStation(ctx, tx, sc, d.VehicleID)
		if err != nil {
			return err
		}
		d.TenantID, d.ReportedAt, d.ReportedBy, d.RepairedAt = sc.tenant(), s.Now(), sc.a.UserID, nil
		err = tx.QueryRowContext(ctx, `INSERT INTO damages (tenant_id, vehicle_id, view, x_pct, y_pct, kind, severity,
			description, contract_id, reported_at, reported_by, charge_cents) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
			RETURNING id`, d.TenantID, d.VehicleID, d.View, d.X, d.Y, d.Kind, d.Severity, d.Description,
			nullInt64(d.ContractID), ts(d.ReportedAt), nullInt64(d.ReportedBy), d.ChargeCents).Scan(&d.ID)
		if err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, stationID, "damage", d.ID, "create", nil, d)
	})
}

// Damage returns one damage with its photos. Errors: KindNotFound (also for
// a damage of a vehicle outside the actor's reach).
func (s *Store) Damage(ctx context.Context, id int64) (fleet.Damage, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return fleet.Damage{}, err
	}
	a := args{sc.tenant(), id}
	d, err := scanDamage(s.db.QueryRowContext(ctx, `SELECT `+damageCols+` FROM damages d
		JOIN vehicles v ON v.tenant_id = d.tenant_id AND v.id = d.vehicle_id
		WHERE d.tenant_id = $1 AND d.id = $2 AND `+sc.stations("v.station_id", &a), a...))
	if err != nil {
		return d, notFound(err, "damage_not_found")
	}
	ph, err := s.photosOf(ctx, sc, []int64{d.ID})
	d.Photos = ph[d.ID]
	return d, err
}

// ListDamages returns the damages of a vehicle the actor may see, newest
// first, with their photos. Errors: KindNotFound.
func (s *Store) ListDamages(ctx context.Context, vehicleID int64, openOnly bool) ([]fleet.Damage, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := vehicleStation(ctx, s.db, sc, vehicleID); err != nil {
		return nil, err
	}
	q := `SELECT ` + damageCols + ` FROM damages d WHERE d.tenant_id = $1 AND d.vehicle_id = $2`
	if openOnly {
		q += ` AND d.repaired_at IS NULL`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY d.reported_at DESC, d.id DESC`, sc.tenant(), vehicleID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.Damage
	var ids []int64
	for rows.Next() {
		d, err := scanDamage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
		ids = append(ids, d.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ph, err := s.photosOf(ctx, sc, ids)
	for i := range out {
		out[i].Photos = ph[out[i].ID]
	}
	return out, err
}

// photosOf returns the photo metadata of the given damages (already checked
// to be in the actor's reach) by damage id.
func (s *Store) photosOf(ctx context.Context, sc scope, ids []int64) (map[int64][]fleet.Photo, error) {
	out := map[int64][]fleet.Photo{}
	if len(ids) == 0 {
		return out, nil
	}
	a := args{sc.tenant()}
	in := ""
	for i, id := range ids {
		if i > 0 {
			in += ","
		}
		in += a.add(id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, tenant_id, damage_id, content_type, size_bytes, sha256, storage,
		storage_key, created_at FROM damage_photos WHERE tenant_id = $1 AND damage_id IN (`+in+`) ORDER BY id`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p fleet.Photo
		if err := rows.Scan(&p.ID, &p.TenantID, &p.DamageID, &p.ContentType, &p.SizeBytes, &p.SHA256, &p.Storage,
			&p.StorageKey, tsScan{&p.CreatedAt}); err != nil {
			return nil, err
		}
		out[p.DamageID] = append(out[p.DamageID], p)
	}
	return out, rows.Err()
}

// MarkRepaired records when an open damage was repaired. Errors:
// KindNotFound, KindConflict (already repaired), KindInvalid (date before
// the report or in the future).
func (s *Store) MarkRepaired(ctx context.Context, id int64, at time.Time, note string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		a := args{sc.tenant(), id}
		var stationID int64
		var d fleet.Damage
		err := tx.QueryRowContext(ctx, `SELECT v.station_id, d.reported_at, d.repaired_at FROM damages d
			JOIN vehicles v ON v.tenant_id = d.tenant_id AND v.id = d.vehicle_id
			WHERE d.tenant_id = $1 AND d.id = $2 AND `+sc.stations("v.station_id", &a), a...).Scan(&stationID,
			tsScan{&d.ReportedAt}, tspScan{&d.RepairedAt})
		if err != nil {
			return notFound(err, "damage_not_found")
		}
		if d.RepairedAt != nil {
			return errs.Conflict("already_repaired")
		}
		if at.Before(d.ReportedAt.Truncate(24 * time.Hour)) {
			return errs.Invalid("error.fields_invalid", errs.Field("repaired_on", "damage.repair_before_report"))
		}
		if at.After(s.Now().Add(24 * time.Hour)) {
			return errs.Invalid("error.fields_invalid", errs.Field("repaired_on", "damage.repair_future"))
		}
		if len(note) > 2000 {
			return errs.Invalid("error.fields_invalid", errs.Field("repair_note", "field.too_long", locale.Params{"n": 2000}))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE damages SET repaired_at = $1, repair_note = $2 WHERE tenant_id = $3 AND id = $4`,
			ts(at), note, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, stationID, "damage", id, "repaired", nil,
			map[string]any{"repaired_at": at.UTC(), "repair_note": note})
	})
}

// AddPhoto saves a photo of a damage the actor may see. Errors: KindNotFound.
func (s *Store) AddPhoto(ctx context.Context, p *fleet.PhotoData) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		a := args{sc.tenant(), p.DamageID}
		var stationID int64
		if err := tx.QueryRowContext(ctx, `SELECT v.station_id FROM damages d
			JOIN vehicles v ON v.tenant_id = d.tenant_id AND v.id = d.vehicle_id
			WHERE d.tenant_id = $1 AND d.id = $2 AND `+sc.stations("v.station_id", &a), a...).Scan(&stationID); err != nil {
			return notFound(err, "damage_not_found")
		}
		p.TenantID, p.CreatedAt = sc.tenant(), s.Now()
		var data, thumb any
		if p.Storage == "db" {
			data, thumb = p.Data, p.Thumb
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO damage_photos (tenant_id, damage_id, content_type, size_bytes, sha256,
			storage, storage_key, data, thumb, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
			p.TenantID, p.DamageID, p.ContentType, p.SizeBytes, p.SHA256, p.Storage, p.StorageKey, data, thumb,
			ts(p.CreatedAt)).Scan(&p.ID)
		if err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, stationID, "damage", p.DamageID, "photo_added", nil, p.Photo)
	})
}

// PhotoData returns a photo of damage damageID with the image bytes (or the
// thumbnail's) when they are kept in the database. The station check is part
// of the same query, so no bytes of another station's photo are ever read.
// Errors: KindNotFound.
func (s *Store) PhotoData(ctx context.Context, damageID, photoID int64, thumb bool) (fleet.PhotoData, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return fleet.PhotoData{}, err
	}
	col := "p.data"
	if thumb {
		col = "p.thumb"
	}
	a := args{sc.tenant(), damageID, photoID}
	var p fleet.PhotoData
	var blob []byte
	err = s.db.QueryRowContext(ctx, `SELECT p.id, p.tenant_id, p.damage_id, p.content_type, p.size_bytes, p.sha256,
		p.storage, p.storage_key, p.created_at, `+col+` FROM damage_photos p
		JOIN damages d ON d.tenant_id = p.tenant_id AND d.id = p.damage_id
		JOIN vehicles v ON v.tenant_id = d.tenant_id AND v.id = d.vehicle_id
		WHERE p.tenant_id = $1 AND p.damage_id = $2 AND p.id = $3 AND `+sc.stations("v.station_id", &a), a...).Scan(
		&p.ID, &p.TenantID, &p.DamageID, &p.ContentType, &p.SizeBytes, &p.SHA256, &p.Storage, &p.StorageKey,
		tsScan{&p.CreatedAt}, &blob)
	if err != nil {
		return p, notFound(err, "photo_not_found")
	}
	if thumb {
		p.Thumb = blob
	} else {
		p.Data = blob
	}
	return p, nil
}
