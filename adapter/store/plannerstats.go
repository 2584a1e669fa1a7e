package store

import (
	"context"
	"database/sql"
	"time"
)

// plannerStatsEvery is how often RunHousekeeping refreshes SQLite's
// planner statistics (RefreshPlannerStats).
const plannerStatsEvery = 24 * time.Hour

// RefreshPlannerStats gives SQLite's query planner fresh statistics of
// every table and index (ANALYZE, sampling at most analysisLimit rows of
// each index, so that it takes milliseconds on a large database) and keeps
// only the per-index averages (sqlite_stat1), not the per-value samples
// (sqlite_stat4): a statement planned with samples depends on the values
// bound to it, so SQLite plans it anew at every execution — for the free
// car's search and the availability count 0.5 ms of CPU per booking (a
// third of it inside the single write lock), more than the statements
// themselves cost. Averages are what the statements' plans need (their
// indexes are chosen by their equality columns, or named). The samples are
// deleted in ANALYZE's own transaction, so no connection ever reads them.
// A no-op on PostgreSQL, whose autovacuum keeps its statistics.
func (s *Store) RefreshPlannerStats(ctx context.Context) error {
	if !s.dialect.singleWriter() {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`PRAGMA analysis_limit = ` + analysisLimit, `ANALYZE`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&n); err != nil || n == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sqlite_stat4`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `ANALYZE sqlite_schema`) // this connection: load the statistics again
		return err
	})
	if err == nil {
		s.statsAt.Store(s.now().UnixNano())
	}
	return err
}

// analysisLimit bounds the rows ANALYZE reads per index (its documented
// approximate mode: enough for averages).
const analysisLimit = "1000"

// plannerStatsDue reports whether RunHousekeeping should refresh the
// planner statistics: never refreshed by this process, or longer ago than
// plannerStatsEvery.
func (s *Store) plannerStatsDue() bool {
	at := s.statsAt.Load()
	return s.dialect.singleWriter() && (at == 0 || s.now().Sub(time.Unix(0, at)) >= plannerStatsEvery)
}
