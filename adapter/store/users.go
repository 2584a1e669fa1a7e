package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
)

const userCols = `id, tenant_id, email, name, role, language, disabled_at, last_login_at, created_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (identity.User, error) {
	var u identity.User
	dest := append([]any{&u.ID, &u.TenantID, &u.Email, &u.Name, &u.Role, &u.Language,
		tspScan{&u.DisabledAt}, tspScan{&u.LastLoginAt}, tsScan{&u.CreatedAt}}, extra...)
	return u, row.Scan(dest...)
}

func loadUserStations(ctx context.Context, q querier, u *identity.User) error {
	rows, err := q.QueryContext(ctx, `SELECT station_id FROM user_stations WHERE user_id = $1 ORDER BY station_id`, u.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	u.StationIDs = nil
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		u.StationIDs = append(u.StationIDs, id)
	}
	return rows.Err()
}

// CreateUser creates a user of the actor's tenant; admins only. Errors:
// KindInvalid (also for a station of another tenant), KindConflict when the
// e-mail is taken.
func (s *Store) CreateUser(ctx context.Context, u *identity.User, passwordHash string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	u.Normalize()
	if err := u.Validate(); err != nil {
		return err
	}
	now := s.Now()
	u.TenantID, u.CreatedAt = sc.tenant(), now
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := emailFree(ctx, tx, u.TenantID, 0, u.Email); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (tenant_id, email, email_lower, name, password_hash, role,
			language, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
			u.TenantID, u.Email, strings.ToLower(u.Email), u.Name, passwordHash, u.Role, u.Language, ts(now), ts(now)).Scan(&u.ID)
		if classify(err) == dbErrUnique {
			return errEmailUnusable() // taken meanwhile
		}
		if err != nil {
			return mapErr(err)
		}
		return saveUserStations(ctx, tx, *u)
	})
}

// errEmailUnusable is the answer for an e-mail address another tenant's
// login uses (logins are unique across tenants): it says no more than that
// the address cannot be used, so an admin cannot probe which addresses
// other dealerships' staff sign in with.
func errEmailUnusable() error {
	return errs.Invalid("error.fields_invalid", errs.Field("email", "user.email_unusable"))
}

// emailFree checks that no other login uses email: one of the tenant's own
// (other than userID) is named as such — the admin sees those anyway —,
// one of another tenant only as unusable.
func emailFree(ctx context.Context, tx *sql.Tx, tenantID, userID int64, email string) error {
	var owner int64
	err := tx.QueryRowContext(ctx, `SELECT tenant_id FROM users WHERE email_lower = $1 AND id <> $2`, strings.ToLower(email), userID).Scan(&owner)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return mapErr(err)
	case owner == tenantID:
		return errs.Invalid("error.fields_invalid", errs.Field("email", "user.email_taken"))
	}
	return errEmailUnusable()
}

func saveUserStations(ctx context.Context, tx *sql.Tx, u identity.User) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_stations WHERE user_id = $1`, u.ID); err != nil {
		return err
	}
	if u.Role != identity.RoleStation {
		return nil
	}
	for _, sid := range u.StationIDs {
		_, err := tx.ExecContext(ctx, `INSERT INTO user_stations (tenant_id, user_id, station_id) VALUES ($1,$2,$3)`, u.TenantID, u.ID, sid)
		if classify(err) == dbErrForeignKey {
			return errs.Invalid("error.fields_invalid", errs.Field("stations", "user.stations_own"))
		}
		if err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// ListUsers returns the users of the actor's tenant; admins only.
func (s *Store) ListUsers(ctx context.Context) ([]identity.User, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.requireAdmin(); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = $1 ORDER BY name, id`, sc.tenant())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []identity.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := loadUserStations(ctx, s.db, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// User returns one user of the actor's tenant; admins only, or the user itself.
func (s *Store) User(ctx context.Context, id int64) (identity.User, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return identity.User{}, err
	}
	if sc.a.UserID != id {
		if err := sc.requireAdmin(); err != nil {
			return identity.User{}, err
		}
	}
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id))
	if err != nil {
		return u, notFound(err, "user_not_found")
	}
	return u, loadUserStations(ctx, s.db, &u)
}

// UpdateUser saves e-mail, name, role, language and stations; admins only.
func (s *Store) UpdateUser(ctx context.Context, u *identity.User) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	u.Normalize()
	if err := u.Validate(); err != nil {
		return err
	}
	u.TenantID = sc.tenant()
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := emailFree(ctx, tx, u.TenantID, u.ID, u.Email); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET email=$1, email_lower=$2, name=$3, role=$4, language=$5,
			updated_at=$6 WHERE tenant_id=$7 AND id=$8`, u.Email, strings.ToLower(u.Email), u.Name, u.Role, u.Language,
			ts(s.Now()), u.TenantID, u.ID)
		if classify(err) == dbErrUnique {
			return errEmailUnusable() // taken meanwhile
		}
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFound("user_not_found")
		}
		return saveUserStations(ctx, tx, *u)
	})
}

// SetPassword stores a new password hash; admins, or the user itself.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	return s.updateUser(ctx, userID, true, `password_hash = $1`, hash)
}

// SetDisabled disables or enables a user; admins only, never oneself.
func (s *Store) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if disabled && sc.a.UserID == userID {
		return errs.Invalid("user.not_self_disable")
	}
	var at any
	if disabled {
		at = ts(s.Now())
	}
	return s.updateUser(ctx, userID, false, `disabled_at = $1`, at)
}

func (s *Store) updateUser(ctx context.Context, userID int64, selfAllowed bool, set string, v any) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if !(selfAllowed && sc.a.UserID == userID) {
		if err := sc.requireAdmin(); err != nil {
			return err
		}
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET `+set+`, updated_at = $2 WHERE tenant_id = $3 AND id = $4`,
			v, ts(s.Now()), sc.tenant(), userID)
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFound("user_not_found")
		}
		return nil
	})
}

// UserForAuth finds a user by e-mail for sign-in (unscoped: nobody is signed in yet).
func (s *Store) UserForAuth(ctx context.Context, email string) (identity.User, string, error) {
	var hash string
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE email_lower = $1`,
		strings.ToLower(strings.TrimSpace(email))), &hash)
	if err != nil {
		return u, "", notFound(err, "user_not_found")
	}
	return u, hash, loadUserStations(ctx, s.db, &u)
}

// UserByIDForAuth loads the user of a session (unscoped).
func (s *Store) UserByIDForAuth(ctx context.Context, id int64) (identity.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if err != nil {
		return u, notFound(err, "user_not_found")
	}
	return u, loadUserStations(ctx, s.db, &u)
}

// MarkLogin records a successful sign-in.
func (s *Store) MarkLogin(ctx context.Context, userID int64, at time.Time) error {
	_, err := s.execWrite(ctx, true, `UPDATE users SET last_login_at = $1 WHERE id = $2`, ts(at), userID)
	return mapErr(err)
}
