package store

import (
	"context"
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
	return se, notFound(err, "session")
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

// LoginAttempts counts failed sign-ins in bucket since t.
func (s *Store) LoginAttempts(ctx context.Context, bucket string, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM login_attempts WHERE bucket = $1 AND at > $2`, bucket, ts(since)).Scan(&n)
	return n, mapErr(err)
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
