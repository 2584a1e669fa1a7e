package store

import (
	"context"
	"database/sql"
	"time"

	"mietwerk.dev/mietwerk/identity"
)

// CreateSession stores a new admin session.
func (s *Store) CreateSession(ctx context.Context, se identity.Session) error {
	_, err := s.execWrite(ctx, false, `INSERT INTO sessions (id_hash, tenant_id, user_id, csrf_token, created_at,
		last_seen_at, expires_at, user_agent, remote_addr) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		se.TokenHash, se.TenantID, se.UserID, se.CSRFToken, ts(se.CreatedAt), ts(se.LastSeenAt), ts(se.ExpiresAt),
		se.UserAgent, se.RemoteAddr)
	return mapErr(err)
}

// SessionForAuth returns the session with token hash h. Errors: KindNotFound.
func (s *Store) SessionForAuth(ctx context.Context, h string) (identity.Session, error) {
	var se identity.Session
	err := s.db.QueryRowContext(ctx, `SELECT id_hash, tenant_id, user_id, csrf_token, created_at, last_seen_at,
		expires_at, user_agent, remote_addr FROM sessions WHERE id_hash = $1`, h).Scan(&se.TokenHash, &se.TenantID,
		&se.UserID, &se.CSRFToken, tsScan{&se.CreatedAt}, tsScan{&se.LastSeenAt}, tsScan{&se.ExpiresAt},
		&se.UserAgent, &se.RemoteAddr)
	return se, notFound(err, "session_not_found")
}

// TouchSession records activity on a session.
func (s *Store) TouchSession(ctx context.Context, h string, at time.Time) error {
	_, err := s.execWrite(ctx, true, `UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2`, ts(at), h)
	return mapErr(err)
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, h string) error {
	_, err := s.execWrite(ctx, false, `DELETE FROM sessions WHERE id_hash = $1`, h)
	return mapErr(err)
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := s.execWrite(ctx, false, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return mapErr(err)
}

// DeleteExpiredSessions removes sessions past their absolute timeout or idle
// longer than idle; returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	res, err := s.execWrite(ctx, true, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, ts(now), ts(now.Add(-idle)))
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}

// LoginFailures counts failed sign-ins in bucket since t and returns the
// time of the latest.
func (s *Store) LoginFailures(ctx context.Context, bucket string, since time.Time) (int, time.Time, error) {
	var n int
	var lp *time.Time
	err := s.db.QueryRowContext(ctx, `SELECT count(*), max(at) FROM login_attempts WHERE bucket = $1 AND at > $2`,
		bucket, ts(since)).Scan(&n, tspScan{&lp})
	var last time.Time
	if lp != nil {
		last = *lp
	}
	return n, last, mapErr(err)
}

// LoginDevice returns the user the device token hash h signed in as.
// Errors: KindNotFound.
func (s *Store) LoginDevice(ctx context.Context, h string) (int64, error) {
	var uid int64
	err := s.db.QueryRowContext(ctx, `SELECT user_id FROM login_devices WHERE token_hash = $1`, h).Scan(&uid)
	return uid, notFound(err, "device_not_found")
}

// SaveLoginDevice records device token hash h for the user, replacing the
// device's previous hash old, and forgets devices unused for 180 days.
func (s *Store) SaveLoginDevice(ctx context.Context, h, old string, userID int64, at time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if old != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM login_devices WHERE token_hash = $1`, old); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_devices WHERE last_used_at < $1`, ts(at.Add(-180*24*time.Hour))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO login_devices (token_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)`,
			h, userID, ts(at))
		return err
	})
}

// RecordLoginFailure adds a failed attempt to each bucket and prunes attempts older than a day.
func (s *Store) RecordLoginFailure(ctx context.Context, buckets []string, at time.Time) error {
	for _, b := range buckets {
		if _, err := s.execWrite(ctx, true, `INSERT INTO login_attempts (bucket, at) VALUES ($1, $2)`, b, ts(at)); err != nil {
			return mapErr(err)
		}
	}
	_, err := s.execWrite(ctx, true, `DELETE FROM login_attempts WHERE at < $1`, ts(at.Add(-24*time.Hour)))
	return mapErr(err)
}

// ClearLoginFailures forgets the failed attempts of bucket.
func (s *Store) ClearLoginFailures(ctx context.Context, bucket string) error {
	_, err := s.execWrite(ctx, true, `DELETE FROM login_attempts WHERE bucket = $1`, bucket)
	return mapErr(err)
}
