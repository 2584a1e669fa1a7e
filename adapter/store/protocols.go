package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
	mwmail "mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/webhook"
)

// recordProtocolTx stores a handover or return protocol of contract c at
// station stationID with its new damages, the vehicle's condition row and
// its new km, fuel and cleanliness.
func (s *Store) recordProtocolTx(ctx context.Context, tx *sql.Tx, sc scope, c *contract.Contract, p *contract.Protocol, stationID int64) error {
	now := s.Now()
	if p.RecordedAt.IsZero() {
		p.RecordedAt = now
	}
	p.ContractID, p.StationID = c.ID, stationID
	var sig any
	if len(p.SignaturePNG) > 0 {
		sig = p.SignaturePNG
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO protocols (tenant_id, contract_id, kind, station_id, recorded_at, recorded_by,
		odometer_km, fuel_eighths, cleanliness, notes, signer_name, signature_png, unsigned_reason, charge_percent, range_km)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
		RETURNING id`, sc.tenant(), c.ID, p.Kind, stationID, ts(p.RecordedAt), nullInt64(sc.a.UserID), p.OdometerKM, p.FuelEighths,
		p.Cleanliness, p.Notes, p.SignerName, sig, p.UnsignedReason, nullIntp(p.ChargePercent), nullIntp(p.RangeKM)).Scan(&p.ID); err != nil {
		if classify(err) == dbErrUnique {
			return errs.Conflict("protocol_exists", locale.Params{"kind": locale.Key("protocol.kind." + p.Kind)})
		}
		return mapErr(err)
	}
	for i := range p.NewDamages {
		d := &p.NewDamages[i]
		d.TenantID, d.VehicleID, d.ContractID, d.ReportedAt, d.ReportedBy = sc.tenant(), c.VehicleID, c.ID, p.RecordedAt, sc.a.UserID
		if err := tx.QueryRowContext(ctx, `INSERT INTO damages (tenant_id, vehicle_id, view, x_pct, y_pct, kind, severity,
			description, contract_id, reported_at, reported_by, charge_cents) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
			RETURNING id`, d.TenantID, d.VehicleID, d.View, d.X, d.Y, d.Kind, d.Severity, d.Description, c.ID,
			ts(d.ReportedAt), nullInt64(d.ReportedBy), d.ChargeCents).Scan(&d.ID); err != nil {
			return mapErr(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO vehicle_conditions (tenant_id, vehicle_id, recorded_at, odometer_km,
		fuel_eighths, cleanliness, source, contract_id, user_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, sc.tenant(), c.VehicleID,
		ts(p.RecordedAt), p.OdometerKM, p.FuelEighths, p.Cleanliness, p.Kind, c.ID, nullInt64(sc.a.UserID)); err != nil {
		return mapErr(err)
	}
	// a return at another station moves the car there (one-way rental)
	_, err := tx.ExecContext(ctx, `UPDATE vehicles SET odometer_km = $1, fuel_eighths = $2, cleanliness = $3, station_id = $4,
		updated_at = $5, charge_percent = COALESCE($8, charge_percent) WHERE tenant_id = $6 AND id = $7`, p.OdometerKM, p.FuelEighths,
		p.Cleanliness, stationID, ts(now), sc.tenant(), c.VehicleID, nullIntp(p.ChargePercent))
	return mapErr(err)
}

// RecordReturn checks the car of an open contract in (see contract.Store).
// Errors: KindNotFound, KindConflict ("contract_status", "vehicle_overlap").
func (s *Store) RecordReturn(ctx context.Context, rt *contract.Return) (contract.Contract, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return contract.Contract{}, err
	}
	var c contract.Contract
	err = s.write(ctx, func(tx *sql.Tx) error {
		c, err = s.contractTx(ctx, tx, sc, "c.id", rt.ContractID)
		if err != nil {
			return err
		}
		if c.Status != contract.StatusOpen {
			return errs.Conflict("contract_status")
		}
		if rt.StationID == 0 {
			rt.StationID = c.ReturnStationID
		}
		if err := sc.writeStation(rt.StationID); err != nil {
			return err
		}
		now := s.Now()
		if err := s.moveAllocationEndTx(ctx, tx, sc, c, now); err != nil {
			return err
		}
		rt.Protocol.Kind = contract.KindReturn
		if err := s.recordProtocolTx(ctx, tx, sc, &c, &rt.Protocol, rt.StationID); err != nil {
			return err
		}
		readiness := rt.Readiness
		if readiness == "" {
			readiness = fleet.ReadinessAfterReturn(rt.Protocol.Cleanliness, len(rt.Protocol.NewDamages))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vehicles SET readiness = $1 WHERE tenant_id = $2 AND id = $3`,
			readiness, sc.tenant(), c.VehicleID); err != nil {
			return mapErr(err)
		}
		// a kind that is not billed (a free test drive, internal use,
		// transfer) ends here: closed, with nothing to bill
		status, billedAt := contract.StatusReturned, any(nil)
		if !c.Billable() {
			status, billedAt = contract.StatusClosed, ts(now)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contracts SET status = $6, ended_at = $1, return_station_id = $2,
			updated_at = $3, billed_at = $7 WHERE tenant_id = $4 AND id = $5`, ts(now), rt.StationID, ts(now), sc.tenant(), c.ID,
			string(status), billedAt); err != nil {
			return mapErr(err)
		}
		if status == contract.StatusClosed { // its booking is done, as a billed rental's is
			if _, err := tx.ExecContext(ctx, `UPDATE reservations SET status = 'completed', updated_at = $1 WHERE tenant_id = $2
				AND id = $3 AND status = 'active'`, ts(now), sc.tenant(), c.ReservationID); err != nil {
				return mapErr(err)
			}
		}
		if err := s.emitTx(ctx, tx, sc.tenant(), webhook.ContractEnded, webhook.Ref{ContractID: c.ID,
			ReservationID: c.ReservationID, Label: c.Number}); err != nil {
			return err
		}
		before := map[string]any{"status": c.Status, "return_station_id": c.ReturnStationID}
		c.Status, c.EndedAt, c.ReturnStationID = status, &now, rt.StationID
		if billedAt != nil {
			c.BilledAt = &now
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", c.ID, "return", before, map[string]any{
			"status": c.Status, "return_station_id": rt.StationID, "km": rt.Protocol.OdometerKM,
			"fuel_eighths": auditFuel(rt.Protocol.FuelEighths, c.Terms.DriveType), "cleanliness": rt.Protocol.Cleanliness,
			"state_of_charge_percent": nullIntp(rt.Protocol.ChargePercent), "range_km": nullIntp(rt.Protocol.RangeKM), "new_damages": len(rt.Protocol.NewDamages)})
	})
	return c, err
}

// Protocols returns the protocols of a contract, handover first.
func (s *Store) Protocols(ctx context.Context, contractID int64) ([]contract.Protocol, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.contractTx(ctx, s.db, sc, "c.id", contractID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.contract_id, p.kind, p.station_id, p.recorded_at, p.recorded_by,
		COALESCE(u.name, ''), p.odometer_km, p.fuel_eighths, p.cleanliness, p.notes, p.signer_name, p.signature_png,
		p.unsigned_reason, p.charge_percent, p.range_km FROM protocols p LEFT JOIN users u ON u.id = p.recorded_by
		WHERE p.tenant_id = $1 AND p.contract_id = $2 ORDER BY p.recorded_at, p.id`, sc.tenant(), contractID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contract.Protocol
	for rows.Next() {
		var p contract.Protocol
		if err := rows.Scan(&p.ID, &p.ContractID, &p.Kind, &p.StationID, tsScan{&p.RecordedAt}, int64Scan{&p.RecordedBy},
			&p.StaffName, &p.OdometerKM, &p.FuelEighths, &p.Cleanliness, &p.Notes, &p.SignerName, &p.SignaturePNG, &p.UnsignedReason,
			intpScan{&p.ChargePercent}, intpScan{&p.RangeKM}); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveDocument stores a generated document of a contract with its SHA-256
// and queues msgs, in one transaction. Errors: KindNotFound.
func (s *Store) SaveDocument(ctx context.Context, contractID int64, kind, filename string, data []byte, msgs []mwmail.Queued) (contract.DocumentInfo, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return contract.DocumentInfo{}, err
	}
	sum := sha256.Sum256(data)
	d := contract.DocumentInfo{Kind: kind, Filename: filename, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), CreatedAt: s.Now()}
	err = s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.contractTx(ctx, tx, sc, "c.id", contractID)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO documents (tenant_id, kind, contract_id, reservation_id, filename,
			content_type, sha256, size_bytes, data, created_at) VALUES ($1,$2,$3,$4,$5,'application/pdf',$6,$7,$8,$9) RETURNING id`,
			sc.tenant(), kind, c.ID, c.ReservationID, filename, d.SHA256, d.Size, data, ts(d.CreatedAt)).Scan(&d.ID); err != nil {
			return mapErr(err)
		}
		for i := range msgs {
			if err := s.queueEmailTx(ctx, tx, sc.tenant(), &msgs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return d, err
}

// ContractDocuments lists the documents of a contract (protocols, contract
// PDFs, invoices), oldest first, without their bytes.
func (s *Store) ContractDocuments(ctx context.Context, id int64) ([]contract.DocumentInfo, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.contractTx(ctx, s.db, sc, "c.id", id)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, filename, sha256, size_bytes, created_at FROM documents
		WHERE tenant_id = $1 AND (contract_id = $2 OR reservation_id = $3) ORDER BY id`, sc.tenant(), c.ID, c.ReservationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contract.DocumentInfo
	for rows.Next() {
		var d contract.DocumentInfo
		if err := rows.Scan(&d.ID, &d.Kind, &d.Filename, &d.SHA256, &d.Size, tsScan{&d.CreatedAt}); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// auditFuel is the fuel level an audit entry records: none (null) for a
// pure electric car, which has no tank.
func auditFuel(eighths int, drive string) any {
	if !fleet.RecordsFuel(drive) {
		return nil
	}
	return eighths
}
