package store

import (
	"context"
	"fmt"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

// TakeRate counts one request of the actor's API client in the current
// fixed window (aligned to multiples of window since the Unix epoch) and
// reports whether it is within limit; when it is not, retryAfter says when
// the next window starts. The counter lives in the database, so several
// processes share it.
func (s *Store) TakeRate(ctx context.Context, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return false, 0, err
	}
	if sc.a.APIClientID == 0 {
		return false, 0, errs.Forbidden("forbidden.api_clients_only")
	}
	if window <= 0 {
		window = time.Minute
	}
	now := s.Now()
	start := now.Truncate(window)
	n, err := s.countRate(ctx, rateBucket(sc.tenant(), sc.a.APIClientID), start)
	if err != nil {
		return false, 0, err
	}
	if n <= limit {
		return true, 0, nil
	}
	return false, start.Add(window).Sub(now), nil
}

// rateBucket names the rate counter of an API client (the same in SQL:
// APIClientForAuthCounted).
func rateBucket(tenantID, clientID int64) string { return fmt.Sprintf("api:%d:%d", tenantID, clientID) }

// countRate counts one request in bucket's window starting at start and
// returns the window's count so far, lazily committed: a count lost in a
// power cut does not matter.
func (s *Store) countRate(ctx context.Context, bucket string, start time.Time) (int, error) {
	var n int
	err := s.scanWrite(ctx, true, []any{&n}, `INSERT INTO rate_buckets (bucket, window_start, count) VALUES ($1, $2, 1)
		ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_buckets.count + 1 RETURNING count`, bucket, ts(start))
	return n, mapErr(err)
}

// PurgeRateBuckets deletes counters of windows that ended before cutoff
// (all-tenants system actor).
func (s *Store) PurgeRateBuckets(ctx context.Context, cutoff time.Time) error {
	sc, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	if !sc.a.AllTenants() {
		return errs.Forbidden("forbidden.system_only")
	}
	_, err = s.execWrite(ctx, true, `DELETE FROM rate_buckets WHERE window_start < $1`, ts(cutoff))
	return mapErr(err)
}
