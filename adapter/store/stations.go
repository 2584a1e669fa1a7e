package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/tenancy"
)

const stationCols = `id, tenant_id, code, name, street, postal_code, city, country, phone, email, time_zone,
	opening_hours, mail_from, mail_reply_to, active, created_at, updated_at`

func scanStation(row interface{ Scan(...any) error }) (tenancy.Station, error) {
	var st tenancy.Station
	var hours string
	err := row.Scan(&st.ID, &st.TenantID, &st.Code, &st.Name, &st.Street, &st.PostalCode, &st.City, &st.Country,
		&st.Phone, &st.Email, &st.TimeZone, &hours, &st.MailFrom, &st.MailReplyTo, &st.Active,
		tsScan{&st.CreatedAt}, tsScan{&st.UpdatedAt})
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal([]byte(hours), &st.Hours); err != nil {
		return st, fmt.Errorf("station %d opening hours: %w", st.ID, err)
	}
	return st, nil
}

// ListStations returns the stations the actor may see, ordered by name.
func (s *Store) ListStations(ctx context.Context) ([]tenancy.Station, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant()}
	rows, err := s.db.QueryContext(ctx, `SELECT `+stationCols+` FROM stations
		WHERE tenant_id = $1 AND `+sc.stations("id", &a)+` ORDER BY name`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenancy.Station
	for rows.Next() {
		st, err := scanStation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Exceptions, err = loadExceptions(ctx, s.db, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Station returns one station with its exceptions. Errors: KindNotFound
// when it does not exist or is outside the actor's reach.
func (s *Store) Station(ctx context.Context, id int64) (tenancy.Station, error) {
	return s.stationWhere(ctx, "id", id)
}

// StationByCode returns the station with code (case-sensitive, upper case).
// A station of an actor who sees every station of the tenant comes from
// the configuration cache.
// StationDirectory returns every station of the actor's tenant by name —
// id, code and name only, to station users too (a transfer's destination,
// as the website names them).
func (s *Store) StationDirectory(ctx context.Context) ([]tenancy.Station, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, code, name FROM stations WHERE tenant_id = $1 ORDER BY name`, sc.tenant())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenancy.Station
	for rows.Next() {
		st := tenancy.Station{TenantID: sc.tenant()}
		if err := rows.Scan(&st.ID, &st.Code, &st.Name); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func (s *Store) StationByCode(ctx context.Context, code string) (tenancy.Station, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return tenancy.Station{}, err
	}
	if !sc.a.AllStations() {
		return s.stationWhere(ctx, "code", code)
	}
	st, err := cachedConfig(ctx, s, sc.tenant(), "station:"+code, func() (tenancy.Station, error) {
		return s.stationWhere(ctx, "code", code)
	})
	return cloneStation(st), err
}

func (s *Store) stationWhere(ctx context.Context, col string, v any) (tenancy.Station, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return tenancy.Station{}, err
	}
	a := args{sc.tenant(), v}
	st, err := scanStation(s.db.QueryRowContext(ctx, `SELECT `+stationCols+` FROM stations
		WHERE tenant_id = $1 AND `+col+` = $2 AND `+sc.stations("id", &a), a...))
	if err != nil {
		return st, notFound(err, "station_not_found")
	}
	st.Exceptions, err = loadExceptions(ctx, s.db, st.ID)
	return st, err
}

func loadExceptions(ctx context.Context, q querier, stationID int64) ([]tenancy.Exception, error) {
	rows, err := q.QueryContext(ctx, `SELECT on_date, closed, hours, note FROM station_exceptions
		WHERE station_id = $1 ORDER BY on_date`, stationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenancy.Exception
	for rows.Next() {
		var e tenancy.Exception
		var hours string
		if err := rows.Scan(dateScan{&e.Date}, &e.Closed, &hours, &e.Note); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(hours), &e.Hours); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CreateStation validates and creates a station of the actor's tenant; admins
// only. Errors: KindInvalid with field errors, KindConflict for a used code.
func (s *Store) CreateStation(ctx context.Context, st *tenancy.Station) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	st.Normalize()
	if err := st.Validate(); err != nil {
		return err
	}
	hours, err := json.Marshal(st.Hours)
	if err != nil {
		return err
	}
	now := s.Now()
	st.TenantID, st.CreatedAt, st.UpdatedAt = sc.tenant(), now, now
	return s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO stations (tenant_id, code, name, street, postal_code, city,
			country, phone, email, time_zone, opening_hours, mail_from, mail_reply_to, active, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) RETURNING id`,
			st.TenantID, st.Code, st.Name, st.Street, st.PostalCode, st.City, st.Country, st.Phone, st.Email,
			st.TimeZone, string(hours), st.MailFrom, st.MailReplyTo, st.Active, ts(now), ts(now)).Scan(&st.ID)
		if err != nil {
			return codeTaken(err)
		}
		return saveExceptions(ctx, tx, st)
	})
}

// UpdateStation validates and saves a station and replaces its exceptions.
// Station users may edit their own stations only.
func (s *Store) UpdateStation(ctx context.Context, st *tenancy.Station) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.writeStation(st.ID); err != nil {
		return err
	}
	st.Normalize()
	if err := st.Validate(); err != nil {
		return err
	}
	hours, err := json.Marshal(st.Hours)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE stations SET code=$1, name=$2, street=$3, postal_code=$4, city=$5,
			country=$6, phone=$7, email=$8, time_zone=$9, opening_hours=$10, mail_from=$11, mail_reply_to=$12,
			active=$13, updated_at=$14 WHERE tenant_id=$15 AND id=$16`,
			st.Code, st.Name, st.Street, st.PostalCode, st.City, st.Country, st.Phone, st.Email, st.TimeZone,
			string(hours), st.MailFrom, st.MailReplyTo, st.Active, ts(now), sc.tenant(), st.ID)
		if err != nil {
			return codeTaken(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFound("station_not_found")
		}
		st.TenantID, st.UpdatedAt = sc.tenant(), now
		if _, err := tx.ExecContext(ctx, `DELETE FROM station_exceptions WHERE station_id = $1`, st.ID); err != nil {
			return err
		}
		return saveExceptions(ctx, tx, st)
	})
}

func saveExceptions(ctx context.Context, tx *sql.Tx, st *tenancy.Station) error {
	for _, e := range st.Exceptions {
		hours, err := json.Marshal(e.Hours)
		if err != nil {
			return err
		}
		if e.Hours == nil {
			hours = []byte("[]")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO station_exceptions (tenant_id, station_id, on_date, closed, hours, note)
			VALUES ($1,$2,$3,$4,$5,$6)`, st.TenantID, st.ID, e.Date, e.Closed, string(hours), e.Note); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// codeTaken maps a unique violation on a code to a field error.
func codeTaken(err error) error {
	if classify(err) == dbErrUnique {
		return errs.Invalid("error.fields_invalid", errs.Field("code", "station.code_taken"))
	}
	return mapErr(err)
}
